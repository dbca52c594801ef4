"""Tax per region (US automated sales tax, UK VAT) and multi-currency only when enabled."""

from __future__ import annotations

import httpx

from sandboxes.quickbooks import RunningSandbox
from tests.sandboxes.quickbooks.oauth import Linked
from tests.sandboxes.quickbooks.payloads import EURO, expense_line, purchase, ref, uk_purchase


def test_a_us_purchase_takes_no_sales_tax_code(api: httpx.Client) -> None:
    taxed = api.post("/purchase", json=purchase(expense_line(10, TaxCodeRef=ref("TAX"))))
    assert taxed.status_code == 400
    error = taxed.json()["Fault"]["Error"][0]
    assert error["code"] == "6000"
    assert error["element"] == "Line[0].TaxCodeRef"
    assert "automated sales tax" in error["Detail"]
    untaxed = api.post("/purchase", json=purchase(expense_line(10, TaxCodeRef=ref("NON"))))
    assert untaxed.status_code == 200
    assert untaxed.json()["Purchase"]["TotalAmt"] == 10
    assert "TxnTaxDetail" not in untaxed.json()["Purchase"]


def test_a_uk_purchase_needs_a_vat_code_on_every_line(uk_api: httpx.Client) -> None:
    missing = uk_api.post("/purchase", json=purchase(expense_line(10)))
    error = missing.json()["Fault"]["Error"][0]
    assert (error["code"], error["element"]) == ("6000", "Line[0].TaxCodeRef")
    assert "VAT rate" in error["Detail"]
    unknown = uk_api.post("/purchase", json=uk_purchase(expense_line(10, TaxCodeRef=ref("99"))))
    assert unknown.json()["Fault"]["Error"][0]["code"] == "2500"


def test_uk_vat_is_computed_exclusive_and_inclusive(uk_api: httpx.Client) -> None:
    exclusive = uk_api.post("/purchase", json=uk_purchase()).json()["Purchase"]
    assert exclusive["TxnTaxDetail"]["TotalTax"] == 20
    assert exclusive["TotalAmt"] == 120
    inclusive = uk_api.post(
        "/purchase",
        json=uk_purchase(
            expense_line(120, TaxCodeRef=ref("1")), GlobalTaxCalculation="TaxInclusive"
        ),
    ).json()["Purchase"]
    assert inclusive["TxnTaxDetail"]["TotalTax"] == 20
    assert inclusive["TotalAmt"] == 120
    zero = uk_api.post("/purchase", json=uk_purchase(expense_line(50, TaxCodeRef=ref("2"))))
    assert zero.json()["Purchase"]["TotalAmt"] == 50


def test_a_bill_to_the_employee_vendor_in_the_uk(uk_api: httpx.Client) -> None:
    bill = {
        "VendorRef": ref("4"),
        "TxnDate": "2026-11-30",
        "Line": [expense_line(30, TaxCodeRef=ref("3"))],
    }
    answer = uk_api.post("/bill", json=bill)
    assert answer.status_code == 200, answer.text
    assert answer.json()["Bill"]["Balance"] == 30


def test_a_foreign_currency_needs_multicurrency(api: httpx.Client) -> None:
    answer = api.post("/purchase", json=purchase(CurrencyRef=ref("EUR")))
    error = answer.json()["Fault"]["Error"][0]
    assert (error["code"], error["element"]) == ("6000", "CurrencyRef")
    assert "Multicurrency is not enabled" in error["Detail"]


def test_a_uk_euro_purchase_from_the_euro_account_with_its_rate(uk_api: httpx.Client) -> None:
    body = uk_purchase(
        PaymentType="Cash", AccountRef=ref(EURO), CurrencyRef=ref("EUR"), ExchangeRate=0.85
    )
    answer = uk_api.post("/purchase", json=body)
    assert answer.status_code == 200, answer.text
    stored = answer.json()["Purchase"]
    assert stored["CurrencyRef"] == {"value": "EUR"}
    assert stored["ExchangeRate"] == 0.85
    assert stored["TotalAmt"] == 120
    del body["ExchangeRate"]
    defaulted = uk_api.post("/purchase", json=body).json()["Purchase"]
    assert defaulted["ExchangeRate"] == 0.86  # the company's rate for EUR


def test_a_euro_deposit_has_its_home_currency_total(uk_api: httpx.Client) -> None:
    deposit = {
        "DepositToAccountRef": ref(EURO),
        "CurrencyRef": ref("EUR"),
        "ExchangeRate": 0.85,
        "Line": [
            {
                "Amount": 100,
                "DetailType": "DepositLineDetail",
                "DepositLineDetail": {"AccountRef": ref("10"), "TaxCodeRef": ref("2")},
            }
        ],
    }
    answer = uk_api.post("/deposit", json=deposit)
    assert answer.status_code == 200, answer.text
    assert answer.json()["Deposit"]["TotalAmt"] == 100
    assert answer.json()["Deposit"]["HomeTotalAmt"] == 85


def test_the_payment_account_currency_must_match(uk_api: httpx.Client) -> None:
    answer = uk_api.post("/purchase", json=uk_purchase(CurrencyRef=ref("EUR")))
    error = answer.json()["Fault"]["Error"][0]
    assert error["element"] == "AccountRef"
    assert "must match the currency of account" in error["Detail"]


def test_a_currency_not_in_the_list_is_refused(uk_api: httpx.Client) -> None:
    answer = uk_api.post("/purchase", json=uk_purchase(CurrencyRef=ref("JPY")))
    assert "currency list" in answer.json()["Fault"]["Error"][0]["Detail"]


def test_multicurrency_turned_off_refuses_foreign_currency(
    uk_api: httpx.Client, qbo: RunningSandbox, uk: Linked
) -> None:
    qbo.control("PUT", f"companies/{uk.realm_id}/preferences", {"MultiCurrencyEnabled": False})
    prefs = uk_api.get("/preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
    body = uk_purchase(PaymentType="Cash", AccountRef=ref(EURO), CurrencyRef=ref("EUR"))
    error = uk_api.post("/purchase", json=body).json()["Fault"]["Error"][0]
    assert "Multicurrency is not enabled" in error["Detail"]
    home = uk_api.post("/purchase", json=uk_purchase())
    assert home.status_code == 200
    assert "ExchangeRate" not in home.json()["Purchase"]


def test_multicurrency_turned_on_through_preferences_stays_on(api: httpx.Client) -> None:
    on = {
        "Id": "1",
        "SyncToken": "0",
        "sparse": True,
        "CurrencyPrefs": {"MultiCurrencyEnabled": True},
    }
    answer = api.post("/preferences", json=on)
    assert answer.status_code == 200, answer.text
    prefs = answer.json()["Preferences"]["CurrencyPrefs"]
    assert prefs == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
    euro = {"Name": "Euro Card", "AccountType": "Credit Card", "CurrencyRef": ref("EUR")}
    account = api.post("/account", json=euro).json()["Account"]
    spent = api.post(
        "/purchase", json=purchase(AccountRef=ref(account["Id"]), CurrencyRef=ref("EUR"))
    )
    assert spent.status_code == 200, spent.text
    assert spent.json()["Purchase"]["ExchangeRate"] == 1.08
    off = {**on, "SyncToken": "1", "CurrencyPrefs": {"MultiCurrencyEnabled": False}}
    refused = api.post("/preferences", json=off).json()["Fault"]["Error"][0]
    assert "cannot be turned off" in refused["Detail"]
