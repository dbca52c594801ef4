"""A 422 on a Codat operation that does not declare it answers with one it does."""

from __future__ import annotations

import json

import pytest

from expense_sync.api.codat_statuses import DECLARED, codat_status
from tests.integration.test_schemathesis import codat_reference

SPECS = (
    "sync-for-expenses.openapi.json",
    "sync-for-expenses-v1.openapi.json",
    "platform.openapi.json",
)


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("GET /companies/{companyId}/data/info", 409),  # "dataset not requested"
        ("POST /companies/{companyId}/data/all", 400),
        ("GET /companies/{companyId}/sync/expenses/mappingOptions", 404),
        ("PUT /companies/{companyId}/sync/expenses/expense-transactions/{transactionId}", 422),
        ("POST /companies/{companyId}/sync/expenses/syncs", 422),  # v1 initiate-sync
        ("GET /webhooks/{webhookId}/deliveries", 422),  # our extension: as we document it
    ],
)
def test_unprocessable_answers_with_a_declared_status(operation: str, expected: int) -> None:
    assert codat_status(operation, 422) == expected


def test_other_statuses_are_left_alone() -> None:
    assert codat_status("GET /companies/{companyId}/sync/expenses/mappingOptions", 400) == 400
    assert codat_status("GET /companies/{companyId}", 404) == 404


def test_the_table_is_what_codats_documents_declare() -> None:
    every = {401, 402, 403, 429, 500, 503}  # declared by every operation, left out
    found: dict[str, set[int]] = {}
    for name in SPECS:
        document = json.loads((codat_reference() / name).read_text())
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                label = f"{method.upper()} {path}"
                if label in DECLARED:
                    codes = {int(code) for code in operation["responses"] if code.isdigit()}
                    found[label] = found.get(label, set()) | (codes - every)
    assert found == DECLARED
    assert len(DECLARED) == 59  # 48 of Sync for Expenses, 2 of v1, 9 of the Platform API
