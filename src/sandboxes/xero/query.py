"""Xero's ``where`` and ``order`` query parameters, for the forms clients send.

``where`` is a small C#-like expression: clauses joined by ``AND``/``OR`` (``&&``/``||``),
each ``Field[.Sub] op value`` with ``==``, ``!=``, ``>=``, ``<=``, ``>``, ``<``, or
``Field.Contains("x")`` / ``StartsWith`` / ``EndsWith``. Values: ``"text"``, ``true``,
``false``, numbers, ``Guid("...")``, ``DateTime(2024, 1, 31)``. String comparison is
case-blind, as on Xero. An expression it cannot read is a ``QueryError`` (Xero's 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sandboxes.xero.wire import parse_date

Record = dict[str, Any]

_CLAUSE = re.compile(
    r"""^\s*(?P<not>!)?\s*(?P<field>[A-Za-z][\w.]*?)\s*
    (?:(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>.+?)
      |\.(?P<method>Contains|StartsWith|EndsWith)\(\s*(?P<arg>"(?:[^"\\]|\\.)*")\s*\)
    )?\s*$""",
    re.VERBOSE,
)


class QueryError(ValueError):
    pass


def _literal(text: str) -> object:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"')
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    guid = re.fullmatch(r'guid\(\s*"([^"]+)"\s*\)', text, re.IGNORECASE)
    if guid:
        return guid.group(1).lower()
    moment = re.fullmatch(r"datetime\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)[^)]*\)", text, re.IGNORECASE)
    if moment:
        return date(int(moment.group(1)), int(moment.group(2)), int(moment.group(3)))
    try:
        return Decimal(text)
    except ArithmeticError:
        raise QueryError(f"cannot read the value {text!r}") from None


def _field(record: Record, dotted: str) -> object:
    value: object = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _comparable(stored: object, wanted: object) -> tuple[object, object]:
    if isinstance(wanted, date):
        return parse_date(stored), wanted
    if (
        isinstance(wanted, Decimal)
        and isinstance(stored, int | float)
        and not isinstance(stored, bool)
    ):
        return Decimal(str(stored)), wanted
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.casefold(), wanted.casefold()
    return stored, wanted


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a is not None and a >= b,
    "<=": lambda a, b: a is not None and a <= b,
    ">": lambda a, b: a is not None and a > b,
    "<": lambda a, b: a is not None and a < b,
}


def _clause(text: str) -> Callable[[Record], bool]:
    matched = _CLAUSE.match(text)
    if not matched:
        raise QueryError(f"cannot read the where clause {text!r}")
    name = matched.group("field")
    negate = bool(matched.group("not"))
    if matched.group("method"):
        method = matched.group("method")
        arg = str(_literal(matched.group("arg"))).casefold()

        def test(record: Record) -> bool:
            value = _field(record, name)
            text_value = value.casefold() if isinstance(value, str) else ""
            found = {
                "Contains": arg in text_value,
                "StartsWith": text_value.startswith(arg),
                "EndsWith": text_value.endswith(arg),
            }[method]
            return found != negate

        return test
    if matched.group("op") is None:  # a bare boolean field: IsSupplier
        return lambda record: (_field(record, name) is True) != negate
    op, wanted = _OPS[matched.group("op")], _literal(matched.group("value"))

    def compare(record: Record) -> bool:
        try:
            return op(*_comparable(_field(record, name), wanted)) != negate
        except TypeError:
            return False

    return compare


def where(expression: str | None) -> Callable[[Record], bool]:
    """A predicate for ``expression`` (AND binds tighter than OR, as in C#)."""
    if not expression or not expression.strip():
        return lambda record: True
    groups: list[list[str]] = [[]]
    current = ""
    pieces = _split(expression.replace("&quot;", '"'))
    for piece in pieces:
        if piece in ("AND", "OR"):
            groups[-1].append(current)
            current = ""
            if piece == "OR":
                groups.append([])
        else:
            current = piece
    groups[-1].append(current)
    compiled = [[_clause(_unwrap(c)) for c in group] for group in groups]
    return lambda record: any(all(c(record) for c in group) for group in compiled)


def _unwrap(clause: str) -> str:
    """A clause without the grouping parentheses a split left on it: ``(A==1`` or ``B==2)``,
    keeping a call's own: ``Name.Contains("x")``."""
    clause = clause.strip()
    while clause.startswith("(") and clause.count("(") > clause.count(")"):
        clause = clause[1:].strip()
    while clause.endswith(")") and clause.count(")") > clause.count("("):
        clause = clause[:-1].strip()
    while clause.startswith("(") and clause.endswith(")"):
        clause = clause[1:-1].strip()
    return clause


def _split(expression: str) -> list[str]:
    """Clauses and AND/OR connectives, not splitting inside quoted strings."""
    out: list[str] = []
    current: list[str] = []
    position = 0
    while position < len(expression):
        char = expression[position]
        if char == '"':
            end = position + 1
            while end < len(expression) and expression[end] != '"':
                end += 2 if expression[end] == "\\" else 1
            current.append(expression[position : end + 1])
            position = end + 1
            continue
        connective = re.match(
            r"\s+(AND|OR)\s+|\s*(&&|\|\|)\s*", expression[position:], re.IGNORECASE
        )
        if connective:
            out.append("".join(current))
            word = (connective.group(1) or connective.group(2)).upper()
            out.append("AND" if word in ("AND", "&&") else "OR")
            current = []
            position += connective.end()
            continue
        current.append(char)
        position += 1
    out.append("".join(current))
    return out


def order(records: Iterable[Record], expression: str | None) -> list[Record]:
    """``Name ASC, Code DESC``; records without the field sort first."""
    ordered = list(records)
    if not expression:
        return ordered
    for part in reversed([p.strip() for p in expression.split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        descending = direction.strip().upper() == "DESC"

        def key(record: Record, name: str = name) -> tuple[bool, str]:
            value = _field(record, name)
            return (value is not None, str(value).casefold() if value is not None else "")

        ordered.sort(key=key, reverse=descending)
    return ordered
