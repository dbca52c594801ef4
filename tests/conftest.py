"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, the app, API keys."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services.clients import create_api_key, ensure_client
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Base
from expense_sync.storage.uow import UnitOfWork
from tests.services import temporary_postgres_database
from tests.tryton_server import (
    Template,
    TrytonServer,
    build_sqlite_template,
    postgres_template,
    running_tryton,
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that uses the database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    _empty_postgres(url)


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=base64.urlsafe_b64encode(b"0" * 32).decode(),
        # Test receivers listen on 127.0.0.1; tests of the refusal turn this off.
        webhook_allow_private=True,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(settings)
    upgrade(runtime.engine)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield client


@dataclass(frozen=True)
class Tenant:
    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(self.key.encode()).decode()}


def make_tenant(runtime: Runtime, name: str) -> Tenant:
    with UnitOfWork(runtime.session_factory) as uow:
        client = ensure_client(uow.session, name)
        created = create_api_key(uow.session, client.id, "tests")
        uow.commit()
    return Tenant(name, created.plaintext)


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime, "tenant-a")


@pytest.fixture
def other_tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime, "tenant-b")


@pytest.fixture(scope="session")
def tryton_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The prepared Tryton database as a SQLite file, built once per run (about 25 s)."""
    return build_sqlite_template(tmp_path_factory.mktemp("tryton-sqlite"))


@pytest.fixture(scope="session")
def tryton_postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """The prepared Tryton database on PostgreSQL, built once per run."""
    with postgres_template(tmp_path_factory.mktemp("tryton-postgres")) as template:
        yield template


@pytest.fixture(params=["sqlite", "postgres"])
def tryton_template(request: pytest.FixtureRequest) -> Template:
    """Every Tryton test runs on trytond's SQLite and on its PostgreSQL backend."""
    return cast(Template, request.getfixturevalue(f"tryton_{request.param}_template"))


@pytest.fixture
def tryton(tryton_template: Template, tmp_path: Path) -> Iterator[TrytonServer]:
    """A trytond of its own for one test, on a fresh copy of the prepared database."""
    with running_tryton(tryton_template, tmp_path / "tryton") as server:
        yield server
