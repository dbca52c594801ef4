"""Appending many rows at once: PostgreSQL's COPY where it is available, else executemany.

COPY streams rows in PostgreSQL's own format and skips per-statement parsing and planning;
for a first fill of thousands of cached records it is the difference that matters. On
SQLite the rows go to the driver's ``executemany`` with each column's bind processor
applied once per distinct value (a first fill shares the connection, the data type and
the time across all its rows), skipping SQLAlchemy's per-row parameter building.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.orm import DeclarativeBase, Session

from expense_sync.storage.db import dump_json


def insert_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``model``'s table, in this
    session's transaction."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name != "postgresql":  # SQLite, the only other database we run on
        _executemany(connection, table, rows)
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [dump_json(row[name]) if name in as_json else row[name] for name in columns]
            )


_UNSEEN = object()


def _executemany(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    dialect = connection.dialect
    columns = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    last: list[tuple[object, object]] = [(_UNSEEN, None)] * len(columns)
    params = []
    for row in rows:
        values = []
        for index, name in enumerate(columns):
            value = row[name]
            seen, processed = last[index]
            if value is not seen:
                process = processors[index]
                processed = process(value) if process else value
                last[index] = (value, processed)
            values.append(processed)
        params.append(tuple(values))
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", params
    )
