"""Writing many rows at once: PostgreSQL's COPY for appends, else the driver's executemany.

COPY streams rows in PostgreSQL's own format and skips per-statement parsing and planning;
for a first fill of thousands of cached records it is the difference that matters.
Everything else goes to the driver's ``executemany`` through ``execute_many``: the
statement is compiled once and each value goes through its column's bind processor once
per distinct value (rows written together share their connection, type, sync and time),
skipping SQLAlchemy's per-row parameter building, which costs more than the driver's
work for small rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, bindparam, insert
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.dml import UpdateBase

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
    columns = list(rows[0])
    if connection.dialect.name != "postgresql":  # SQLite, the only other database we run on
        execute_many(session, insert(table).values({name: bindparam(name) for name in columns}),
                     rows)  # fmt: skip
        return
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


def execute_many(session: Session, statement: UpdateBase, rows: Sequence[dict[str, Any]]) -> None:
    """Run ``statement`` once for each of ``rows`` (dicts keyed by its ``bindparam``
    names), in one executemany of the driver, in this session's transaction. Values the
    statement carries itself (``column == value``) are bound once for all rows."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    defaulted = {column.key for column in [*compiled.insert_prefetch, *compiled.update_prefetch]}
    if defaulted - set(rows[0]):  # SQLAlchemy computes those per execution; not done here
        raise ValueError(f"execute_many needs values for {sorted(defaulted - set(rows[0]))}")
    every = compiled.construct_params(params=rows[0])  # each bind's name, fixed ones valued
    positional = compiled.positiontup is not None  # SQLite's ?, else psycopg's %(name)s
    names = list(compiled.positiontup or every)
    per_row = [name in rows[0] for name in names]
    processors: list[Callable[[Any], Any] | None] = [
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    last: list[tuple[object, object]] = [(_UNSEEN, None)] * len(names)
    params = []
    for row in rows:
        values = []
        for index, name in enumerate(names):
            value = row[name] if per_row[index] else every[name]
            seen, processed = last[index]
            if value is not seen:
                process = processors[index]
                processed = process(value) if process else value
                last[index] = (value, processed)
            values.append(processed)
        params.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
    connection.exec_driver_sql(str(compiled), params)
