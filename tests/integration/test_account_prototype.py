"""Codat's account prototype pushed to a real Beancount ledger (its loader checks every
write), and the create models that list where an account can go."""

from __future__ import annotations

from typing import Any

import pytest
from beancount.core import data
from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.integration.test_ledger_data import Books, _ledger_entries

# Codat's own fields, as Codat's create-account documentation shows them.
PROTOTYPE = {
    "name": "Flights",
    "nominalCode": "6051",
    "type": "Expense",
    "currency": "EUR",
    "status": "Active",
    "fullyQualifiedCategory": "Expense.Travel",
    "description": "Air fares",
}


def _opened(books: Books) -> dict[str, data.Open]:
    return {e.account: e for e in _ledger_entries(books.ledger) if isinstance(e, data.Open)}


def test_the_category_places_the_account_and_the_name_is_derived(books: Books) -> None:
    pushed = books.push("/push/accounts", PROTOTYPE)
    assert pushed["status"] == "Success", pushed
    stored = pushed["data"]
    assert stored["id"] == stored["fullyQualifiedName"] == "Expenses:Travel:Flights"
    assert stored["fullyQualifiedCategory"] == "Expense.Travel"
    assert (stored["name"], stored["nominalCode"], stored["currency"]) == ("Flights", "6051", "EUR")
    assert stored["description"] == "Air fares" and stored["type"] == "Expense"
    opened = _opened(books)["Expenses:Travel:Flights"]
    assert opened.currencies == ["EUR"] and opened.meta["nominal-code"] == "6051"
    assert pushed["validation"] is None  # every field sent was stored

    books.refresh("chartOfAccounts")
    listed = {a["id"]: a for a in books.get("/sync/expenses/mappingOptions")["accounts"]}
    assert listed["Expenses:Travel:Flights"]["fullyQualifiedCategory"] == "Expense.Travel"


def test_the_type_comes_from_the_category_and_the_currency_from_the_ledger(books: Books) -> None:
    body = {"name": "Rail travel", "fullyQualifiedCategory": "Liability.Travel"}
    pushed = books.push("/push/accounts", body)
    assert pushed["status"] == "Success", pushed
    assert pushed["data"]["id"] == "Liabilities:Travel:RailTravel"
    assert pushed["data"]["type"] == "Liability" and pushed["data"]["currency"] == "USD"
    dotted = books.push(
        "/push/accounts",
        {
            "fullyQualifiedName": "Expense.Travel.Taxis",
            "currency": "USD",
            "fullyQualifiedCategory": "Expense.Travel",
        },
    )
    assert dotted["status"] == "Success", dotted
    assert "Expenses:Travel:Taxis" in _opened(books)


def test_fields_the_ledger_cannot_store_come_back_as_warnings(books: Books) -> None:
    pushed = books.push(
        "/push/accounts", PROTOTYPE | {"currentBalance": 120.5, "isBankAccount": False}
    )
    assert pushed["status"] == "Success", pushed
    warnings = pushed["validation"]["warnings"]
    assert [w["itemId"] for w in warnings] == ["currentBalance"]
    assert "Beancount cannot store currentBalance" in warnings[0]["message"]
    assert "currentBalance" not in pushed["data"]


@pytest.mark.parametrize(
    ("body", "item", "words"),
    [
        (PROTOTYPE | {"type": "Income"}, "fullyQualifiedCategory", "not of type Income"),
        (PROTOTYPE | {"fullyQualifiedCategory": "Expense.travel"}, "fullyQualifiedCategory",
         "Expense.Travel"),
        (PROTOTYPE | {"fullyQualifiedCategory": "Cost.Travel"}, "fullyQualifiedCategory",
         "account type"),
        ({"name": "Flights", "currency": "EUR"}, "fullyQualifiedCategory", "required"),
        (PROTOTYPE | {"status": "Archived"}, "status", "Active"),
        (PROTOTYPE | {"colour": "red"}, "colour", "not a field of Codat's chartOfAccounts"),
    ],
)  # fmt: skip
def test_a_bad_prototype_is_a_400_naming_the_field_and_writes_nothing(
    books: Books, body: dict[str, Any], item: str, words: str
) -> None:
    before = books.ledger.read_bytes()
    response = books.api.post(f"{books.connection}/push/accounts", json=body, headers=books.headers)
    assert response.status_code == 400, response.text
    errors = response.json()["validation"]["errors"]
    assert [e["itemId"] for e in errors] == [item]
    assert words in errors[0]["message"]
    assert books.get("/push")["totalResults"] == 0
    assert books.ledger.read_bytes() == before


def test_a_name_outside_its_category_fails_by_name_and_writes_nothing(books: Books) -> None:
    before = books.ledger.read_bytes()
    pushed = books.push(
        "/push/accounts", PROTOTYPE | {"fullyQualifiedName": "Expenses:Meals:Flights"}
    )
    assert pushed["status"] == "Failed" and pushed["statusCode"] == 400
    assert pushed["validation"]["errors"][0]["itemId"] == "fullyQualifiedCategory"
    assert books.ledger.read_bytes() == before


def test_the_create_models_list_the_ledgers_categories(api: TestClient, tenant: Tenant) -> None:
    books = Books(api, tenant)  # linked, not yet read

    def model(data_type: str) -> Any:
        response = books.api.get(f"{books.connection}/options/{data_type}", headers=books.headers)
        assert response.status_code == 200, response.text
        return response.json()

    unread = model("chartOfAccounts")["properties"]["fullyQualifiedCategory"]
    assert [o["value"] for o in unread["options"]] == [
        "Asset", "Equity", "Expense", "Income", "Liability",
    ]  # fmt: skip
    books.refresh("chartOfAccounts")
    category = model("chartOfAccounts")["properties"]["fullyQualifiedCategory"]
    values = [o["value"] for o in category["options"]]
    assert {"Expense.Travel", "Asset.Bank", "Liability.CreditCard", "Expense"} <= set(values)
    assert "Expense.Travel" in values and "Expenses:Travel" not in values
    assert category["options"][0] == {
        "value": values[0], "type": "String", "displayName": values[0], "required": False,
    }  # fmt: skip
    assert category["validation"]["information"][0]["field"] == "fullyQualifiedCategory"
    assert model("chartOfAccounts")["properties"]["type"]["required"] is False
    bank = model("bankAccounts")["properties"]
    assert [o["value"] for o in bank["accountType"]["options"]] == ["Debit", "Credit"]
    placement = bank["accountType"]["validation"]["information"][0]["details"]
    assert "Liabilities:CreditCard:" in placement


def test_every_codat_push_shape_is_known(books: Books) -> None:
    """Codat's own fields of each push schema are never "not a field": stored, or named in
    a warning."""
    supplier = books.push(
        "/push/suppliers",
        {"supplierName": "Acme Air", "status": "Active", "supplementalData": {"content": {"x": 1}},
         "metadata": {"isDeleted": False}, "id": None},
    )  # fmt: skip
    assert supplier["status"] == "Success", supplier
    assert [w["itemId"] for w in supplier["validation"]["warnings"]] == ["supplementalData"]
    customer = books.push(
        "/push/customers",
        {"customerName": "Client", "contacts": [{"name": "Ada", "status": "Active"}]},
    )
    assert [w["itemId"] for w in customer["validation"]["warnings"]] == ["contacts"]
    bank = books.push(
        "/push/bankAccounts",
        {"accountName": "Amex Gold", "accountType": "Credit", "currency": "USD",
         "overdraftLimit": 5000, "balance": 0, "status": "Active"},
    )  # fmt: skip
    assert bank["status"] == "Success", bank
    assert [w["itemId"] for w in bank["validation"]["warnings"]] == ["overdraftLimit"]
