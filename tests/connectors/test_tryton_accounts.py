"""Codat's account prototype on a real trytond: ``fullyQualifiedCategory`` places the
account under a section of the chart, ``fullyQualifiedName`` is derived, and a category
or currency the chart cannot take is refused by name with nothing written."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from expense_sync.connectors.base import LinkContext, LinkedBooks, ValidationConnectorError
from expense_sync.connectors.tryton import TrytonConnector
from expense_sync.connectors.tryton.client import TrytonClient
from expense_sync.connectors.tryton.connector import PUSH_MODELS
from expense_sync.connectors.tryton.session import TrytonSession, _account_shape, chart_categories
from tests.tryton_server import TrytonServer


@pytest.fixture
def books(tryton: TrytonServer, tmp_path: Path) -> TrytonSession:
    connector = TrytonConnector()
    context = LinkContext(uuid.uuid4(), uuid.uuid4(), tmp_path, tmp_path, "Tryton Co")
    linked = connector.authorize(context, tryton.fields)
    return connector.open(LinkedBooks(linked.connection_info, linked.secrets, tmp_path))


def test_the_category_places_the_account_in_the_chart(
    books: TrytonSession, tryton: TrytonServer
) -> None:
    accounts = books.read("chartOfAccounts")
    categories = chart_categories(accounts)
    assert {"Asset", "Expense", "Income", "Liability", "Equity"} <= set(categories)
    sections = [c for c in categories if c.startswith("Expense.")]
    assert sections, categories  # the chart's expense accounts sit in named sections
    category = sections[0]
    # What GET .../options/chartOfAccounts lists: the same categories, from the cache.
    option = PUSH_MODELS["chartOfAccounts"].as_push_option({"chartOfAccounts": accounts})
    listed = [o["value"] for o in option["properties"]["fullyQualifiedCategory"]["options"]]
    assert listed == categories

    prototype = {"name": "Team travel", "nominalCode": "6150", "currency": "USD",
                 "status": "Active", "fullyQualifiedCategory": category}  # fmt: skip
    assert PUSH_MODELS["chartOfAccounts"].problems(prototype) == []
    (stored,) = books.create("chartOfAccounts", [prototype])
    assert stored["fullyQualifiedCategory"] == category
    assert stored["fullyQualifiedName"] == f"{category}.Team travel"
    assert (stored["type"], stored["nominalCode"]) == ("Expense", "6150")
    rpc = TrytonClient(tryton.url, tryton.database, "admin", "admin")
    (row,) = rpc.call("account.account", "read", [int(stored["id"])], ["parent.name"])
    assert row["parent."]["name"] == category.rsplit(".", 1)[1]

    count = len(books.read("chartOfAccounts"))
    for bad, field in (
        ({"fullyQualifiedCategory": "Expense.Nowhere"}, "fullyQualifiedCategory"),
        ({"currency": "EUR"}, "currency"),
    ):
        with pytest.raises(ValidationConnectorError) as caught:
            books.create("chartOfAccounts", [prototype | {"name": "Other"} | bad])
        assert caught.value.field == field
    assert len(books.read("chartOfAccounts")) == count


def test_the_name_and_category_come_from_a_fully_qualified_name() -> None:
    """No server needed: how a pushed account's fields are read before the write."""
    sections = {"Expense.Expense"}

    def shape(record: dict[str, str]) -> tuple[str, str, str | None, str]:
        return _account_shape("chartOfAccounts", record, sections)

    assert shape({"fullyQualifiedName": "Expense.Expense.Taxis"}) == (
        "Expense",
        "Taxis",
        None,
        "Expense.Expense",
    )
    bare = shape({"name": "Taxis", "fullyQualifiedCategory": "Expense"})
    assert bare == ("Expense", "Taxis", None, "")  # the type's top section
    with pytest.raises(ValidationConnectorError) as caught:
        shape({"fullyQualifiedName": "Expense.Expense.Taxis", "type": "Income"})
    assert caught.value.field == "fullyQualifiedName"
