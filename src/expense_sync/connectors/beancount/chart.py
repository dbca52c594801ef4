"""The starting chart of accounts for a new ledger: a small business that spends on cards."""

from __future__ import annotations

OPEN_DATE = "2000-01-01"
OPERATING_CURRENCY = "USD"
CURRENCIES = ("USD", "EUR", "GBP")

ACCOUNTS = (
    "Assets:Bank:Checking",
    "Assets:Bank:Savings",
    "Liabilities:CreditCard:Corporate",
    "Liabilities:AccountsPayable:Suppliers",
    "Liabilities:AccountsPayable:Employees",
    "Liabilities:Tax:SalesTax",
    "Equity:OpeningBalances",
    "Income:Sales",
    "Income:CardRewards",
    "Expenses:Advertising",
    "Expenses:BankFees",
    "Expenses:Meals",
    "Expenses:OfficeSupplies",
    "Expenses:Software",
    "Expenses:Travel",
    "Expenses:Utilities",
    "Expenses:Uncategorized",
)


def new_ledger_text(title: str) -> str:
    currencies = ",".join(CURRENCIES)
    lines = [
        f'option "title" "{title}"',
        f'option "operating_currency" "{OPERATING_CURRENCY}"',
        "",
        *(f"{OPEN_DATE} commodity {currency}" for currency in CURRENCIES),
        "",
        *(f"{OPEN_DATE} open {account} {currencies}" for account in ACCOUNTS),
        "",
    ]
    return "\n".join(lines)
