"""Tryton's books read as Codat records, and Codat records written as Tryton records.

| Codat | Tryton |
| --- | --- |
| chartOfAccounts | ``account.account`` of the company with a type (kind from its top ancestor) |
| bankAccounts | accounts whose type is cash, or whose note marks a bank or card account |
| suppliers / customers | ``party.party`` of the category "Supplier" / "Customer" (``parties.py``) |
| taxRates | ``account.tax`` (percentage rates) |
| trackingCategories | ``analytic_account.account`` |
| company | ``company.company`` |

Accounts without an account type are the chart's headings (views): Tryton refuses a
move line on them, so they are not listed. A ``closed`` account takes no more moves
either: it is listed as Archived (and so not offered for mapping).

An account is Archived when Tryton counts it inactive: its start and end dates leave out
the current fiscal year. Tryton works that out account by account when ``active`` is
read (a fiscal-year search each, about 0.6 s a thousand accounts), but in one query when
it is searched on; so the accounts are read without it, and the inactive ones found by
one search.

Idempotency keys live where Tryton keeps free text: an account's ``note``
(``expense-sync-key: <key>/<n>``) and a party identifier with no type. Postings are
written by ``ledger.py`` (moves and supplier invoices, docs/posting.md); receipts become
``ir.attachment`` records on them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Document, Posted, Posting, Record, ValidationConnectorError
from expense_sync.connectors.base.records import category_type
from expense_sync.connectors.tryton.client import TrytonClient
from expense_sync.connectors.tryton.ledger import TrytonLedger
from expense_sync.connectors.tryton.parties import CATEGORY, KEY_PREFIX, Parties

DOCUMENT_PREFIX = "expense-sync-document: "
BANK_MARK = "bank-account-type: "
ROOT_WORDS = (
    ("Revenue", "Income"),
    ("Expense", "Expense"),
    ("Asset", "Asset"),
    ("Liabilit", "Liability"),
    ("Equity", "Equity"),
)


class TrytonSession:
    def __init__(self, client: TrytonClient, company_id: int) -> None:
        self.client = client
        self.company_id = company_id
        self._currency_code: str | None = None  # the company's; read once a session
        self.ledger = TrytonLedger(client, company_id)
        self.parties = Parties(client)

    def check(self) -> None:
        self.client.login()

    # -- reading -------------------------------------------------------------------------

    def read(self, data_type: str) -> list[Record]:
        if data_type == "chartOfAccounts":
            currency = self._currency()  # one call, not one per account
            return [
                _account(a, kind, currency)
                for a, kind in self._accounts()
                if a["type"] is not None  # a heading takes no move lines
            ]
        if data_type == "bankAccounts":
            currency = self._currency()
            return [_bank_account(a, currency) for a, _ in self._accounts() if _bank_type(a)]
        if data_type in CATEGORY:
            return self.parties.read(data_type)
        if data_type == "taxRates":
            taxes = self.client.call(
                "account.tax", "search_read", [], 0, None, None, ["name", "rate", "type"]
            )
            return [_tax(t) for t in taxes]
        if data_type == "trackingCategories":
            return self._tracking()
        if data_type == "company":
            return [self._company()]
        raise ValidationConnectorError(f"Tryton does not provide {data_type}.")

    def _accounts(self) -> list[tuple[dict[str, Any], str]]:
        """Every account of the company, archived ones too (``active`` set on each), with
        its kind."""
        company = ["company", "=", self.company_id]
        rows = self.client.call(
            "account.account",
            "search_read",
            [company, ["active", "in", [True, False]]],
            0,
            None,
            None,
            [
                "name",
                "code",
                "parent",
                "note",
                "type",
                "type.name",
                "second_currency.code",
                "closed",
            ],
        )
        inactive = set(
            self.client.call(
                "account.account", "search", [company, ["active", "=", False]], 0, None, None
            )
        )
        by_id = {row["id"]: row for row in rows}
        parents = {row["parent"] for row in rows}
        result = []
        for row in rows:
            row["active"] = row["id"] not in inactive
            if row["parent"] is None:
                continue  # the chart itself
            above: list[str] = []  # the names from the top section down to the parent
            top = row
            while top["parent"] in by_id and by_id[top["parent"]]["parent"] is not None:
                top = by_id[top["parent"]]
                above.insert(0, top["name"])
            kind = _kind(top["name"])
            row["category"] = ".".join([kind, *above])
            row["section"] = row["id"] in parents or row.get("type") is None
            result.append((row, kind))
        return result

    def _tracking(self) -> list[Record]:
        rows = self.client.call(
            "analytic_account.account", "search_read", [], 0, None, None, ["name", "code", "parent"]
        )
        parents = {row["parent"] for row in rows if row["parent"]}
        return [
            {
                "id": str(row["id"]),
                "name": row["name"],
                "hasChildren": row["id"] in parents,
                "parentId": str(row["parent"]) if row["parent"] else None,
            }
            for row in rows
        ]

    def _company(self) -> Record:
        rows = self.client.call(
            "company.company", "read", [self.company_id], ["party.name", "currency.code"]
        )
        name = rows[0]["party."]["name"]
        return {
            "id": str(self.company_id),
            "companyName": name,
            "companyLegalName": name,
            "accountingPlatformRef": f"{self.client.database}/{self.company_id}",
            "baseCurrency": rows[0]["currency."]["code"],
            "addresses": [],
            "phoneNumbers": [],
            "webLinks": [],
        }

    def _currency(self) -> str:
        if self._currency_code is None:
            rows = self.client.call("company.company", "read", [self.company_id], ["currency.code"])
            self._currency_code = str(rows[0]["currency."]["code"])
        return self._currency_code

    # -- writing -------------------------------------------------------------------------

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        found = self._written_with(data_type, key) if key else []  # by an earlier try
        landed = found
        if not found:
            if data_type in ("chartOfAccounts", "bankAccounts"):
                landed = self._create_accounts(data_type, records, key)
            elif data_type in CATEGORY:
                landed = self.parties.create(data_type, records, key)
            else:
                raise ValidationConnectorError(f"Tryton cannot create {data_type}.")
        if data_type in CATEGORY:
            return self.parties.read(data_type, landed, just_created=not found)
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[str(i)] for i in landed]

    def _written_with(self, data_type: str, key: str) -> list[int]:
        if data_type in CATEGORY:
            found = self.client.call(
                "party.identifier",
                "search_read",
                [["code", "like", f"{KEY_PREFIX}{key}/%"]],
                0,
                None,
                None,
                ["code", "party"],
            )
            pairs = [(row["code"], row["party"]) for row in found]
        else:
            found = self.client.call(
                "account.account",
                "search_read",
                [["note", "like", f"%{KEY_PREFIX}{key}/%"]],
                0,
                None,
                None,
                ["note"],
            )
            pairs = [(_key_line(row["note"]), row["id"]) for row in found]
        return [
            record_id for _, record_id in sorted(pairs, key=lambda p: int(p[0].rsplit("/", 1)[1]))
        ]

    def _create_accounts(self, data_type: str, records: list[Record], key: str | None) -> list[int]:
        accounts = self._accounts()
        ids = {row["id"] for row, _ in accounts}
        tops = {kind: row for row, kind in accounts if row["parent"] not in ids and row["active"]}
        types = self.client.call(
            "account.account.type",
            "search_read",
            [],
            0,
            None,
            None,
            ["name", "expense", "revenue", "payable", "receivable", "statement"],
        )
        existing = {row["name"].lower() for row, _ in accounts if row["active"]}
        seconds = self._second_currencies(data_type, records)
        sections = {
            f"{row['category']}.{row['name']}": row
            for row, _ in accounts
            if row["section"] and row["active"]
        }
        values = []
        for index, record in enumerate(records):
            if data_type == "chartOfAccounts":
                self._check_currency(record)
            kind, name, bank, category = _account_shape(data_type, record, set(sections))
            if name.lower() in existing:
                raise ValidationConnectorError(
                    f"An account named {name} already exists.",
                    field="name" if bank is None else "accountName",
                )
            existing.add(name.lower())
            parent = sections.get(category) if category else tops.get(kind)
            if parent is None and category:
                raise ValidationConnectorError(
                    f"fullyQualifiedCategory {category} is not a section of this Tryton chart; "
                    "pick one from GET .../options/chartOfAccounts (refresh chartOfAccounts "
                    f"first), or send only the type ({kind}).",
                    field="fullyQualifiedCategory",
                )
            if parent is None:
                raise ValidationConnectorError(f"The chart has no {kind} section.", field="type")
            note = "\n".join(
                line
                for line in (
                    f"{BANK_MARK}{bank}" if bank else "",
                    f"{KEY_PREFIX}{key}/{index}" if key else "",
                )
                if line
            )
            values.append(
                {
                    "name": name,
                    "code": record.get("nominalCode"),
                    "parent": parent["id"],
                    "type": _type_for(types, kind, bank),
                    "company": self.company_id,
                    "note": note or None,
                    **({"second_currency": seconds[index]} if seconds[index] else {}),
                }
            )
        return list(self.client.call("account.account", "create", values))

    def _second_currencies(self, data_type: str, records: list[Record]) -> list[int | None]:
        """For bank accounts in a currency other than the company's, that currency's id:
        Tryton keeps such an account in the company currency with a second currency.
        Other accounts stay in the company currency (Tryton refuses a second currency on
        expense, revenue, payable and receivable accounts)."""
        company = self._currency()
        wanted = [
            str(r.get("currency") or company) if data_type == "bankAccounts" else company
            for r in records
        ]
        foreign = sorted({code for code in wanted if code != company})
        if not foreign:
            return [None] * len(records)
        rows = self.client.call(
            "currency.currency", "search_read", [["code", "in", foreign]], 0, None, None, ["code"]
        )
        ids = {row["code"]: int(row["id"]) for row in rows}
        missing = [code for code in foreign if code not in ids]
        if missing:
            raise ValidationConnectorError(
                f"Tryton has no currency {', '.join(missing)}; add it (Currency > Currencies).",
                field="currency",
            )
        return [ids.get(code) for code in wanted]

    def _check_currency(self, record: Record) -> None:
        currency = record.get("currency")
        if currency and currency != self._currency():
            raise ValidationConnectorError(
                f"Tryton keeps accounts in the company's currency ({self._currency()}), not "
                f"{currency}; send {self._currency()} or leave currency out.",
                field="currency",
            )

    def update(self, data_type: str, record_id: str, record: Record) -> Record:
        if data_type not in CATEGORY or not record_id.isdigit():
            raise ValidationConnectorError(f"No {data_type[:-1]} {record_id} in Tryton.")
        self.parties.update(data_type, int(record_id), record)
        (stored,) = self.parties.read(data_type, [int(record_id)])
        return stored

    # -- postings ------------------------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        return self.ledger.post(postings)

    def attach(self, key: str, document: Document) -> str:
        """An ``ir.attachment`` on the record posted under ``key``; its description carries
        ``expense-sync-document: <id>``, so a second attach of the document finds it."""
        resource = self.ledger.reference(key)
        if resource is None:
            raise ValidationConnectorError(
                f"Nothing is posted to Tryton under transaction {key}; sync it first."
            )
        mark = f"{DOCUMENT_PREFIX}{document.id}"
        found = self.client.call(
            "ir.attachment",
            "search",
            [["resource", "=", resource], ["description", "=", mark]],
            0,
            1,
            None,
        )
        if found:
            return f"ir.attachment,{found[0]}"
        try:
            data = document.path.read_bytes()
        except OSError as error:
            raise ValidationConnectorError(
                f"The stored file of document {document.id} cannot be read: {error.strerror}."
            ) from None
        (created,) = self.client.call(
            "ir.attachment",
            "create",
            [
                {
                    "name": f"{document.id[:8]} {document.file_name}"[:200],
                    "type": "data",
                    "data": data,
                    "resource": resource,
                    "description": mark,
                }
            ],
        )
        return f"ir.attachment,{created}"


def _currency_of(row: dict[str, Any], company_currency: str) -> str:
    """An account's currency: its second currency (how Tryton keeps a bank account in
    a foreign currency: its lines carry the foreign amounts), else the company's."""
    second = row.get("second_currency.") or {}
    return str(second.get("code") or company_currency)


def _account(row: dict[str, Any], kind: str, currency: str) -> Record:
    currency = _currency_of(row, currency)
    return {
        "id": str(row["id"]),
        "nominalCode": row.get("code"),
        "name": row["name"],
        "description": None,
        "fullyQualifiedCategory": row["category"],
        "fullyQualifiedName": f"{row['category']}.{row['name']}",
        "currency": currency,
        "type": kind,
        "status": "Active" if row["active"] and not row.get("closed") else "Archived",
        "isBankAccount": _bank_type(row) is not None,
        "validDatatypeLinks": [],
        "metadata": {"isDeleted": False},
    }


def _bank_account(row: dict[str, Any], currency: str) -> Record:
    currency = _currency_of(row, currency)
    return {
        "id": str(row["id"]),
        "accountName": row["name"],
        "accountType": _bank_type(row),
        "nominalCode": row.get("code"),
        "currency": currency,
        "status": "Active" if row["active"] else "Archived",
        "metadata": {"isDeleted": False},
    }


def _kind(top_name: str) -> str:
    return next((kind for word, kind in ROOT_WORDS if word in top_name), "Expense")


def _bank_type(row: dict[str, Any]) -> str | None:
    for line in (row.get("note") or "").splitlines():
        if line.startswith(BANK_MARK):
            return line[len(BANK_MARK) :]
    type_name = (row.get("type.") or {}).get("name", "")
    return "Debit" if "Cash" in type_name else None


def _key_line(note: str | None) -> str:
    return next(line for line in (note or "").splitlines() if line.startswith(KEY_PREFIX))


def _tax(row: dict[str, Any]) -> Record:
    rate = (
        float(Decimal(str(row.get("rate") or 0)) * 100) if row.get("type") == "percentage" else 0.0
    )
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "code": row["name"],
        "effectiveTaxRate": rate,
        "totalTaxRate": rate,
        "validTransactionTypes": ["Payment", "Refund", "Reward", "Chargeback"],
    }


def _account_shape(
    data_type: str, record: Record, sections: set[str]
) -> tuple[str, str, str | None, str]:
    """(type, name, bank account type, category) of a pushed account. The category is
    the one sent, else the part of ``fullyQualifiedName`` before its last ``.`` when that
    is a section of the chart; a bare type means the type's top section (``""``)."""
    if data_type == "bankAccounts":
        bank = str(record["accountType"])
        kind = "Asset" if bank == "Debit" else "Liability"
        return kind, str(record["accountName"]), bank, ""
    category = str(record.get("fullyQualifiedCategory") or "")
    full = str(record.get("fullyQualifiedName") or "")
    if not category and "." in full and full.rsplit(".", 1)[0] in sections:
        category = full.rsplit(".", 1)[0]
    inside = bool(category) and full.startswith(f"{category}.")
    name = record.get("name") or (full[len(category) + 1 :] if inside else full)
    if not name:
        raise ValidationConnectorError(
            "A Tryton account needs a name (or a fullyQualifiedName ending in one).", field="name"
        )
    kind = str(record.get("type") or category_type(category))
    if category and category_type(category) != kind:
        raise ValidationConnectorError(
            f"fullyQualifiedName {full} is not of type {kind}; make them agree.",
            field="fullyQualifiedName",
        )
    return kind, str(name), None, "" if category == kind else category


def chart_categories(accounts: list[Record]) -> list[str]:
    """The categories listed for a new account, from the chart as read: the five types
    (each its top section) and every section that holds active accounts."""
    found = {"Asset", "Liability", "Equity", "Income", "Expense"}
    found.update(str(a["fullyQualifiedCategory"]) for a in accounts if a.get("status") == "Active")
    return sorted(found)


def _type_for(types: list[dict[str, Any]], kind: str, bank: str | None) -> int | None:
    def first(test: Any) -> int | None:
        return next((t["id"] for t in types if test(t)), None)

    if bank == "Debit":
        return first(lambda t: "Cash" in t["name"])
    if kind == "Expense":
        return first(lambda t: t["expense"])
    if kind == "Income":
        return first(lambda t: t["revenue"])
    if kind == "Liability":
        return first(lambda t: t["statement"] == "balance" and "liabilit" in t["name"].lower())
    if kind == "Asset":
        return first(lambda t: t["statement"] == "balance" and "Current Assets" in t["name"])
    return first(lambda t: "equity" in t["name"].lower())
