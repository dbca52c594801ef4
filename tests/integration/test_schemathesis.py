"""Property-based runs of Codat's official specs and of our own /openapi.json.

Every operation we serve is fuzzed with generated input and must never answer 5xx, nor
anything that breaks the schema it claims to follow, nor a status code its document does
not declare for it. Each case runs twice: with the generated ids, and with ids of real
objects of the caller's, so deeper code paths are reached too.

Codat's documents are run over every tag we serve: the whole Sync for Expenses spec, the
v1 operations it no longer lists (expense datasets, initiate sync) and the platform
operations we serve (API keys, webhooks, integrations, connection authorization).

- **Positive cases** (input the spec allows) must get a status the operation declares.
- **Negative cases** (input the spec forbids) must too.
- One exception for both: a request whose body or query we refuse may get 400 naming the
  field even where Codat's document declares no 400 for the operation
  (``replace-company`` declares none, yet a body without ``name``, or a name made only of
  characters Codat removes, cannot be anything else). A malformed *path* id gets the
  declared 404: no object has that id.

The number of cases run is printed at the end of each test (``schemathesis cases: N``),
so CI logs say how much was tried; ``POSITIVE`` and ``NEGATIVE`` bound the run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from tests.conftest import Tenant, make_tenant


def codat_reference() -> Path:
    """Codat's documents in the shared reference folder beside the checkout (a worktree
    may sit deeper than the main checkout, so every parent is tried)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "reference" / "codat"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no shared/reference/codat above {here}")


REFERENCE = codat_reference()
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Examples per operation and mode: about 60 operations, each case sent twice, on SQLite
# and PostgreSQL; this keeps the whole file to a few minutes on two cores.
POSITIVE = 10
NEGATIVE = 6


def _examples(count: int) -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )


@dataclass
class Target:
    app: FastAPI
    tenant: Tenant
    ids: dict[str, str]
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Quotas that thousands of requests do not spend (a spent quota answers every request
    429, and the rest of the run would test nothing)."""
    return settings.model_copy(update={"daily_quota": 10_000_000, "company_concurrency": 100})


@pytest.fixture
def fuzz_target(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> Iterator[Target]:
    app = create_app(runtime=runtime)
    tenant = make_tenant(runtime, "fuzz")
    with TestClient(app) as client:
        headers = tenant.headers
        company = client.post("/companies", json={"name": "Fuzz"}, headers=headers).json()
        connection = client.post(
            f"/companies/{company['id']}/connections",
            json={"platformKey": "bean"},
            headers=headers,
        ).json()
        hook = client.post(
            "/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=headers
        ).json()
        key = client.get("/apiKeys", headers=headers).json()["results"][0]
    ids = {
        "companyId": company["id"],
        "connectionId": connection["id"],
        "platformKey": "bean",
        "webhookId": hook["id"],
        "apiKeyId": key["id"],
    }
    target = Target(app, tenant, ids)
    yield target
    with capsys.disabled():
        print(f"\nschemathesis cases: {target.cases} (responses by status: {target.statuses})")


def _served(app: FastAPI) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def _codat(name: str, served: set[str], skip: set[str] | None = None) -> tuple[Any, list[str]]:
    document = json.loads((REFERENCE / name).read_text())
    schema = schemathesis.openapi.from_dict(document)
    labels = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "put", "post", "patch", "delete")
    }
    wanted = sorted((labels & served) - (skip or set()))
    return schema.include(name=wanted), wanted


def _names_only_request_fields(response: Any, case: Any) -> bool:
    """Whether ``response`` is an ErrorMessage whose validation errors name fields of the
    body or query, none of them a path parameter."""
    try:
        errors = response.json()["validation"]["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    named = {error.get("itemId") for error in errors or []}
    path = set(case.path_parameters or {})
    return bool(named) and None not in named and not named & path


def _documented_status(ctx: Any, response: Any, case: Any) -> bool | None:
    """status_code_conformance, except that a 400 naming fields of the body or query is
    fine where Codat's document declares no 400 (see the module docstring)."""
    if response.status_code == 400 and _names_only_request_fields(response, case):
        return None
    return status_code_conformance(ctx, response, case)


def _exercise(case: Any, target: Target, checks: list[Any]) -> None:
    # The generated credentials would only ever earn a 401; the tenant's key is sent.
    for name in [name for name in case.headers or {} if name.lower() == "authorization"]:
        del case.headers[name]

    def call() -> None:
        headers = target.tenant.headers
        response = case.call_and_validate(app=target.app, headers=headers, checks=checks)
        target.cases += 1
        target.statuses[response.status_code] = target.statuses.get(response.status_code, 0) + 1

    call()
    if case.method.upper() == "DELETE" or not case.path_parameters:
        return
    case.path_parameters = {
        name: target.ids.get(name, value) for name, value in case.path_parameters.items()
    }
    call()


def _fuzz(strategy: Any, count: int, target: Target, checks: list[Any]) -> None:
    @given(case=strategy)
    @_examples(count)
    def fuzz(case: Any) -> None:
        _exercise(case, target, checks)

    fuzz()


def _fuzz_every_operation(
    schema: Any, target: Target, checks: list[Any], *, negative: bool
) -> None:
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "no operation to fuzz"
    modes = [(GenerationMode.POSITIVE, POSITIVE)]
    if negative:
        modes.append((GenerationMode.NEGATIVE, NEGATIVE))
    for operation in operations:
        for mode, count in modes:
            try:
                _fuzz(operation.as_strategy(mode), count, target, checks)
            except Unsatisfiable:  # nothing of the operation can be made invalid
                assert mode == GenerationMode.NEGATIVE, operation.label
            # Collect all (schemathesis raises a BaseExceptionGroup), so that one run
            # reports every broken operation.
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


def test_our_openapi(fuzz_target: Target) -> None:
    # Our own document lists every status code we answer with, 400 included. Valid input
    # only: the Codat run below sends the invalid kind to the same routes.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_target.app)
    _fuzz_every_operation(schema, fuzz_target, [*CHECKS, status_code_conformance], negative=False)


def test_codat_specs_every_tag(fuzz_target: Target) -> None:
    served = _served(fuzz_target.app)
    expenses, expense_ops = _codat("sync-for-expenses.openapi.json", served)
    # The v1 document repeats most of the current one; only what it alone has is added.
    v1, v1_ops = _codat("sync-for-expenses-v1.openapi.json", served, set(expense_ops))
    platform, platform_ops = _codat("platform.openapi.json", served, set(expense_ops) | set(v1_ops))
    assert len(expense_ops) == 48, "every operation of Codat's Sync for Expenses spec is served"
    assert {"POST /companies/{companyId}/sync/expenses/syncs"} <= set(v1_ops)
    assert {"POST /webhooks", "GET /apiKeys", "GET /integrations"} <= set(platform_ops)
    for schema in (expenses, v1, platform):
        _fuzz_every_operation(schema, fuzz_target, [*CHECKS, _documented_status], negative=True)
