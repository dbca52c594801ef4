"""Suppliers and customers in Tryton beyond the conformance suite: addresses, the
contact's name, the tax number, and the fields a party cannot store; against a real
trytond."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

import pytest

from expense_sync.connectors.base import ValidationConnectorError
from expense_sync.connectors.tryton.connector import PUSH_MODELS
from expense_sync.connectors.tryton.session import TrytonSession
from tests.tryton_server import TrytonServer, linked_session


@pytest.fixture
def books(tryton: TrytonServer, tmp_path: Path) -> TrytonSession:
    """Books whose server lists two countries and a region, as one that has loaded
    countries (``trytond_import_countries``) does."""
    session = linked_session(tryton, tmp_path)
    call = session.client.call
    countries = [{"name": "United Kingdom", "code": "GB"}, {"name": "United States", "code": "US"}]
    gb, us = call("country.country", "create", countries)
    call("country.subdivision", "create",
         [{"country": us, "name": "California", "code": "US-CA", "type": "state"}])  # fmt: skip
    assert gb
    return session


def _supplier(**fields: Any) -> dict[str, Any]:
    return {"supplierName": f"Supplier {uuid.uuid4().hex[:6]}", "status": "Active", **fields}


ADDRESSES = [
    {"type": "Billing", "line1": "1 Market St", "line2": "Suite 200", "city": "San Francisco",
     "region": "CA", "country": "US", "postalCode": "94105"},
    {"type": "Unknown", "line1": "10 Downing St", "line2": None, "city": "London",
     "region": None, "country": "United Kingdom", "postalCode": "SW1A 2AA"},
]  # fmt: skip


def test_addresses_and_the_contact_name_are_written_and_read_back(books: TrytonSession) -> None:
    sent = _supplier(contactName="Ada Lovelace", emailAddress="ada@example.test",
                     phone="+1 555 0100", addresses=ADDRESSES)  # fmt: skip
    (stored,) = books.create("suppliers", [sent])
    assert stored["contactName"] == "Ada Lovelace"
    assert stored["addresses"] == [
        ADDRESSES[0] | {"region": "California"},  # the subdivision's name, found by code
        ADDRESSES[1] | {"country": "GB"},  # the country's ISO code, found by name
    ]
    listed = {s["id"]: s for s in books.read("suppliers")}
    assert listed[stored["id"]] == stored


def test_an_update_replaces_addresses_and_moves_the_contact_name(books: TrytonSession) -> None:
    (stored,) = books.create("suppliers", [_supplier(contactName="Ada", emailAddress="a@x.test",
                                                     addresses=ADDRESSES)])  # fmt: skip
    changed = _supplier(contactName="Grace", phone="+1 555 0199", addresses=ADDRESSES[1:])
    updated = books.update("suppliers", stored["id"], changed)
    assert updated["addresses"] == [ADDRESSES[1] | {"country": "GB"}]
    assert (updated["contactName"], updated["emailAddress"], updated["phone"]) == (
        "Grace", None, "+1 555 0199")  # fmt: skip
    # The address left out is archived (an invoice may point at it), not deleted.
    party = int(stored["id"])
    domain = [["party", "=", party], ["active", "=", False]]
    archived = books.client.call("party.address", "search", domain, 0, None, None)
    assert len(archived) == 1


@pytest.mark.parametrize(
    ("address", "field", "says"),
    [
        ({"type": "Billing", "country": "Atlantis"}, "addresses[0].country", "no country"),
        ({"type": "Billing", "country": "US", "region": "Narnia"}, "addresses[0].region",
         "no region 'Narnia'"),
        ({"type": "Billing", "region": "CA"}, "addresses[0].country", "needs the address's"),
        ({"type": "Delivery", "country": "GB"}, "addresses[0].type", "no delivery addresses"),
    ],
)  # fmt: skip
def test_an_address_the_books_cannot_hold_names_its_field_and_writes_nothing(
    books: TrytonSession, address: dict[str, Any], field: str, says: str
) -> None:
    before = len(books.read("suppliers"))
    with pytest.raises(ValidationConnectorError, match=says) as caught:
        books.create("suppliers", [_supplier(addresses=[address])])
    assert caught.value.field == field
    assert len(books.read("suppliers")) == before


def test_a_contact_name_needs_an_email_or_phone(books: TrytonSession) -> None:
    with pytest.raises(ValidationConnectorError) as caught:
        books.create("suppliers", [_supplier(contactName="Ada")])
    assert caught.value.field == "contactName"


def test_the_tax_number_is_read_from_the_party_tax_identifier(books: TrytonSession) -> None:
    (stored,) = books.create("suppliers", [_supplier()])
    assert stored["taxNumber"] is None
    identifier = {"party": int(stored["id"]), "type": "eu_vat", "code": "BE0428759497"}
    books.client.call("party.identifier", "create", [identifier])
    listed = {s["id"]: s for s in books.read("suppliers")}
    assert cast(str, listed[stored["id"]]["taxNumber"]).replace(" ", "") == "BE0428759497"


def test_the_push_model_warns_of_codat_fields_a_party_cannot_store() -> None:
    """taxNumber is a field of Codat's Supplier that a party cannot store: never "not a
    field", but a warning naming it, and left out of what is written."""
    model = PUSH_MODELS["suppliers"]
    record = {"supplierName": "A", "taxNumber": "BE0428759497", "registrationNumber": None}
    assert model.problems(record) == []
    assert [(p.item, p.message) for p in model.warnings(record)] == [
        ("taxNumber", "Tryton cannot store taxNumber; the record was written without it.")
    ]
    assert model.stored_part(record) == {"supplierName": "A"}
    assert [p.item for p in model.problems(record | {"colour": "red"})] == ["colour"]
    listed = model.as_push_option()["properties"]  # what options/suppliers shows
    assert "addresses" in listed and "contactName" in listed
    assert not {"taxNumber", "registrationNumber", "defaultCurrency"} & set(listed)
