"""The part of OData v4 query options the sandbox serves, as BC answers them:
``$filter`` with ``eq``/``ne``, ``and``/``or``, parentheses, ``contains`` and
``startswith``; ``$top``, ``$skip`` and server paging with ``@odata.nextLink``.

Literals: ``'text'`` (a quote doubled inside), numbers, ``true``/``false`` and GUIDs
unquoted (BC's v2.0 takes ``id eq 5d115c9c-...``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandboxes.business_central.store import Refused

Predicate = Callable[[dict[str, Any]], bool]
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),]))"
)


def _bad(message: str) -> Refused:
    return Refused(400, "BadRequest", f"Invalid filter expression: {message}")


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _bad(f"unexpected text at {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position] == " ":
            position += 1
    return found


class _Parser:
    def __init__(self, text: str, fields: set[str]) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.fields = fields

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _bad("it ends too early")
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise _bad(f"expected {value!r}")

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.term()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.term()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def field(self) -> str:
        kind, name = self.take()
        if kind != "word" or name not in self.fields:
            raise Refused(400, "BadRequest_NotFound", f"Could not find a property named '{name}'.")
        return name

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "guid":
            return value.lower()
        if kind == "num":
            return float(value)
        if value in ("true", "false"):
            return value == "true"
        raise _bad(f"{value!r} is not a value")

    def term(self) -> Predicate:
        token = self.peek()
        if token == ("punct", "("):
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        if token in (("word", "contains"), ("word", "startswith")):
            function = self.take()[1]
            self.expect("(")
            name = self.field()
            self.expect(",")
            text = str(self.literal())
            self.expect(")")
            if function == "contains":
                return lambda r: text.lower() in str(r.get(name, "")).lower()
            return lambda r: str(r.get(name, "")).lower().startswith(text.lower())
        name = self.field()
        operator = self.take()[1]
        value = self.literal()
        if operator not in ("eq", "ne"):
            raise _bad(f"operator {operator!r} is not supported here")

        def compare(record: dict[str, Any]) -> bool:
            held = record.get(name)
            if isinstance(value, float) and isinstance(held, int | float):
                same = float(held) == value
            else:
                same = (
                    str(held).lower() == str(value).lower()
                    if isinstance(value, str) and _is_guid(value)
                    else held == value
                )
            return same if operator == "eq" else not same

        return compare


def _is_guid(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4


def predicate(text: str | None, fields: set[str]) -> Predicate:
    if not text:
        return lambda _: True
    parser = _Parser(text, fields)
    found = parser.expression()
    if parser.peek() is not None:
        raise _bad(f"unexpected {parser.peek()[1]!r}")  # type: ignore[index]
    return found


def page(
    records: list[dict[str, Any]], query: dict[str, str], page_size: int, url: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The records of this page and the next page's link, if there is one."""
    try:
        skip = int(query.get("$skip", "0")) + int(query.get("$skiptoken", "0"))
        top = int(query["$top"]) if "$top" in query else None
    except ValueError as error:
        raise _bad(f"$top and $skip are numbers ({error})") from error
    wanted = records[skip:] if top is None else records[skip : skip + top]
    shown = wanted[:page_size]
    if len(wanted) <= page_size:
        return shown, None
    rest = {k: v for k, v in query.items() if k not in ("$skip", "$skiptoken", "$top")}
    if top is not None:
        rest["$top"] = str(top - page_size)
    params = "&".join(f"{k}={v}" for k, v in {**rest, "$skiptoken": str(skip + page_size)}.items())
    return shown, f"{url}?{params}"
