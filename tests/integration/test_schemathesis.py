"""Property-based runs of the official Codat spec and of our own /openapi.json.

Every operation we have built is fuzzed with generated input (valid and invalid) and
must never answer 5xx, nor answer anything that breaks the schema it claims to follow.
Each case runs twice: with the generated ids, and with ids of real objects of the
caller's, so deeper code paths are reached too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from tests.conftest import Tenant, make_tenant

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "codat"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def fuzz_target(runtime: Runtime) -> Iterator[tuple[FastAPI, Tenant, dict[str, str]]]:
    app = create_app(runtime=runtime)
    tenant = make_tenant(runtime, "fuzz")
    with TestClient(app) as client:
        company = client.post("/companies", json={"name": "Fuzz"}, headers=tenant.headers).json()
        connection = client.post(
            f"/companies/{company['id']}/connections",
            json={"platformKey": "bean"},
            headers=tenant.headers,
        ).json()
    ids = {"companyId": company["id"], "connectionId": connection["id"], "platformKey": "bean"}
    yield app, tenant, ids


def _built_operation_ids(app: FastAPI) -> list[str]:
    return [
        operation["operationId"]
        for operations in app.openapi()["paths"].values()
        for operation in operations.values()
    ]


@pytest.fixture
def our_schema(fuzz_target: tuple[FastAPI, Tenant, dict[str, str]]) -> Any:
    app, _, _ = fuzz_target
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def codat_schema(fuzz_target: tuple[FastAPI, Tenant, dict[str, str]]) -> Any:
    app, _, _ = fuzz_target
    document = json.loads((REFERENCE / "sync-for-expenses.openapi.json").read_text())
    schema = schemathesis.openapi.from_dict(document)
    return schema.include(operation_id=_built_operation_ids(app))


def _exercise(case: Any, target: tuple[FastAPI, Tenant, dict[str, str]], checks: list[Any]) -> None:
    app, tenant, ids = target
    case.call_and_validate(app=app, headers=tenant.headers, checks=checks)
    if case.method.upper() == "DELETE" or not case.path_parameters:
        return
    case.path_parameters = {
        name: ids.get(name, value) for name, value in case.path_parameters.items()
    }
    case.call_and_validate(app=app, headers=tenant.headers, checks=checks)


def _fuzz_every_operation(
    schema: Any, target: tuple[FastAPI, Tenant, dict[str, str]], checks: list[Any]
) -> None:
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "no operation to fuzz"
    for operation in operations:

        @given(case=operation.as_strategy())
        @EXAMPLES
        def fuzz(case: Any) -> None:
            _exercise(case, target, checks)

        try:
            fuzz()
        except Exception as error:  # collect all, so one run reports every broken operation
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


def test_our_openapi(our_schema: Any, fuzz_target: tuple[FastAPI, Tenant, dict[str, str]]) -> None:
    # Our own document must also list every status code we answer with.
    _fuzz_every_operation(our_schema, fuzz_target, [*CHECKS, status_code_conformance])


def test_codat_spec(codat_schema: Any, fuzz_target: tuple[FastAPI, Tenant, dict[str, str]]) -> None:
    operations = {
        result.ok().definition.raw["operationId"] for result in codat_schema.get_all_operations()
    }
    assert {
        "list-companies",
        "create-company",
        "create-connection",
        "unlink-connection",
    } <= operations
    # Codat's document omits some 4xx codes it answers with (e.g. 400 on create-connection),
    # so for it we hold to: never 5xx, and every body matches the schema.
    _fuzz_every_operation(codat_schema, fuzz_target, CHECKS)
