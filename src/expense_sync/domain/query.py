"""Codat's query language, parsed into a small tree.

Grammar (``&&`` binds tighter than ``||``; ``(...)`` and Codat's ``{...}`` both group)::

    expression := conjunction ( "||" conjunction )*
    conjunction := term ( "&&" term )*
    term := "(" expression ")" | "{" expression "}" | comparison
    comparison := FIELD OPERATOR VALUE
    OPERATOR := "=" | "!=" | "~" | ">" | "<" | ">=" | "<="
    VALUE := '"' any text '"' | text up to the next && || ) }, not starting with = ! ~ < >

Parsing checks only the shape; which fields exist and what their values mean is decided
by whoever compiles the tree (``storage/query_sql.py``), so the error can name the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from expense_sync.domain.errors import MalformedQuery, Problem

OPERATORS = ("!=", ">=", "<=", "=", "~", ">", "<")
# A field is any run of characters that are not space, operators or brackets; whether it
# exists is the compiler's call (tag keys may hold '-', spaces aside, or non-ASCII letters).
_FIELD = re.compile(r"[^\s=!~<>&|(){}\"]+")
MAX_DEPTH = 32
_OPEN = {"(": ")", "{": "}"}
MAX_QUERY_LENGTH = 2000
_OPERATOR_CHARACTERS = set("=!~<>")


@dataclass(frozen=True)
class Comparison:
    field: str
    operator: str
    value: str
    position: int


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Comparison | AllOf | AnyOf
R = TypeVar("R")


def fold(
    node: Node,
    leaf: Callable[[Comparison], R],
    every: Callable[[list[R]], R],
    some: Callable[[list[R]], R],
) -> R:
    """Walk a query once: ``leaf`` turns each comparison into a result, ``every`` combines
    the parts of an ``&&`` group and ``some`` those of an ``||`` group. SQL compilation,
    the tag filter and in-memory filtering are all folds of the same tree."""
    if isinstance(node, Comparison):
        return leaf(node)
    parts = [fold(part, leaf, every, some) for part in node.parts]
    return every(parts) if isinstance(node, AllOf) else some(parts)


def malformed(message: str, parameter: str = "query") -> MalformedQuery:
    return MalformedQuery(message, [Problem(parameter, message, "query-language")])


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def fail(self, what: str, fix: str = "") -> MalformedQuery:
        shown = self.text[self.pos : self.pos + 20] or "the end of the query"
        return malformed(f"{what} at position {self.pos + 1} (near '{shown}').{fix}")

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at(self, token: str) -> bool:
        self.skip_spaces()
        return self.text.startswith(token, self.pos)

    def parse(self) -> Node:
        node = self.expression()
        self.skip_spaces()
        if self.pos != len(self.text):
            raise self.fail("Expected && or || between conditions")
        return node

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.at("||"):
            self.pos += 2
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.term()]
        while self.at("&&"):
            self.pos += 2
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def term(self) -> Node:
        self.skip_spaces()
        opener = self.text[self.pos : self.pos + 1]
        if opener in _OPEN:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"Groups nest deeper than {MAX_DEPTH} levels")
            self.pos += 1
            node = self.expression()
            self.depth -= 1
            if not self.at(_OPEN[opener]):
                raise self.fail(f"Expected '{_OPEN[opener]}' to close the group")
            self.pos += 1
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        self.skip_spaces()
        start = self.pos
        match = _FIELD.match(self.text, self.pos)
        if not match:
            raise self.fail("Expected a field name")
        self.pos = match.end()
        self.skip_spaces()
        operator = next((op for op in OPERATORS if self.text.startswith(op, self.pos)), None)
        if operator is None:
            raise self.fail(f"Expected one of {' '.join(OPERATORS)} after '{match.group()}'")
        self.pos += len(operator)
        return Comparison(match.group(), operator, self.value(), start + 1)

    def value(self) -> str:
        self.skip_spaces()
        if self.text.startswith('"', self.pos):
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.fail("Unterminated quoted value")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        if self.text[self.pos : self.pos + 1] in _OPERATOR_CHARACTERS:
            # ``name==x`` or ``name=>x``: a doubled or misplaced operator, not a value that
            # starts with '=' (which would quietly match nothing).
            raise self.fail(
                "Expected a value but found another operator",
                " Put one operator between a field and its value, and quote a value that "
                'starts with an operator character (name="=x").',
            )
        end = len(self.text)
        for stop in ("&&", "||", ")", "}"):
            found = self.text.find(stop, self.pos)
            if found >= 0:
                end = min(end, found)
        value = self.text[self.pos : end].strip()
        if not value:
            raise self.fail("Expected a value")
        self.pos = end
        return value


def parse_query(text: str) -> Node:
    """Parse a Codat ``query`` string; raise ``MalformedQuery`` saying what and where."""
    if len(text) > MAX_QUERY_LENGTH:
        raise malformed(f"The query is longer than {MAX_QUERY_LENGTH} characters.")
    if not text.strip():
        raise malformed("The query is empty; leave the parameter out to list everything.")
    return _Parser(text).parse()


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool


def parse_order_by(text: str) -> list[Ordering]:
    """``orderBy=name`` or ``-created``; several fields separated by commas."""
    orderings = []
    for raw in text.split(","):
        item = raw.strip()
        descending = item.startswith("-")
        name = item[1:].strip() if descending else item
        if not _FIELD.fullmatch(name):
            raise malformed(
                f"orderBy '{text}' is not valid: use a field name, with '-' before it "
                "for descending order.",
                "orderBy",
            )
        orderings.append(Ordering(name, descending))
    return orderings
