"""Migration 0010 carries stored syncs forward: each transaction's currency and total
from its body, and the overview's day totals from the syncs finished before it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from expense_sync.storage.db import make_engine
from expense_sync.storage.migrate import alembic_config, upgrade
from tests.services import temporary_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with temporary_postgres_database() as url:
        yield url


def body(currency: str, net: int) -> str:
    return json.dumps(
        {"id": str(uuid.uuid4()), "type": "Payment", "issueDate": "2026-11-02",
         "currency": currency,
         "lines": [{"netAmount": net, "taxAmount": 2, "taxRateRef": {"id": "VAT20"},
                    "accountRef": {"id": "Expenses:Travel"}}]}
    )  # fmt: skip


def test_0010_fills_transaction_totals_and_day_totals(empty_database: str) -> None:
    engine = make_engine(empty_database)
    config = alembic_config(empty_database)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    ids = {
        name: uuid.uuid4().hex for name in ("client", "company", "connection", "sync", "t1", "t2")
    }
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO clients (id, name, created) VALUES (:client, 'c', CURRENT_TIMESTAMP)",
            "INSERT INTO companies (id, client_id, name, products, created)"
            " VALUES (:company, :client, 'Co', '[]', CURRENT_TIMESTAMP)",
            "INSERT INTO connections (id, company_id, platform_key, status, created)"
            " VALUES (:connection, :company, 'bean', 'Linked', CURRENT_TIMESTAMP)",
            "INSERT INTO syncs (id, company_id, status_code, data_pushed, requested, started,"
            " completed, attempts) VALUES (:sync, :company, 5130, true,"
            " '2026-11-02 10:00:00', '2026-11-02 10:00:01', '2026-11-02 10:00:02', 1)",
            "INSERT INTO expense_transactions (id, company_id, transaction_id, kind, body,"
            " revision, status, created, modified) VALUES"
            " (:t1, :company, 'a', 'expense', :b1, 1, 'Completed', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP),"
            " (:t2, :company, 'b', 'expense', :b2, 1, 'PushError', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)",
            "INSERT INTO sync_items (sync_id, transaction_row_id, position, revision, status)"
            " VALUES (:sync, :t1, 0, 1, 'Completed'), (:sync, :t2, 1, 1, 'PushError')",
        ):
            connection.execute(text(statement), ids | {"b1": body("GBP", 10), "b2": body("GBP", 5)})
    upgrade(engine)
    with engine.connect() as connection:
        totals = connection.execute(
            text("SELECT transaction_id, currency, total_e4 FROM expense_transactions"
                 " ORDER BY transaction_id")
        ).all()  # fmt: skip
        counts = connection.execute(
            text("SELECT day, status_code, platform_key, syncs FROM sync_day_counts")
        ).all()
        items = connection.execute(
            text("SELECT day, currency, completed, failed, completed_total_e4 FROM sync_day_items")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in totals] == [("a", "GBP", 120_000), ("b", "GBP", 70_000)]
    assert [(str(r[0]), *r[1:]) for r in counts] == [(str(date(2026, 11, 2)), 5130, "bean", 1)]
    assert [(str(r[0]), *r[1:]) for r in items] == [(str(date(2026, 11, 2)), "GBP", 1, 1, 120_000)]


def test_0010_goes_down_and_up_again_keeping_sync_items(empty_database: str) -> None:
    engine = make_engine(empty_database)
    config = alembic_config(empty_database)
    upgrade(engine)
    ids = {name: uuid.uuid4().hex for name in ("client", "company", "sync", "t1")}
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO clients (id, name, created) VALUES (:client, 'c', CURRENT_TIMESTAMP)",
            "INSERT INTO companies (id, client_id, name, products, created)"
            " VALUES (:company, :client, 'Co', '[]', CURRENT_TIMESTAMP)",
            "INSERT INTO syncs (id, company_id, status_code, data_pushed, requested, attempts)"
            " VALUES (:sync, :company, 1000, false, '2026-11-02 10:00:00', 0)",
            "INSERT INTO expense_transactions (id, company_id, transaction_id, kind, body,"
            " revision, status, created, modified) VALUES (:t1, :company, 'a', 'expense',"
            " '{}', 1, 'Pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sync_items (sync_id, transaction_row_id, position, revision, status)"
            " VALUES (:sync, :t1, 0, 1, 'Pending')",
        ):
            connection.execute(text(statement), ids)
    for target in ("0007", "head"):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if target == "0007":
                command.downgrade(config, target)
            else:
                command.upgrade(config, target)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM sync_items")) == 1, target
    engine.dispose()
