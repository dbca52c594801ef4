"""One FreeAgent company's books, kept as FreeAgent shapes them on the wire.

Links between records are FreeAgent's URLs, stored as paths (``/v2/categories/285``)
and made absolute with the sandbox's own address when answered (``absolute``), so a
record reads back exactly as it was stored. The seed is a UK limited company in GBP
with a subset of FreeAgent's standard categories, a current account, a credit card
account, contacts and one user (the director).
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
URL_PATH = re.compile(r"(/v2/[a-z_]+/[^/?#\s]+)$")

# (nominal code, description, group): a subset of FreeAgent's standard UK categories.
STANDARD_CATEGORIES = (
    ("001", "Sales", "income"),
    ("055", "Other Income", "income"),
    ("101", "Cost of Sales", "cost_of_sales"),
    ("102", "Commission Paid", "cost_of_sales"),
    ("250", "Advertising and Promotion", "admin_expenses"),
    ("269", "Bank/Finance Charges", "admin_expenses"),
    ("285", "Accommodation and Meals", "admin_expenses"),
    ("290", "Business Entertaining", "admin_expenses"),
    ("313", "Computer Software", "admin_expenses"),
    ("335", "Telephone", "admin_expenses"),
    ("359", "Sundries", "admin_expenses"),
    ("365", "Travel", "admin_expenses"),
    ("366", "Mileage", "admin_expenses"),
    ("681", "Office Equipment and Computer Hardware", "general"),
    ("796", "Other Debtors", "general"),
    ("814", "Other Creditors", "general"),
    ("901", "Capital Introduced", "general"),
)
GROUP_OF_CREATE = {
    "income": "income",
    "cost_of_sales": "cost_of_sales",
    "admin_expenses": "admin_expenses",
    "current_assets": "general",
    "liabilities": "general",
    "equities": "general",
}
# Where a custom category's nominal code may sit, by the group it is created in.
CODE_RANGES = {
    "income": (1, 99),
    "cost_of_sales": (100, 199),
    "admin_expenses": (200, 499),
    "current_assets": (600, 799),
    "liabilities": (800, 899),
    "equities": (900, 999),
}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def path_of(url: object) -> str | None:
    """The ``/v2/<collection>/<id>`` a FreeAgent URL names (any host, as FreeAgent reads
    only the path), or None."""
    if not isinstance(url, str):
        return None
    found = URL_PATH.search(url.strip())
    return found.group(1) if found else None


def absolute(value: Any, base: str) -> Any:
    """``value`` with every stored path made a URL on ``base``."""
    if isinstance(value, str) and value.startswith("/v2/"):
        return base + value
    if isinstance(value, dict):
        return {k: absolute(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [absolute(v, base) for v in value]
    return value


@dataclass
class Books:
    """One company. ``lock`` serialises its writes (FreeAgent's writes are atomic)."""

    company: Record
    users: dict[str, Record] = field(default_factory=dict)
    categories: dict[str, Record] = field(default_factory=dict)  # nominal code ->
    groups: dict[str, str] = field(default_factory=dict)  # nominal code -> group
    bank_accounts: dict[str, Record] = field(default_factory=dict)
    bank_transactions: dict[str, Record] = field(default_factory=dict)
    explanations: dict[str, Record] = field(default_factory=dict)
    contacts: dict[str, Record] = field(default_factory=dict)
    bills: dict[str, Record] = field(default_factory=dict)
    journal_sets: dict[str, Record] = field(default_factory=dict)
    attachments: dict[str, Record] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def new_id(self) -> str:
        return str(next(self.ids))

    def table(self, collection: str) -> dict[str, Record]:
        return {
            "users": self.users,
            "categories": self.categories,
            "bank_accounts": self.bank_accounts,
            "bank_transactions": self.bank_transactions,
            "bank_transaction_explanations": self.explanations,
            "contacts": self.contacts,
            "bills": self.bills,
            "journal_sets": self.journal_sets,
            "attachments": self.attachments,
        }[collection]

    def lookup(self, url: object, collection: str) -> Record | None:
        """The record ``url`` names, if it is one of ``collection``'s."""
        path = path_of(url)
        if path is None or not path.startswith(f"/v2/{collection}/"):
            return None
        return self.table(collection).get(path.rsplit("/", 1)[1])

    def add_category(self, code: str, description: str, group: str, **extra: Any) -> Record:
        record: Record = {
            "url": f"/v2/categories/{code}",
            "description": description,
            "nominal_code": code,
            "allowable_for_tax": group != "general",
            "tax_reporting_name": extra.get("tax_reporting_name"),
            "auto_sales_tax_rate": extra.get("auto_sales_tax_rate"),
        }
        self.categories[code] = record
        self.groups[code] = group
        return record

    def add_bank_account(self, name: str, type_: str, currency: str, **extra: Any) -> Record:
        record_id = self.new_id()
        stamp = now()
        record: Record = {
            "url": f"/v2/bank_accounts/{record_id}",
            "type": type_,
            "name": name,
            "opening_balance": extra.get("opening_balance") or "0.0",
            "current_balance": extra.get("opening_balance") or "0.0",
            "currency": currency,
            "is_personal": bool(extra.get("is_personal", False)),
            "is_primary": not self.bank_accounts,
            "status": extra.get("status") or "active",
            "nominal_code": f"750-{len(self.bank_accounts) + 1}",
            "created_at": stamp,
            "updated_at": stamp,
        }
        for name_ in ("account_number", "sort_code", "iban", "bic", "bank_name", "email"):
            if extra.get(name_) is not None:
                record[name_] = extra[name_]
        self.bank_accounts[record_id] = record
        return record

    def add_contact(self, fields: Record) -> Record:
        record_id = self.new_id()
        stamp = now()
        record = {
            **{k: v for k, v in fields.items() if v is not None},
            "url": f"/v2/contacts/{record_id}",
            "status": fields.get("status") or "Active",
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.contacts[record_id] = record
        return record

    def snapshot(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "users": list(self.users.values()),
            "categories": list(self.categories.values()),
            "bank_accounts": list(self.bank_accounts.values()),
            "bank_transactions": list(self.bank_transactions.values()),
            "bank_transaction_explanations": list(self.explanations.values()),
            "contacts": list(self.contacts.values()),
            "bills": list(self.bills.values()),
            "journal_sets": list(self.journal_sets.values()),
            "attachments": [
                {**a, "size": len(self.contents.get(a["url"].rsplit("/", 1)[1], b""))}
                for a in self.attachments.values()
            ],
        }


def seeded_books(name: str = "Demo Company Ltd", subdomain: str = "demo") -> Books:
    stamp = now()
    books = Books(
        company={
            "url": "/v2/company",
            "name": name,
            "subdomain": subdomain,
            "type": "UkLimitedCompany",
            "currency": "GBP",
            "mileage_units": "miles",
            "company_start_date": "2020-04-01",
            "first_accounting_year_end": "2021-03-31",
            "sales_tax_registration_status": "Registered",
            "sales_tax_registration_number": "GB123456789",
            "company_registration_number": "01234567",
            "address1": "1 High Street",
            "town": "Edinburgh",
            "postcode": "EH1 1AA",
            "country": "United Kingdom",
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    user_id = books.new_id()
    books.users[user_id] = {
        "url": f"/v2/users/{user_id}",
        "first_name": "Joe",
        "last_name": "Bloggs",
        "email": "joe@example.com",
        "role": "Director",
        "permission_level": 8,
        "opening_mileage": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }
    for code, description, group in STANDARD_CATEGORIES:
        books.add_category(code, description, group)
    books.add_bank_account(
        "Current Account",
        "StandardBankAccount",
        "GBP",
        account_number="12345678",
        sort_code="12-34-56",
    )
    books.add_bank_account("Company Credit Card", "CreditCardAccount", "GBP")
    books.add_contact({"organisation_name": "City Taxis", "email": "rides@citytaxis.example"})
    books.add_contact({"first_name": "Jane", "last_name": "Employee", "email": "jane@example.com"})
    books.add_contact({"organisation_name": "Big Customer Ltd"})
    return books
