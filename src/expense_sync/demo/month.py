"""A month of a small company's card spend, as a card platform would send it.

Pure data, seeded so a run can be repeated: card payments at realistic merchants in
USD, EUR and GBP (with tax where the merchant charges it, and a department), a few
refunds, a chargeback, the card's cash-back reward, expense claims of two employees,
the card bill paid from the checking account (a transfer), and a bank-fee correction
(an adjustment). Account, tax-rate and tracking ids are those of a new Beancount
ledger's starter chart (``connectors/beancount/chart.py``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CARD = "Liabilities:CreditCard:Corporate"
CHECKING = "Assets:Bank:Checking"
# currency -> (units per USD, the merchant's usual tax rate, its rate in percent)
CURRENCIES = {
    "USD": (Decimal("1"), "US-SALES", Decimal("8.25")),
    "EUR": (Decimal("0.92"), "VAT20", Decimal("20")),
    "GBP": (Decimal("0.79"), "VAT20", Decimal("20")),
}
# (merchant, account, currency, lowest, highest, taxed, department)
MERCHANTS = (
    ("United Airlines", "Expenses:Travel", "USD", 180, 920, False, "DEPT-SALES"),
    ("Lufthansa", "Expenses:Travel", "EUR", 150, 780, False, "DEPT-SALES"),
    ("Marriott Berlin", "Expenses:Travel", "EUR", 120, 450, True, "DEPT-SALES"),
    ("Premier Inn London", "Expenses:Travel", "GBP", 90, 260, True, "DEPT-OPS"),
    ("Uber", "Expenses:Travel", "USD", 12, 75, False, "DEPT-SALES"),
    ("Pret A Manger", "Expenses:Meals", "GBP", 6, 28, True, "DEPT-ENG"),
    ("Blue Bottle Coffee", "Expenses:Meals", "USD", 5, 40, True, "DEPT-ENG"),
    ("Nobu", "Expenses:Meals", "USD", 150, 640, True, "DEPT-SALES"),
    ("GitHub", "Expenses:Software", "USD", 21, 441, False, "DEPT-ENG"),
    ("Atlassian", "Expenses:Software", "USD", 60, 380, False, "DEPT-ENG"),
    ("Figma", "Expenses:Software", "EUR", 45, 225, True, "PROJECT-LAUNCH"),
    ("Amazon UK", "Expenses:OfficeSupplies", "GBP", 15, 310, True, "DEPT-OPS"),
    ("Staples", "Expenses:OfficeSupplies", "USD", 20, 180, True, "DEPT-OPS"),
    ("Google Ads", "Expenses:Advertising", "USD", 250, 2400, False, "PROJECT-LAUNCH"),
    ("LinkedIn Ads", "Expenses:Advertising", "EUR", 200, 1500, False, "PROJECT-LAUNCH"),
    ("Comcast Business", "Expenses:Utilities", "USD", 90, 240, True, "DEPT-OPS"),
)
EMPLOYEES = ("Priya Raman", "Tom Okafor")


@dataclass
class Month:
    """What the platform sends in one month, by endpoint; ``receipts`` names the card
    payments whose receipt photo the cardholder uploaded."""

    first_day: dt.date
    expenses: list[dict[str, Any]] = field(default_factory=list)
    reimbursables: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            len(self.expenses)
            + len(self.reimbursables)
            + len(self.transfers)
            + len(self.adjustments)
        )


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _line(rng: random.Random, merchant: tuple[Any, ...]) -> tuple[dict[str, Any], Decimal]:
    _, account, currency, low, high, taxed, department = merchant
    net = Decimal(rng.randint(low * 100, high * 100)) / 100
    line: dict[str, Any] = {
        "netAmount": _money(net),
        "accountRef": {"id": account},
        "trackingRefs": [{"id": department, "dataType": "trackingCategories"}],
    }
    tax = Decimal(0)
    if taxed:
        _, rate_id, percent = CURRENCIES[currency]
        tax = (net * percent / 100).quantize(Decimal("0.01"))
        line |= {"taxAmount": _money(tax), "taxRateRef": {"id": rate_id}}
    return line, net + tax


def _card(rng: random.Random, day: dt.date, kind: str, merchant: tuple[Any, ...]) -> dict[str, Any]:
    name, _, currency, *_ = merchant
    line, _ = _line(rng, merchant)
    body: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "type": kind,
        "issueDate": day.isoformat(),
        "currency": currency,
        "merchantName": name,
        "notes": f"{name} - card ending 4590",
        "lines": [line],
    }
    if currency != "USD":
        body["currencyRate"] = str(CURRENCIES[currency][0])
    return body


def month_of_spend(first_day: dt.date, *, payments: int = 120, seed: int = 2026) -> Month:
    """The month starting ``first_day``: ``payments`` card payments and the rest."""
    rng = random.Random(seed)
    days = [first_day + dt.timedelta(days=n) for n in range(28)]
    month = Month(first_day)
    for _ in range(payments):
        month.expenses.append(_card(rng, rng.choice(days), "Payment", rng.choice(MERCHANTS)))
    month.expenses.sort(key=lambda e: str(e["issueDate"]))
    month.receipts = [e["id"] for e in rng.sample(month.expenses, min(12, payments))]
    for kind, count in (("Refund", 4), ("Chargeback", 1)):
        for _ in range(count):
            merchant = rng.choice(MERCHANTS)
            month.expenses.append(_card(rng, rng.choice(days[7:]), kind, merchant))
    month.expenses.append(
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "type": "Reward",
            "issueDate": days[-1].isoformat(),
            "currency": "USD",
            "merchantName": "Card cash back",
            "notes": "1% cash back on last month",
            "lines": [{"netAmount": "48.60", "accountRef": {"id": "Income:CardRewards"}}],
        }
    )
    month.reimbursables = [
        _claim(rng, day, employee) for employee in EMPLOYEES for day in rng.sample(days, 2)
    ]
    bill = sum(
        (Decimal(e["lines"][0]["netAmount"]) for e in month.expenses if e["currency"] == "USD"),
        Decimal(0),
    )
    month.transfers.append(
        (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            {
                "date": days[-1].isoformat(),
                "description": "Card bill paid from checking",
                "from": {"accountRef": {"id": CHECKING}, "amount": _money(bill)},
                "to": {"accountRef": {"id": CARD}, "amount": _money(bill)},
            },
        )
    )
    month.adjustments.append(
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "date": days[-1].isoformat(),
            "currency": "USD",
            "reference": "Foreign transaction fees charged by the card issuer",
            "lines": [
                {"amount": "23.40", "accountRef": {"id": "Expenses:BankFees"}},
                {"amount": "-23.40", "accountRef": {"id": CARD}},
            ],
        }
    )
    return month


def _claim(rng: random.Random, day: dt.date, employee: str) -> dict[str, Any]:
    merchant = rng.choice([m for m in MERCHANTS if m[2] == "USD"])
    line, _ = _line(rng, merchant)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "issueDate": day.isoformat(),
        "dueDate": (day + dt.timedelta(days=14)).isoformat(),
        "currency": "USD",
        "reference": f"Expense claim: {merchant[0]}",
        "notes": f"Paid personally by {employee}",
        "contactRef": {"id": employee},  # replaced by the employee's supplier id
        "lines": [line],
    }
