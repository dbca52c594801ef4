"""Shared field declarations for the Codat data types every ledger connector writes.

An account is placed in the chart the way Codat's account prototype says it:
``fullyQualifiedCategory`` is the account type then the path of groups it sits in
(``Expense.Travel``), each platform listing its own in ``GET .../options/chartOfAccounts``;
``type`` may be left out (the category's first part says it), and ``fullyQualifiedName``
is derived from the category and ``name`` when missing.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base.push_model import FieldRule, PushModel
from expense_sync.domain.errors import Problem

ACCOUNT_TYPES = ("Asset", "Expense", "Income", "Liability", "Equity")
# The fields of Codat's schema for each writable type (sync-for-expenses.openapi.json).
CODAT_FIELDS = {
    "chartOfAccounts": ("nominalCode", "name", "description", "fullyQualifiedCategory",
                        "fullyQualifiedName", "currency", "currentBalance", "type", "status",
                        "isBankAccount", "validDatatypeLinks", "supplementalData"),
    "bankAccounts": ("id", "accountName", "accountType", "nominalCode", "sortCode",
                     "accountNumber", "iBan", "institution", "currency", "balance",
                     "availableBalance", "overdraftLimit", "status", "modifiedDate",
                     "sourceModifiedDate", "metadata", "supplementalData"),
    "suppliers": ("id", "supplierName", "contactName", "emailAddress", "phone", "addresses",
                  "registrationNumber", "taxNumber", "status", "defaultCurrency", "metadata",
                  "modifiedDate", "sourceModifiedDate", "supplementalData"),
    "customers": ("id", "customerName", "contactName", "emailAddress", "phone", "addresses",
                  "registrationNumber", "taxNumber", "status", "defaultCurrency", "contacts",
                  "metadata", "modifiedDate", "sourceModifiedDate", "supplementalData"),
}  # fmt: skip
NEW_STATUS = FieldRule(
    "status",
    "Status",
    choices=("Active",),
    description="A new record is created Active; archive it in the books.",
)
BANK_ACCOUNT_TYPES = ("Debit", "Credit")
ADDRESS = FieldRule(
    "addresses",
    "Addresses",
    "Array",
    children=(
        FieldRule("type", "Type", required=True, choices=("Unknown", "Billing", "Delivery")),
        FieldRule("line1", "Line 1", max_length=200),
        FieldRule("line2", "Line 2", max_length=200),
        FieldRule("city", "City", max_length=100),
        FieldRule("region", "Region", max_length=100),
        FieldRule("country", "Country", max_length=100),
        FieldRule("postalCode", "Postal code", max_length=20),
    ),
)


def contact_fields(
    name_field: str, display: str, omitted: tuple[str, ...] = ()
) -> tuple[FieldRule, ...]:
    """A supplier's or customer's fields, less the ``omitted`` ones its platform cannot
    store."""
    every = (
        FieldRule(name_field, display, required=True, max_length=200),
        FieldRule("contactName", "Contact name", max_length=200),
        FieldRule(
            "emailAddress",
            "Email address",
            max_length=200,
            pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
            pattern_hint="must be an email address.",
        ),
        FieldRule("phone", "Phone", max_length=50),
        FieldRule("registrationNumber", "Registration number", max_length=50),
        FieldRule("taxNumber", "Tax number", max_length=50),
        FieldRule("defaultCurrency", "Default currency", is_currency=True),
        FieldRule("status", "Status", choices=("Active", "Archived")),
        ADDRESS,
    )
    return tuple(rule for rule in every if rule.name not in omitted)


def typed_categories(types: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """fullyQualifiedCategory options of a platform whose accounts carry its own type under
    each of Codat's: ``Expense`` and ``Expense.<platform type>`` for each type listed."""
    return tuple(
        category
        for kind, platform_types in types.items()
        for category in (kind, *(f"{kind}.{platform_type}" for platform_type in platform_types))
    )


def category_type(category: str) -> str:
    """The account type a category starts with (``Expense`` of ``Expense.Travel``)."""
    return category.split(".", 1)[0]


def check_account_placement(record: dict[str, Any]) -> list[Problem]:
    """An account needs a type (given, or the first part of its category), and the two
    must agree."""
    kind, category = record.get("type"), record.get("fullyQualifiedCategory")
    if not kind and not category:
        return [
            Problem(
                "fullyQualifiedCategory",
                "fullyQualifiedCategory (e.g. Expense.Travel; GET .../options/chartOfAccounts "
                "lists them) or type is required to place the account in the chart.",
                "push-model",
            )
        ]
    if kind and category and category_type(category) != kind:
        return [
            Problem(
                "fullyQualifiedCategory",
                f"fullyQualifiedCategory {category} is not of type {kind}; start it with "
                f"{kind}. or leave type out.",
                "push-model",
            )
        ]
    return []


def standard_push_models(
    platform: str,
    account_rules: tuple[FieldRule, ...],
    bank_name_rule: FieldRule,
    contact_omits: tuple[str, ...] = (),
    bank_placement: str = "",
) -> dict[str, PushModel]:
    """The four writable data types; a connector supplies how it names and places
    accounts (``fullyQualifiedName`` and ``fullyQualifiedCategory`` rules) and bank
    accounts (``bank_placement``, shown with ``accountType``), and which supplier and
    customer fields it cannot store."""
    return {
        "chartOfAccounts": PushModel(
            "chartOfAccounts",
            "Account",
            (
                *account_rules,
                FieldRule("name", "Name", max_length=200),
                FieldRule("nominalCode", "Nominal code", max_length=20),
                FieldRule("description", "Description", max_length=500),
                FieldRule(
                    "type",
                    "Type",
                    choices=ACCOUNT_TYPES,
                    description="Optional: the first part of fullyQualifiedCategory.",
                ),
                FieldRule(
                    "currency",
                    "Currency",
                    is_currency=True,
                    description="The company's base currency when left out.",
                ),
                NEW_STATUS,
            ),
            CODAT_FIELDS["chartOfAccounts"],
            platform,
            checks=(check_account_placement,),
        ),
        "bankAccounts": PushModel(
            "bankAccounts",
            "Bank account",
            (
                bank_name_rule,
                FieldRule(
                    "accountType",
                    "Account type",
                    required=True,
                    choices=BANK_ACCOUNT_TYPES,
                    description="Debit for a bank account, Credit for a card.",
                    information=bank_placement,
                ),
                FieldRule("nominalCode", "Nominal code", max_length=20),
                FieldRule("currency", "Currency", required=True, is_currency=True),
                FieldRule("institution", "Institution", max_length=200),
                FieldRule("accountNumber", "Account number", max_length=50),
                FieldRule("sortCode", "Sort code", max_length=20),
                FieldRule("iBan", "IBAN", max_length=34),
                NEW_STATUS,
            ),
            CODAT_FIELDS["bankAccounts"],
            platform,
        ),
        "suppliers": PushModel(
            "suppliers",
            "Supplier",
            contact_fields("supplierName", "Name", contact_omits),
            CODAT_FIELDS["suppliers"],
            platform,
        ),
        "customers": PushModel(
            "customers",
            "Customer",
            contact_fields("customerName", "Name", contact_omits),
            CODAT_FIELDS["customers"],
            platform,
        ),
    }
