"""Compile a parsed Codat query into SQLAlchemy expressions: values are always bound
parameters and fields come from a whitelist, so no user text ever becomes SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from expense_sync.domain.query import (
    Comparison,
    Node,
    fold,
    malformed,
    parse_order_by,
    parse_query,
)

T = TypeVar("T")
_ORDERING_OPS = {">", "<", ">=", "<="}


@dataclass(frozen=True)
class QueryField:
    """A queryable field: the column it reads and the kind of value it holds."""

    column: Any
    kind: str = "string"  # string | uuid | datetime | enum | bool | int
    choices: tuple[str, ...] = ()


Fields = dict[str, QueryField]


def _convert(name: str, spec: QueryField, raw: str) -> Any:
    try:
        if spec.kind == "uuid":
            return uuid.UUID(raw)
        if spec.kind == "datetime":
            # Codat's dates may be date-only or carry no zone; both are read as UTC.
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        if spec.kind == "int":
            number = int(raw)
            if not -(2**31) <= number < 2**31:  # what an INTEGER column holds
                raise ValueError(raw)
            return number
        if spec.kind == "bool":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
    except (ValueError, OverflowError):
        hint = {
            "uuid": "a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "datetime": "an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T00:00:00Z",
            "bool": "true or false",
            "int": "a whole number such as 5130",
        }[spec.kind]
        raise malformed(f"'{raw}' is not a valid value for {name}: use {hint}.") from None
    if spec.kind == "enum" and raw not in spec.choices:
        raise malformed(f"'{raw}' is not a valid {name}: use one of {', '.join(spec.choices)}.")
    return raw


def _comparison(node: Comparison, fields: Fields) -> ColumnElement[bool]:
    spec = fields.get(node.field)
    if spec is None:
        raise malformed(
            f"Cannot query on '{node.field}' (position {node.position}): "
            f"queryable fields are {', '.join(sorted(fields))}."
        )
    value = _convert(node.field, spec, node.value)
    column = spec.column
    if node.operator == "~":
        if spec.kind not in ("string", "enum"):
            raise malformed(f"'~' (contains) works on text fields, not on {node.field}.")
        return func.lower(column).contains(str(value).lower(), autoescape=True)
    if node.operator in _ORDERING_OPS and spec.kind in ("bool", "uuid"):
        raise malformed(f"'{node.operator}' does not apply to {node.field}; use = or !=.")
    result: ColumnElement[bool] = {
        "=": lambda: column == value,
        "!=": lambda: column != value,
        ">": lambda: column > value,
        "<": lambda: column < value,
        ">=": lambda: column >= value,
        "<=": lambda: column <= value,
    }[node.operator]()
    return result


def compile_query(
    node: Node, leaf: Callable[[Comparison], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """A query as one SQL condition; ``leaf`` compiles each comparison."""
    return fold(node, leaf, lambda parts: and_(*parts), lambda parts: or_(*parts))


def where_clause(query: str | None, fields: Fields) -> ColumnElement[bool] | None:
    if query is None:
        return None
    return compile_query(parse_query(query), lambda node: _comparison(node, fields))


def order_clauses(order_by: str | None, fields: Fields, default: Sequence[Any]) -> list[Any]:
    if order_by is None:
        return list(default)
    clauses = []
    for ordering in parse_order_by(order_by):
        spec = fields.get(ordering.field)
        if spec is None:
            raise malformed(
                f"Cannot order by '{ordering.field}': use one of {', '.join(sorted(fields))}.",
                "orderBy",
            )
        column = spec.column
        # NULLs sort as PostgreSQL does by default, on SQLite too.
        clauses.append(
            column.desc().nulls_first() if ordering.descending else column.asc().nulls_last()
        )
    return [*clauses, *default]


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 100
    query: str | None = None
    order_by: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    results: list[T]
    page: int
    page_size: int
    total: int


def fetch_page(
    session: Session,
    statement: Select[T],
    request: PageRequest,
    fields: Fields,
    default_order: Sequence[Any],
    extra_filters: Sequence[ColumnElement[bool]] = (),
) -> Page[T]:
    """Apply query, ordering and paging to ``statement``; count the whole match."""
    condition = where_clause(request.query, fields)
    filters = [*extra_filters, *([condition] if condition is not None else [])]
    filtered = statement.where(*filters)
    total = session.scalar(select(func.count()).select_from(filtered.order_by(None).subquery()))
    ordered = filtered.order_by(*order_clauses(request.order_by, fields, default_order))
    rows = session.scalars(
        ordered.offset((request.page - 1) * request.page_size).limit(request.page_size)
    ).all()
    return Page(list(rows), request.page, request.page_size, int(total or 0))


def in_memory_page(
    items: Sequence[T],
    request: PageRequest,
    value_of: Callable[[T, str], Any],
    fields: tuple[str, ...],
) -> Page[T]:
    """The same query language over a short list held in memory (e.g. integrations)."""
    node = parse_query(request.query) if request.query is not None else None

    def matches(item: T, part: Comparison) -> bool:
        if part.field not in fields:
            raise malformed(
                f"Cannot query on '{part.field}': queryable fields are {', '.join(fields)}."
            )
        actual = str(value_of(item, part.field))
        return {
            "=": actual.lower() == part.value.lower(),
            "!=": actual.lower() != part.value.lower(),
            "~": part.value.lower() in actual.lower(),
            ">": actual > part.value,
            "<": actual < part.value,
            ">=": actual >= part.value,
            "<=": actual <= part.value,
        }[part.operator]

    def keep(item: T) -> bool:
        return node is None or fold(node, lambda part: matches(item, part), all, any)

    selected = [item for item in items if keep(item)]
    if request.order_by:
        for ordering in reversed(parse_order_by(request.order_by)):
            if ordering.field not in fields:
                raise malformed(f"Cannot order by '{ordering.field}'.", "orderBy")
            selected.sort(
                key=lambda item: str(value_of(item, ordering.field)),
                reverse=ordering.descending,
            )
    start = (request.page - 1) * request.page_size
    return Page(
        selected[start : start + request.page_size], request.page, request.page_size, len(selected)
    )
