"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
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
        # A request uses a few connections in turn (caller, idempotency, handler); with
        # SQLAlchemy's default of 5, concurrent requests opened and closed overflow
        # connections all the time, each paying for its PRAGMAs on connect.
        kwargs.setdefault("pool_size", 20)
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
    first write (where Python's sqlite3 begins it) and gives it back once its COMMIT or
    ROLLBACK has run, or when its connection goes back to the pool. If the lock cannot be
    had within the busy timeout (say a thread writes on two connections at once), the
    write goes ahead and SQLite's own locking decides, as it would without the queue.

    The lock is given back after the dialect's ``do_commit``/``do_rollback``, not on
    SQLAlchemy's ``commit`` event, which fires before the COMMIT is sent: a writer let in
    then would meet the COMMIT still running and fall into the busy handler's sleep."""

    TIMEOUT_S = 10.0  # the busy_timeout below
    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: object = None  # the DBAPI connection whose transaction holds the lock

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine.pool, "checkin", self._back_in_pool)  # after its reset's ROLLBACK
        for gone in ("invalidate", "close"):  # a connection dropped on an error, say
            event.listen(engine.pool, gone, self._back_in_pool)
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback"):
            setattr(dialect, name, self._releasing(getattr(dialect, name)))

    def _releasing(self, end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(connection: Any) -> None:  # the pool's proxy of a DBAPI connection
            try:
                end(connection)
            finally:
                self._release(getattr(connection, "dbapi_connection", connection))

        return ended

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if self.holder is dbapi_connection or not self._writes(statement):
            return
        if self.lock.acquire(timeout=self.TIMEOUT_S):
            self.holder = dbapi_connection

    def _writes(self, statement: str) -> bool:
        return statement.lstrip()[:7].upper().startswith(self.WRITES)

    def _back_in_pool(self, dbapi_connection: Any, *_: Any) -> None:
        self._release(dbapi_connection)

    def _release(self, dbapi_connection: Any) -> None:
        # Only the thread using this connection can have made it the holder, so the
        # check and the hand-back cannot race with another release.
        if dbapi_connection is not None and self.holder is dbapi_connection:
            self.holder = None
            self.lock.release()


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
