"""The starting books for a new ledger: a small business that spends on company cards."""

from __future__ import annotations

from expense_sync.connectors.beancount.directives import custom, open_account, quote

OPEN_DATE = "2000-01-01"
OPERATING_CURRENCY = "USD"
CURRENCIES = ("USD", "EUR", "GBP")

# (account, name, nominal code, bank account type or None)
ACCOUNTS = (
    ("Assets:Bank:Checking", "Checking account", "1000", "Debit"),
    ("Assets:Bank:Savings", "Savings account", "1010", "Debit"),
    ("Liabilities:CreditCard:Corporate", "Corporate card", "2000", "Credit"),
    ("Liabilities:AccountsPayable:Suppliers", "Accounts payable", "2100", None),
    ("Liabilities:AccountsPayable:Employees", "Employee reimbursements", "2110", None),
    ("Liabilities:Tax:SalesTax", "Sales tax", "2200", None),
    ("Assets:Tax:InputTax", "Input tax (reclaimable)", "1200", None),
    ("Equity:OpeningBalances", "Opening balances", "3000", None),
    ("Income:Sales", "Sales", "4000", None),
    ("Income:CardRewards", "Card rewards", "4100", None),
    ("Expenses:Advertising", "Advertising", "6000", None),
    ("Expenses:BankFees", "Bank fees", "6010", None),
    ("Expenses:Meals", "Meals and entertainment", "6020", None),
    ("Expenses:OfficeSupplies", "Office supplies", "6030", None),
    ("Expenses:Software", "Software subscriptions", "6040", None),
    ("Expenses:Travel", "Travel", "6050", None),
    ("Expenses:Utilities", "Utilities", "6060", None),
    ("Expenses:Uncategorized", "Uncategorized expenses", "6999", None),
)
TAX_RATES = (
    ("NONE", "No tax", "0"),
    ("VAT20", "VAT standard 20%", "20"),
    ("VAT5", "VAT reduced 5%", "5"),
    ("US-SALES", "US sales tax 8.25%", "8.25"),
)
TRACKING = (
    ("DEPT", "Department", None),
    ("DEPT-SALES", "Sales", "DEPT"),
    ("DEPT-ENG", "Engineering", "DEPT"),
    ("DEPT-OPS", "Operations", "DEPT"),
    ("PROJECT", "Project", None),
    ("PROJECT-LAUNCH", "Product launch", "PROJECT"),
)


def new_ledger_text(title: str) -> str:
    lines = [
        f"option {quote('title')} {quote(title)}",
        f'option "operating_currency" "{OPERATING_CURRENCY}"',
        "",
        *(f"{OPEN_DATE} commodity {currency}" for currency in CURRENCIES),
        "",
    ]
    for account, name, code, bank_type in ACCOUNTS:
        meta = {"name": name, "nominal-code": code}
        if bank_type:
            meta["bank-account-type"] = bank_type
        lines.append(open_account(OPEN_DATE, account, CURRENCIES, meta))
    for code, name, rate in TAX_RATES:
        lines.append(custom(OPEN_DATE, "tax-rate", code, {"name": name, "rate": rate}))
    for code, name, parent in TRACKING:
        meta = {"name": name, **({"parent": parent} if parent else {})}
        lines.append(custom(OPEN_DATE, "tracking-category", code, meta))
    return "\n".join(lines) + "\n"
