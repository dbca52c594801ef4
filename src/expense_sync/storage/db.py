"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def dump_json(value: Any) -> str:
    """Canonical JSON text (sorted keys, compact): the same value always gives the same
    text, so the cache can tell an unchanged record by its stored text alone."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # e.g. an unpaired surrogate, which orjson refuses and json escapes
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


def load_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # text written by the fallback above
        return json.loads(text)


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_serializer", dump_json)
    kwargs.setdefault("json_deserializer", load_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _WriterQueue().install(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; foreign keys make cascades real.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # SQLite's own lower() folds ASCII only; PostgreSQL's folds every letter. Queries
    # with '~' must match the same rows on both, so SQLite gets Python's folding.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


class _WriterQueue:
    """SQLite takes one writer at a time; the others wait in its busy handler, which
    sleeps in steps of up to 100 ms and so wakes long after the lock is free. Under
    concurrent requests that sleeping, not the writing, bounded intake. So the writers of
    this engine queue on a lock in the process instead: a transaction takes it at its
    first write (where Python's sqlite3 begins it) and gives it back when it commits or
    rolls back, or when its connection goes back to the pool. If the lock cannot be had
    within the busy timeout (say a thread writes on two connections at once), the write
    goes ahead and SQLite's own locking decides, as it would without the queue."""

    HELD = "expense_sync.sqlite_writer"  # key in the DBAPI connection's info
    TIMEOUT_S = 10.0  # the busy_timeout below
    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        event.listen(engine.pool, "checkin", self._back_in_pool)
        event.listen(engine.pool, "reset", self._back_in_pool)

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        info = conn.info
        if self.HELD not in info and statement.lstrip()[:7].upper().startswith(self.WRITES):
            info[self.HELD] = self.lock.acquire(timeout=self.TIMEOUT_S)

    def _end(self, conn: Any) -> None:
        self._release(conn.info)

    def _back_in_pool(self, _dbapi_connection: Any, record: Any, _reset_state: Any = None) -> None:
        self._release(record.info)

    def _release(self, info: dict[str, Any]) -> None:
        if info.pop(self.HELD, False):
            self.lock.release()


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
