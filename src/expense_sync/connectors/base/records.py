"""Shared field declarations for the Codat data types every ledger connector writes."""

from __future__ import annotations

from expense_sync.connectors.base.push_model import FieldRule, PushModel

ACCOUNT_TYPES = ("Asset", "Expense", "Income", "Liability", "Equity")
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


def standard_push_models(
    account_name_rule: FieldRule, bank_name_rule: FieldRule, contact_omits: tuple[str, ...] = ()
) -> dict[str, PushModel]:
    """The four writable data types; a connector supplies how it names accounts, and
    which supplier and customer fields it cannot store."""
    return {
        "chartOfAccounts": PushModel(
            "chartOfAccounts",
            "Account",
            (
                account_name_rule,
                FieldRule("name", "Name", max_length=200),
                FieldRule("nominalCode", "Nominal code", max_length=20),
                FieldRule("description", "Description", max_length=500),
                FieldRule("type", "Type", required=True, choices=ACCOUNT_TYPES),
                FieldRule("currency", "Currency", required=True, is_currency=True),
            ),
        ),
        "bankAccounts": PushModel(
            "bankAccounts",
            "Bank account",
            (
                bank_name_rule,
                FieldRule("accountType", "Account type", required=True, choices=BANK_ACCOUNT_TYPES),
                FieldRule("nominalCode", "Nominal code", max_length=20),
                FieldRule("currency", "Currency", required=True, is_currency=True),
                FieldRule("institution", "Institution", max_length=200),
                FieldRule("accountNumber", "Account number", max_length=50),
                FieldRule("sortCode", "Sort code", max_length=20),
                FieldRule("iBan", "IBAN", max_length=34),
            ),
        ),
        "suppliers": PushModel(
            "suppliers", "Supplier", contact_fields("supplierName", "Name", contact_omits)
        ),
        "customers": PushModel(
            "customers", "Customer", contact_fields("customerName", "Name", contact_omits)
        ),
    }
