"""The SQLite writer queue: held from a transaction's first write until its COMMIT or
ROLLBACK has run, so the next writer never meets a COMMIT in flight."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text

from expense_sync.storage.db import _WriterQueue


@pytest.fixture
def queued(tmp_path: Path) -> Iterator[tuple[Engine, _WriterQueue]]:
    """An SQLite engine with a writer queue of its own, and that queue."""
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    queue = _WriterQueue()
    queue.install(engine)
    yield engine, queue
    engine.dispose()


def test_the_lock_is_held_from_the_first_write_until_the_commit_has_run(
    queued: tuple[Engine, _WriterQueue],
) -> None:
    engine, queue = queued
    during_commit: list[bool] = []
    event.listen(engine, "commit", lambda _conn: during_commit.append(queue.lock.locked()))
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
        connection.execute(text("SELECT 1"))
        assert not queue.lock.locked()  # reads never queue
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert queue.lock.locked()
        connection.commit()
        assert not queue.lock.locked()
        connection.execute(text("UPDATE t SET x = 2"))
        connection.rollback()
        assert not queue.lock.locked()
        connection.execute(text("DELETE FROM t"))
    assert not queue.lock.locked()  # given back when the connection went back to the pool
    assert during_commit == [False, True]  # the DDL's commit held nothing; the INSERT's did


def test_a_connection_invalidated_mid_write_gives_the_lock_back(
    queued: tuple[Engine, _WriterQueue],
) -> None:
    engine, queue = queued
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert queue.lock.locked()
        connection.invalidate()  # what SQLAlchemy does when the connection is found broken
        assert not queue.lock.locked()
