"""Linking a Beancount ledger: create a fresh one, or adopt one under the ledger root.

Every file this connector writes is first checked by Beancount's own loader and then
moved into place atomically, so a ledger on disk is never half-written or invalid.
"""

from __future__ import annotations

from pathlib import Path

from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    Authorization,
    FieldRule,
    LinkContext,
    LinkedBooks,
    LinkField,
    PlatformManifest,
    RateLimit,
    ValidationConnectorError,
)
from expense_sync.connectors.base.records import standard_push_models
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.connectors.beancount.files import ledger_errors, write_checked
from expense_sync.connectors.beancount.mapping import CATEGORY_PATTERN, ledger_categories
from expense_sync.connectors.beancount.safety import check_ledger_tree, confined
from expense_sync.connectors.beancount.session import BeancountSession
from expense_sync.domain.text import printable

BEANCOUNT_MANIFEST = PlatformManifest(
    key="bean",
    name="Beancount",
    logo_text="Bc",
    auth_kind=AuthKind.LEDGER_FILE,
    reads=LEDGER_READS,
    writes=LEDGER_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=500,
    rate_limit=RateLimit(requests=10_000, per_seconds=60),
    attachments=AttachmentLimits(max_bytes=256 * MB, content_types=DOCUMENT_TYPES),
    link_fields=(
        LinkField(
            "ledgerPath",
            "Existing ledger",
            required=False,
            help="Leave empty to start a new ledger with a small-business chart of accounts, "
            "or give the name of a ledger file in the ledger folder.",
            placeholder="e.g. books.beancount",
        ),
    ),
    connector_available=True,
    tested_against="Beancount's own loader",
)


PUSH_MODELS = standard_push_models(
    "Beancount",
    (
        FieldRule(
            "fullyQualifiedName",
            "Fully qualified name",
            max_length=200,
            description="The Beancount account, e.g. Expenses:Travel:Flights (or "
            "Expense.Travel.Flights); derived from fullyQualifiedCategory and name when "
            "left out.",
        ),
        FieldRule(
            "fullyQualifiedCategory",
            "Fully qualified category",
            max_length=200,
            pattern=CATEGORY_PATTERN,
            pattern_hint="must be an account type then Beancount account parts, "
            "e.g. Expense.Travel (GET .../options/chartOfAccounts lists the ledger's).",
            description="Where the account sits: its type, then the groups above it, "
            "e.g. Expense.Travel puts Flights at Expenses:Travel:Flights.",
            information="Any of the options, or a new group under one of the five types "
            "(parts start with a capital letter or a digit).",
            listed_from=("chartOfAccounts", ledger_categories),
        ),
    ),
    FieldRule("accountName", "Account name", required=True, max_length=100),
    bank_placement="Debit opens Assets:Bank:<AccountName>, Credit opens "
    "Liabilities:CreditCard:<AccountName> (the name in CamelCase).",
)
MAX_PATH_LENGTH = 1000


def confine(root: Path, relative: str) -> Path:
    """Resolve a client-supplied path, refusing anything outside ``root``."""
    if not relative or Path(relative).is_absolute() or len(relative) > MAX_PATH_LENGTH:
        raise ValidationConnectorError(
            "ledgerPath must be a file name inside the ledger folder (e.g. books.beancount), "
            f"not an absolute path, and at most {MAX_PATH_LENGTH} characters.",
            field="ledgerPath",
        )
    return confined(root, root / relative)


class BeancountConnector:
    manifest = BEANCOUNT_MANIFEST
    push_models = PUSH_MODELS

    def open(self, books: LinkedBooks) -> BeancountSession:
        return BeancountSession(Path(str(books.connection_info["ledgerPath"])), books.ledger_root)

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        unknown = sorted(set(fields) - {"ledgerPath"})
        if unknown:
            raise ValidationConnectorError(
                f"Unknown field(s) {', '.join(unknown)}; Beancount takes only ledgerPath.",
                field=unknown[0],
            )
        relative = fields.get("ledgerPath", "").strip()
        if relative:
            path = self._existing(context.ledger_root, relative)
        else:
            path = context.ledger_root / f"{context.connection_id}.beancount"
            if not path.exists():
                write_checked(
                    path, new_ledger_text(context.company_name or str(context.company_id))
                )
        return Authorization(connection_info={"ledgerPath": str(path)})

    @staticmethod
    def _existing(root: Path, relative: str) -> Path:
        try:
            path = confine(root, relative)
            if not path.is_file():
                raise ValidationConnectorError(
                    f"There is no ledger file named '{printable(relative)}' in the ledger folder.",
                    field="ledgerPath",
                )
            check_ledger_tree(path, root)
        except OSError as error:
            raise ValidationConnectorError(
                f"ledgerPath cannot be used: {error.strerror or 'invalid path'}.",
                field="ledgerPath",
            ) from None
        problems = ledger_errors(path)
        if problems:
            raise ValidationConnectorError(
                "Beancount cannot load this ledger: " + "; ".join(problems[:5]),
                field="ledgerPath",
            )
        return path
