"""Amounts against their currency's ISO 4217 decimals, and which currency a transaction
is in when the request does not say (pure domain rules, no database)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from expense_sync.domain.currencies import check_against_books, in_currency
from expense_sync.domain.expenses import References, Transaction, read_transaction
from expense_sync.domain.money import minor_units, too_precise


@pytest.mark.parametrize(
    ("currency", "units"),
    [("USD", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("OMR", 3),
     ("JOD", 3), ("TND", 3), ("IQD", 3), ("CLF", 4), ("XAU", None), ("ZZZ", None)],
)  # fmt: skip
def test_minor_units_are_iso_4217s(currency: str, units: int | None) -> None:
    assert minor_units(currency) == units


@pytest.mark.parametrize(
    ("amount", "currency", "fits"),
    [("5.12", "USD", True), ("5.10", "USD", True), ("5.100", "USD", True),
     ("5.123", "USD", False), ("5", "JPY", True), ("5.0", "JPY", True), ("5.1", "JPY", False),
     ("5.123", "KWD", True), ("5.123", "BHD", True), ("5.123", "OMR", True),
     ("5.123", "JOD", True), ("5.123", "TND", True), ("5.1234", "KWD", False),
     ("-5.123", "USD", False), ("5.1234", "XAU", True), ("5.1234", "ZZZ", True)],
)  # fmt: skip
def test_an_amount_fits_its_currency_or_says_how_to_round(
    amount: str, currency: str, fits: bool
) -> None:
    message = too_precise("lines[1].netAmount", Decimal(amount), currency)
    assert (message is None) == fits, message
    if message:
        assert message.startswith(f"lines[1].netAmount is {amount}, but {currency}")
        assert "round it" in message


def test_the_message_names_the_decimals_allowed() -> None:
    assert "no decimal places" in (too_precise("x", Decimal("5.1"), "JPY") or "")
    assert "3 decimal place(s)" in (too_precise("x", Decimal("5.1234"), "KWD") or "")
    assert "e.g. to 5.12" in (too_precise("x", Decimal("5.123"), "USD") or "")


def read(kind: str, body: dict[str, Any]) -> Transaction:
    transaction, problems = read_transaction(kind, body, transaction_id=str(uuid.uuid4()))
    assert transaction is not None, problems
    return transaction


def books(**currencies: str) -> References:
    accounts = {name: {"id": name, "currency": code} for name, code in currencies.items()}
    return References(accounts=accounts, base_currency="USD")


def test_a_transfer_takes_each_accounts_currency() -> None:
    body = {
        "date": "2026-11-04",
        "from": {"accountRef": {"id": "London"}, "amount": 100},
        "to": {"accountRef": {"id": "Home"}, "amount": "127.70"},
    }
    resolved = in_currency(read("transfer", body), books(London="GBP", Home="USD"))
    assert [line["currency"] for line in resolved.lines] == ["GBP", "USD"]
    assert resolved.currency == "GBP"
    unknown = in_currency(read("transfer", body), References())
    assert [line["currency"] for line in unknown.lines] == [None, None]
    only_base = in_currency(read("transfer", body), References(base_currency="EUR"))
    assert [line["currency"] for line in only_base.lines] == ["EUR", "EUR"]


def test_transfer_amounts_fit_their_own_accounts_currency() -> None:
    body = {
        "date": "2026-11-04",
        "from": {"accountRef": {"id": "Tokyo"}, "amount": "100.5"},
        "to": {"accountRef": {"id": "Home"}, "amount": "0.671"},
    }
    problems = check_against_books(read("transfer", body), books(Tokyo="JPY", Home="USD"))
    assert [p.item for p in problems] == ["from.amount", "to.amount"]
    assert "JPY amounts have no decimal places" in problems[0].message
    assert check_against_books(read("transfer", body), References()) == []  # not known yet


def test_without_a_currency_an_expense_takes_its_card_accounts_then_the_companys() -> None:
    body = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02",
        "bankAccountRef": {"id": "Sterling"},
        "lines": [{"netAmount": 10, "accountRef": {"id": "Travel"}}],
    }
    references = books(Sterling="GBP", Travel="USD")
    assert in_currency(read("expense", body), references).currency == "GBP"
    assert in_currency(read("expense", body | {"currency": "EUR"}), references).currency == "EUR"
    claim = {k: v for k, v in body.items() if k not in ("type", "bankAccountRef")}
    claim |= {"contactRef": {"id": "1"}, "dueDate": "2026-11-30"}
    assert in_currency(read("reimbursable", claim), books(Travel="JPY")).currency == "JPY"
    mixed = books(Travel="JPY", Meals="GBP")
    claim["lines"].append({"netAmount": 1, "accountRef": {"id": "Meals"}})
    assert in_currency(read("reimbursable", claim), mixed).currency == "USD"
