"""The company configuration is checked against the books (the connection's cache).

A default bank account, supplier or customer the books do not hold is refused with a 400
naming the field and the id, and nothing stored changes; a default that cannot be
checked yet (no linked books, or their data never read) is refused with the way out.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from expense_sync.connectors.beancount.directives import custom
from tests.conftest import Tenant
from tests.integration.test_ledger_data import Books

CARD = "Liabilities:CreditCard:Corporate"
CONFIG = "/sync/expenses/config"


def _set(books: Books, body: dict[str, Any]) -> Any:
    return books.api.post(f"{books.company}{CONFIG}", json=body, headers=books.headers)


def _config(bank: str | None, supplier: str | None = None, customer: str | None = None) -> Any:
    return {"bankAccount": {"id": bank}, "supplier": {"id": supplier}, "customer": {"id": customer}}


def _errors(response: Any) -> dict[str, str]:
    body = response.json()
    return {e["itemId"]: e["message"] for e in body["validation"]["errors"]}


def test_unknown_supplier_and_customer_are_refused_even_when_the_books_have_none(
    api: TestClient, tenant: Tenant
) -> None:
    """A fresh ledger has no suppliers or customers: a read that found none is still a
    read, so any id there is unknown (it used to be let through, and every sync failed)."""
    books = Books(api, tenant)
    books.refresh()
    assert _set(books, _config(CARD)).status_code == 200
    before = books.get(CONFIG)

    refused = _set(books, _config(CARD, supplier="SUP-404", customer="CUS-404"))

    assert refused.status_code == 400, refused.text
    errors = _errors(refused)
    assert "'SUP-404'" in errors["supplier.id"] and "suppliers" in errors["supplier.id"]
    assert "'CUS-404'" in errors["customer.id"] and "customers" in errors["customer.id"]
    assert refused.json()["statusCode"] == 400 and refused.json()["canBeRetried"] == "False"
    assert books.get(CONFIG) == before


def test_unknown_bank_account_is_refused_and_nothing_changes(
    api: TestClient, tenant: Tenant
) -> None:
    books = Books(api, tenant)
    books.refresh()
    assert _set(books, _config(CARD)).status_code == 200

    for wrong in ("Liabilities:CreditCard:Nope", "Expenses:Travel"):  # unknown; not a bank
        refused = _set(books, _config(wrong))
        assert refused.status_code == 400, refused.text
        message = _errors(refused)["bankAccount.id"]
        assert repr(wrong) in message and "isBankAccount" in message
    assert books.get(CONFIG)["bankAccount"] == {"id": CARD}


def test_known_contacts_are_accepted_once_read(api: TestClient, tenant: Tenant) -> None:
    books = Books(api, tenant)
    books.ledger.write_text(
        books.ledger.read_text()
        + custom("2020-01-01", "supplier", "SUP-1", {"name": "Airline"})
        + "\n"
        + custom("2020-01-01", "customer", "CUS-1", {"name": "Client"})
        + "\n"
    )
    books.refresh()
    saved = _set(books, _config(CARD, supplier="SUP-1", customer="CUS-1"))
    assert saved.status_code == 200, saved.text
    assert books.get(CONFIG) == {
        "bankAccount": {"id": CARD},
        "supplier": {"id": "SUP-1"},
        "customer": {"id": "CUS-1"},
    }


def test_defaults_before_the_books_are_read_are_refused_with_the_way_out(
    api: TestClient, tenant: Tenant
) -> None:
    books = Books(api, tenant)  # linked, never refreshed
    refused = _set(books, _config(CARD))
    assert refused.status_code == 400, refused.text
    message = _errors(refused)["bankAccount.id"]
    assert "chartOfAccounts" in message and "/data/all" in message
    assert books.get(CONFIG) == {"bankAccount": {}, "supplier": {}, "customer": {}}

    books.refresh("chartOfAccounts")  # the accounts alone: a bank account can be checked
    assert _set(books, _config(CARD)).status_code == 200
    refused = _set(books, _config(CARD, supplier="SUP-1"))
    assert refused.status_code == 400
    assert "suppliers" in _errors(refused)["supplier.id"]
    assert books.get(CONFIG)["supplier"] == {}


def test_clearing_defaults_needs_no_books(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "No books"}, headers=tenant.headers).json()
    path = f"/companies/{company['id']}{CONFIG}"
    assert api.post(path, json=_config(None), headers=tenant.headers).status_code == 200
    refused = api.post(path, json=_config(CARD), headers=tenant.headers)
    assert refused.status_code == 400
    message = _errors(refused)["bankAccount.id"]
    assert "accounting connection" in message and "link" in message.lower()
    assert api.get(path, headers=tenant.headers).json()["bankAccount"] == {}
