"""Migrations carry stored data forward: what a release stored is there after upgrading."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from expense_sync.storage.db import make_engine
from expense_sync.storage.migrate import alembic_config, upgrade
from tests.services import temporary_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched (the shared test database is at head already)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with temporary_postgres_database() as url:
        yield url


def test_0003_keeps_cached_records(empty_database: str) -> None:
    database_url = empty_database
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    ids = {name: uuid.uuid4() for name in ("client", "company", "connection")}
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO clients (id, name, created) VALUES (:client, 'c', CURRENT_TIMESTAMP)",
            "INSERT INTO companies (id, client_id, name, products, created)"
            " VALUES (:company, :client, 'Co', '[]', CURRENT_TIMESTAMP)",
            "INSERT INTO connections (id, company_id, platform_key, status, connection_info,"
            " created) VALUES (:connection, :company, 'bean', 'Linked', '{}', CURRENT_TIMESTAMP)",
            "INSERT INTO cached_records (company_id, connection_id, data_type, record_id, data,"
            " modified) VALUES (:company, :connection, 'suppliers', 'SUP-1',"
            ' \'{"id": "SUP-1"}\', CURRENT_TIMESTAMP)',
        ):
            connection.execute(text(statement), {k: str(v) for k, v in ids.items()})
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT connection_id, data_type, record_id, data FROM cached_records")
        ).all()
    engine.dispose()
    assert len(rows) == 1
    assert (str(rows[0][0]).replace("-", ""), rows[0][1], rows[0][2]) == (
        ids["connection"].hex,
        "suppliers",
        "SUP-1",
    )
