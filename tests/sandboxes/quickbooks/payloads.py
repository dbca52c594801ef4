"""Bodies a connector sends, built on the seeded ids (US and UK seeds number alike).

Seeded accounts: 1 Checking, 2 Savings, 3 Company Credit Card, 4 A/P, 5 Advertising,
6 Meals, 7 Office Supplies, 8 Travel, 9 Bank Charges, 10 Card Rewards, 11 Old Expenses
(inactive), UK only 12 Euro Account (EUR). Vendors 1-3, 4 the employee's vendor record.
UK tax codes: 1 "20.0% S", 2 "0.0% Z", 3 "Exempt", 4 "No VAT".
"""

from __future__ import annotations

from typing import Any

CHECKING, CARD, AP, OFFICE, TRAVEL, REWARDS, INACTIVE, EURO = (
    "1",
    "3",
    "4",
    "7",
    "8",
    "10",
    "11",
    "12",
)


def ref(value: str, **more: str) -> dict[str, str]:
    return {"value": value, **more}


def expense_line(amount: float, account: str = OFFICE, **detail: Any) -> dict[str, Any]:
    return {
        "Amount": amount,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": ref(account), **detail},
    }


def purchase(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "PaymentType": "CreditCard",
        "AccountRef": ref(CARD),
        "EntityRef": ref("1", type="Vendor"),
        "TxnDate": "2026-11-30",
        "Line": list(lines) or [expense_line(12.5)],
        **fields,
    }


def uk_purchase(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return purchase(*(lines or [expense_line(100, TaxCodeRef=ref("1"))]), **fields)
