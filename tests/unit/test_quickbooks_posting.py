"""QuickBooks Online's bodies for each expense type, by company region, and Intuit's
error answers read into words and a Codat field (pure functions, no platform)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from expense_sync.connectors.base import Posting, PostingLine, ValidationConnectorError
from expense_sync.connectors.quickbooks.api import any_of, read_problem
from expense_sync.connectors.quickbooks.posting import (
    Chart,
    doc_number,
    entity_of,
    holds_key,
    record,
)

ACCOUNTS = {"7": "Expense", "41": "Credit Card", "35": "Bank", "36": "Bank", "90": "Equity"}
US = Chart(ACCOUNTS, taxed_lines=False, home_currency="USD", multi_currency=False)
UK = Chart(ACCOUNTS, taxed_lines=True, home_currency="GBP", multi_currency=True)


def posting(type_: str = "Payment", kind: str = "expense", **extra: Any) -> Posting:
    lines = extra.pop(
        "lines",
        (
            PostingLine(
                "7", Decimal("10.00"), Decimal("2.00"), "5", (("trackingCategories", "class_3"),)
            ),
        ),
    )
    return Posting(
        key=extra.pop("key", "txn-1"),
        revision=1,
        kind=kind,
        type=type_,
        date=dt.date(2026, 11, 2),
        currency=extra.pop("currency", None),
        currency_rate=extra.pop("currency_rate", None),
        lines=lines,
        counter_account=extra.pop("counter_account", "41"),
        **extra,
    )


def test_a_card_payment_is_a_credit_card_purchase_with_gross_lines_in_the_us() -> None:
    body = record(posting(contact="56"), US)
    assert entity_of(posting(), US) == "Purchase"
    assert (body["PaymentType"], body["AccountRef"], body.get("Credit")) == (
        "CreditCard",
        {"value": "41"},
        None,
    )
    line = body["Line"][0]
    assert line["Amount"] == 12.0  # US: the tax is part of the cost, no tax code
    assert "TaxCodeRef" not in line["AccountBasedExpenseLineDetail"]
    assert line["AccountBasedExpenseLineDetail"]["ClassRef"] == {"value": "3"}
    assert "GlobalTaxCalculation" not in body
    assert body["EntityRef"] == {"value": "56", "type": "Vendor"}


def test_a_uk_payment_carries_a_tax_code_per_line_and_refuses_a_line_without() -> None:
    body = record(posting(counter_account="35"), UK)
    assert body["PaymentType"] == "Check"  # from a bank account
    detail = body["Line"][0]["AccountBasedExpenseLineDetail"]
    assert (body["Line"][0]["Amount"], detail["TaxCodeRef"]) == (10.0, {"value": "5"})
    assert body["GlobalTaxCalculation"] == "TaxExcluded"
    untaxed = posting(lines=(PostingLine("7", Decimal("10")),))
    with pytest.raises(ValidationConnectorError) as refused:
        record(untaxed, UK)
    assert refused.value.field == "taxRateRef"


@pytest.mark.parametrize("type_", ["Refund", "Chargeback", "Reward"])
def test_money_back_is_a_card_credit_or_a_bank_deposit(type_: str) -> None:
    card = record(posting(type_), US)
    assert entity_of(posting(type_), US) == "Purchase" and card["Credit"] is True
    bank = posting(type_, counter_account="35", contact="9", contact_kind="customer")
    assert entity_of(bank, US) == "Deposit"
    deposit = record(bank, US)
    assert deposit["DepositToAccountRef"] == {"value": "35"}
    detail = deposit["Line"][0]["DepositLineDetail"]
    assert detail["AccountRef"] == {"value": "7"}
    assert detail["Entity"] == {"value": "9", "type": "Customer"}


def test_a_reimbursable_is_a_bill_to_the_employees_vendor_record() -> None:
    bill = posting(
        "ReimbursableExpense", "reimbursable", contact="77", due_date=dt.date(2026, 12, 1)
    )
    body = record(bill, US)
    assert entity_of(bill, US) == "Bill"
    assert body["VendorRef"] == {"value": "77"} and body["DueDate"] == "2026-12-01"
    with pytest.raises(ValidationConnectorError) as refused:
        record(posting("ReimbursableExpense", "reimbursable"), US)
    assert refused.value.field == "contactRef"


def test_a_transfer_and_an_adjustment() -> None:
    move = posting(
        "Transfer",
        "transfer",
        lines=(PostingLine("35", Decimal("-50")), PostingLine("36", Decimal("50"))),
    )
    body = record(move, US)
    assert (body["FromAccountRef"], body["ToAccountRef"], body["Amount"]) == (
        {"value": "35"},
        {"value": "36"},
        50.0,
    )
    adjust = posting(
        "Adjustment",
        "adjustment",
        lines=(
            PostingLine("7", Decimal("5"), tracking=(("trackingCategories", "department_2"),)),
            PostingLine("90", Decimal("-5"), tracking=(("trackingCategories", "department_2"),)),
        ),
    )
    journal = record(adjust, US)
    assert [line["JournalEntryLineDetail"]["PostingType"] for line in journal["Line"]] == [
        "Debit",
        "Credit",
    ]
    assert journal["Line"][1]["Amount"] == 5.0
    assert journal["Line"][0]["JournalEntryLineDetail"]["DepartmentRef"] == {"value": "2"}
    assert "DepartmentRef" not in journal


def test_locations_are_one_per_transaction_and_classes_one_per_line() -> None:
    tracked = (("trackingCategories", "department_4"), ("trackingCategories", "class_3"))
    body = record(posting(lines=(PostingLine("7", Decimal("1"), tracking=tracked),)), US)
    assert body["DepartmentRef"] == {"value": "4"}
    two_places = (
        PostingLine("7", Decimal("1"), tracking=(("trackingCategories", "department_4"),)),
        PostingLine("7", Decimal("1"), tracking=(("trackingCategories", "department_5"),)),
    )
    with pytest.raises(ValidationConnectorError) as refused:
        record(posting(lines=two_places), US)
    assert refused.value.field == "trackingRefs"
    root = (("trackingCategories", "class"),)  # the tree itself, not one of its classes
    with pytest.raises(ValidationConnectorError):
        record(posting(lines=(PostingLine("7", Decimal("1"), tracking=root),)), US)


def test_foreign_currency_needs_multi_currency_and_carries_the_rate() -> None:
    euros = posting(
        currency="EUR",
        currency_rate=Decimal("0.85"),
        lines=(PostingLine("7", Decimal("1"), tax_rate="5"),),
    )
    body = record(euros, UK)
    assert (body["CurrencyRef"], body["ExchangeRate"]) == ({"value": "EUR"}, 0.85)
    with pytest.raises(ValidationConnectorError) as refused:
        record(posting(currency="EUR", currency_rate=Decimal("1.1")), US)
    assert refused.value.field == "currency"
    assert "CurrencyRef" not in record(posting(currency="USD"), US)


def test_the_key_is_kept_in_doc_number_and_private_note() -> None:
    short = record(posting(key="exp-42"), US)
    assert short["DocNumber"] == "exp-42" and holds_key(short, "exp-42")
    long_key = "3f1c2b8e-9a7d-4c55-8b11-0e6f1d2a9c77"
    body = record(posting(key=long_key), US, revision=3)
    assert len(body["DocNumber"]) == 21 and body["DocNumber"] == doc_number(long_key)
    assert "(revision 3)" in body["PrivateNote"] and holds_key(body, long_key)
    assert not holds_key(body, long_key[:-1] + "8")
    assert not holds_key({**body, "PrivateNote": "typed by a bookkeeper"}, long_key)


def test_intuit_faults_are_read_into_words_and_a_field() -> None:
    fault = {
        "Fault": {
            "Error": [
                {
                    "Message": "Invalid Reference Id",
                    "Detail": "Invalid Reference Id : Accounts element id 999 not found",
                    "code": "2500",
                    "element": "AccountRef",
                }
            ],
            "type": "ValidationFault",
        }
    }
    message, field = read_problem(httpx.Response(400, json=fault))
    assert "Accounts element id 999 not found" in message and "2500" in message
    assert field == "accountRef"
    gateway = {"fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}]}}
    assert read_problem(httpx.Response(401, json=gateway))[0] == "AuthenticationFailed (code 3200)"
    assert read_problem(httpx.Response(502, text="Bad gateway"))[0] == "Bad gateway"


def test_query_literals_are_quoted() -> None:
    assert any_of("DocNumber", ["a", "it's"]) == "DocNumber IN ('a', 'it\\'s')"
