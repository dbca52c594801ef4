"""Linking a Tryton server, and opening sessions on its books."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    Authorization,
    FatalConnectorError,
    FieldRule,
    LinkContext,
    LinkedBooks,
    LinkField,
    PlatformManifest,
    RateLimit,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.base.records import standard_push_models
from expense_sync.connectors.tryton.client import TrytonClient
from expense_sync.connectors.tryton.parties import NOT_STORED
from expense_sync.connectors.tryton.session import TrytonSession, chart_categories

TRYTON_MANIFEST = PlatformManifest(
    key="tryt",
    name="Tryton",
    logo_text="Tr",
    auth_kind=AuthKind.CREDENTIALS,
    reads=LEDGER_READS,
    writes=LEDGER_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=100,
    rate_limit=RateLimit(requests=600, per_seconds=60),
    attachments=AttachmentLimits(max_bytes=50 * MB, content_types=DOCUMENT_TYPES),
    link_fields=(
        LinkField("url", "Server URL", "url", placeholder="e.g. http://127.0.0.1:8000"),
        LinkField("database", "Database"),
        LinkField("username", "User name"),
        LinkField("password", "Password", "password"),
    ),
    connector_available=True,
    tested_against="a real trytond 8.2 server over JSON-RPC",
)
PUSH_MODELS = standard_push_models(
    "Tryton",
    (
        FieldRule(
            "fullyQualifiedName",
            "Fully qualified name",
            max_length=200,
            description="The category, then the account's name (Expense.Expense.Travel); "
            "derived when left out, and its last part names the account when name is not "
            "given.",
        ),
        FieldRule(
            "fullyQualifiedCategory",
            "Fully qualified category",
            max_length=200,
            pattern=r"(Asset|Liability|Equity|Income|Expense)(\..+)?",
            pattern_hint="must be one of the chart's categories, e.g. Expense "
            "(GET .../options/chartOfAccounts lists them).",
            description="The account's type, then the chart's accounts above it (by name); "
            "the type alone puts it in the chart's top section of that type.",
            information="One of the options, each a section of the Tryton chart.",
            listed_from=("chartOfAccounts", chart_categories),
        ),
    ),
    FieldRule("accountName", "Account name", required=True, max_length=100),
    contact_omits=NOT_STORED,
    bank_placement="Debit creates a cash account in the chart's top Asset section, Credit "
    "a liability account in its top Liability section.",
)
REQUIRED = ("url", "database", "username", "password")
# What the customer linking their books reads when the login cannot happen: what to check,
# in the link form's own words, without our endpoint paths or the exception's name.
UNREACHABLE = (
    "The Tryton server cannot be reached at this Server URL. Check that the address is "
    "right, with http:// or https:// and the port Tryton listens on (often 8000); that "
    "the Tryton server is running; and that it can be reached from the expense-sync "
    "server, not only from your computer (a firewall or a private network may stand in "
    "between). Then check the Database name and try again."
)
NOT_TRYTON = (
    "The server at this Server URL answered, but not as Tryton does. Check the address "
    "and its port (Tryton's, often 8000, not a web page in front of it) and the Database "
    "name, then try again."
)


class TrytonConnector:
    manifest = TRYTON_MANIFEST
    push_models = PUSH_MODELS

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        unknown = sorted(set(fields) - set(REQUIRED))
        if unknown:
            raise ValidationConnectorError(
                f"Unknown field(s) {', '.join(unknown)}; Tryton takes {', '.join(REQUIRED)}.",
                field=unknown[0],
            )
        url = fields["url"].rstrip("/")
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise ValidationConnectorError("url must be http(s)://host:port.", field="url")
        client = TrytonClient(url, fields["database"], fields["username"], fields["password"])
        _login_for_link(client)
        company_id = _ready_company(client)
        return Authorization(
            connection_info={
                "url": url,
                "database": fields["database"],
                "username": fields["username"],
                "companyId": str(company_id),
            },
            secrets={"password": fields["password"]},
        )

    def open(self, books: LinkedBooks) -> TrytonSession:
        info = books.connection_info
        client = TrytonClient(
            str(info["url"]),
            str(info["database"]),
            str(info["username"]),
            books.secrets.get("password", ""),
        )
        return TrytonSession(client, int(info["companyId"]))


def _login_for_link(client: TrytonClient) -> None:
    """Log in, with failures worded for the person filling in the link form. An
    unreachable server stays retriable (it may be down for a moment); the API answers 503."""
    try:
        client.login()
    except RetriableConnectorError as error:
        raise RetriableConnectorError(UNREACHABLE, field="url") from error
    except FatalConnectorError as error:
        if error.field != "url":
            raise
        raise FatalConnectorError(NOT_TRYTON, field="url") from error


def _ready_company(client: TrytonClient) -> int:
    """The company whose books we will use; refuse books that cannot take postings."""
    companies = client.call("company.company", "search", [], 0, None, [["id", "ASC"]])
    if not companies:
        raise FatalConnectorError(
            "This Tryton database has no company yet: create one (Company > Companies) and "
            "link again.",
            field="database",
        )
    company_id = int(companies[0])
    today = dt.date.today()
    domain = [
        ["company", "=", company_id],
        ["start_date", "<=", today],
        ["end_date", ">=", today],
    ]
    if not client.call("account.fiscalyear", "search", domain, 0, 1, None):
        raise FatalConnectorError(
            "The Tryton company has no fiscal year covering today: create one (Financial > "
            "Configuration > Fiscal Years) and link again.",
            field="database",
        )
    if not client.call("account.account", "search", [["company", "=", company_id]], 0, 1, None):
        raise FatalConnectorError(
            "The Tryton company has no chart of accounts: create one from a template "
            "(Financial > Configuration > Create Chart of Accounts) and link again.",
            field="database",
        )
    return company_id
