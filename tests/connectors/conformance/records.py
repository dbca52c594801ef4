"""Conformance of reads and record writes: every declared data type reads with stable
ids, every writable one creates (once per key), updates and refuses bad input by field."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from expense_sync.connectors.base import (
    ConnectorError,
    LedgerSession,
    RetriableConnectorError,
    ValidationConnectorError,
)

# A valid record per writable data type; `unique` makes names distinct per call.
SAMPLES: dict[str, Any] = {
    "chartOfAccounts": lambda unique: {
        "fullyQualifiedName": f"Expenses:Conformance:A{unique}",
        "name": f"Conformance {unique}",
        "nominalCode": f"9{unique[:3]}",
        "type": "Expense",
        "currency": "USD",
    },
    "bankAccounts": lambda unique: {
        "accountName": f"Card {unique}", "accountType": "Credit", "currency": "USD",
    },
    "suppliers": lambda unique: {
        "supplierName": f"Supplier {unique}", "emailAddress": f"s{unique}@example.test",
    },
    "customers": lambda unique: {"customerName": f"Customer {unique}"},
}  # fmt: skip
NAME_FIELD = {
    "chartOfAccounts": "name",
    "bankAccounts": "accountName",
    "suppliers": "supplierName",
    "customers": "customerName",
}


def unique() -> str:
    return uuid.uuid4().hex[:8].upper()


class RecordChecks:
    """Reads, creates and updates of records (see the package's text for the fixtures)."""

    def test_reads_every_declared_data_type(self, connector: Any, books: LedgerSession) -> None:
        books.check()
        for data_type in connector.manifest.reads:
            records = books.read(data_type)
            assert isinstance(records, list), data_type
            for record in records:
                assert isinstance(record.get("id"), str) and record["id"], (data_type, record)
            ids = [r["id"] for r in records]
            assert len(ids) == len(set(ids)), f"duplicate ids in {data_type}"

    def test_ids_are_stable_across_reads(self, connector: Any, books: LedgerSession) -> None:
        for data_type in connector.manifest.reads:
            first = [r["id"] for r in books.read(data_type)]
            assert [r["id"] for r in books.read(data_type)] == first, data_type

    def test_every_writable_type_has_a_push_model(self, connector: Any) -> None:
        assert set(connector.push_models) == set(connector.manifest.writes)
        for model in connector.push_models.values():
            option = model.as_push_option()
            assert option["type"] == "Object" and option["properties"]

    @pytest.mark.parametrize("data_type", list(SAMPLES))
    def test_create_then_read_back(
        self, connector: Any, books: LedgerSession, data_type: str
    ) -> None:
        if data_type not in connector.manifest.writes:
            pytest.skip(f"{connector.manifest.key} does not write {data_type}")
        record = SAMPLES[data_type](unique())
        assert connector.push_models[data_type].problems(record) == []
        created = books.create(data_type, [record])
        assert len(created) == 1
        stored = {r["id"]: r for r in books.read(data_type)}
        assert created[0]["id"] in stored
        name = NAME_FIELD[data_type]
        assert stored[created[0]["id"]][name] == record.get(name, record.get("name"))

    @pytest.mark.parametrize("data_type", ["suppliers", "customers"])
    def test_update_then_read_back(
        self, connector: Any, books: LedgerSession, data_type: str
    ) -> None:
        sample = {**SAMPLES[data_type](unique()), "emailAddress": "old@example.test"}
        created = books.create(data_type, [{**sample, "phone": "+44 20 0000 0000"}])[0]
        renamed = {NAME_FIELD[data_type]: f"Renamed {unique()}", "status": "Archived",
                   "emailAddress": "new@example.test"}  # fmt: skip
        returned = books.update(data_type, created["id"], renamed)
        stored = {r["id"]: r for r in books.read(data_type)}[created["id"]]
        assert returned == stored
        assert stored[NAME_FIELD[data_type]] == renamed[NAME_FIELD[data_type]]
        assert stored["status"] == "Archived"
        # An update replaces the record: the email sent is kept, the phone left out is gone.
        assert (stored["emailAddress"], stored["phone"]) == ("new@example.test", None)

    @pytest.mark.parametrize("data_type", list(SAMPLES))
    def test_writes_with_the_same_key_land_once(
        self, connector: Any, books: LedgerSession, data_type: str
    ) -> None:
        record = SAMPLES[data_type](unique())
        key = str(uuid.uuid4())
        first = books.create(data_type, [record], key=key)
        before = len(books.read(data_type))
        again = books.create(data_type, [record], key=key)
        assert [r["id"] for r in again] == [r["id"] for r in first]
        assert len(books.read(data_type)) == before

    def test_a_batch_is_all_or_nothing(self, connector: Any, books: LedgerSession) -> None:
        good = SAMPLES["chartOfAccounts"](unique())
        before = [r["id"] for r in books.read("chartOfAccounts")]
        with pytest.raises(ValidationConnectorError):
            books.create("chartOfAccounts", [good, dict(good)])  # the second is a duplicate
        assert [r["id"] for r in books.read("chartOfAccounts")] == before

    def test_refused_input_is_classified_with_its_field(
        self, connector: Any, books: LedgerSession
    ) -> None:
        taken = SAMPLES["chartOfAccounts"](unique())
        books.create("chartOfAccounts", [taken])
        with pytest.raises(ConnectorError) as caught:
            books.create("chartOfAccounts", [taken])  # the same account again
        assert isinstance(caught.value, ValidationConnectorError)
        assert not isinstance(caught.value, RetriableConnectorError)
        assert caught.value.field and caught.value.message

    def test_update_of_a_missing_record_is_a_validation_error(self, books: LedgerSession) -> None:
        with pytest.raises(ValidationConnectorError):
            books.update("suppliers", "NO-SUCH-ID", {"supplierName": "Ghost"})

    def test_manifest_limits_are_sane(self, connector: Any) -> None:
        manifest = connector.manifest
        assert manifest.batch_size >= 1 and manifest.rate_limit.requests >= 1
        assert manifest.attachments is None or manifest.attachments.max_bytes > 0
        assert set(manifest.writes) <= set(manifest.reads)
