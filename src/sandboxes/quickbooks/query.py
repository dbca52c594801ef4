"""QuickBooks' query language, the subset a connector uses.

``select * | count(*) from Entity [where cond (and cond)*] [orderby field [asc|desc][, ...]]
[startposition n] [maxresults m]``; a condition is ``field op value`` with ``=``, ``<``,
``>``, ``<=``, ``>=``, ``!=``, ``in ('a', 'b')`` or ``like '%text%'``. Keywords are case-blind,
there is no ``or`` (QuickBooks has none). Fields are the entity's (``MetaData.LastUpdatedTime``
reaches inside); only fields QuickBooks lets a query filter on are accepted.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandboxes.quickbooks.wire import QUERY_PARSER, QboError

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d+(?:\.\d+)?))"
)

# Fields QuickBooks' query accepts in a where clause, beyond these on every entity.
COMMON = {"Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"}
NAMES = {"Name", "Active", "FullyQualifiedName", "DisplayName", "GivenName", "FamilyName"}
TXNS = {"DocNumber", "TxnDate", "TotalAmt", "CurrencyRef", "DepartmentRef"}
FILTERABLE: dict[str, set[str]] = {
    "Account": NAMES
    | {"AccountType", "Classification", "AccountSubType", "AcctNum", "CurrencyRef"},
    "Vendor": NAMES | {"CompanyName", "CurrencyRef"},
    "Customer": NAMES | {"CompanyName"},
    "Employee": NAMES,
    "Class": NAMES,
    "Department": NAMES,
    "TaxCode": NAMES,
    "TaxRate": NAMES,
    "CompanyInfo": set(),
    "Preferences": set(),
    "Purchase": TXNS | {"PaymentType", "EntityRef", "AccountRef", "Credit"},
    "Deposit": TXNS | {"DepositToAccountRef"},
    "Transfer": TXNS | {"FromAccountRef", "ToAccountRef", "Amount"},
    "Bill": TXNS | {"VendorRef", "DueDate", "Balance"},
    "BillPayment": TXNS | {"VendorRef"},
    "JournalEntry": TXNS,
    "Attachable": {
        "FileName",
        "ContentType",
        "AttachableRef.EntityRef.Type",
        "AttachableRef.EntityRef.value",
    },
}


_OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass
class Condition:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = 100


def _fail(detail: str) -> QboError:
    return QboError(QUERY_PARSER, "Error parsing query", f"QueryParserError: {detail}")


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        matched = _TOKEN.match(text, position)
        if matched is None or matched.end() == position:
            raise _fail(f'Encountered "{text[position : position + 10]}" at column {position + 1}')
        kind = matched.lastgroup or ""
        found.append((kind, matched.group(kind)))
        position = matched.end()
    return found


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.lower() == word:
            self.at += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise _fail(f'expected {word.upper()}, found "{self.peek()[1]}"')

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("\\'", "'")
        if kind == "number":
            return Decimal(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise _fail(f'expected a value, found "{text}"')

    def integer(self) -> int:
        kind, text = self.take()
        if kind != "number" or not text.isdigit():
            raise _fail(f'expected a number, found "{text}"')
        return int(text)


def parse(text: str, entities: dict[str, str], max_results: int) -> Query:
    """``text`` as a Query; ``entities`` maps lower-case names to QuickBooks' spelling."""
    reader = _Reader(_tokens(text))
    reader.expect("select")
    count = False
    if reader.keyword("count"):
        if [reader.take()[1] for _ in range(3)] != ["(", "*", ")"]:
            raise _fail("count takes (*)")
        count = True
    elif reader.take()[1] != "*":
        raise _fail("only select * and select count(*) are supported")
    reader.expect("from")
    kind, name = reader.take()
    entity = entities.get(name.lower()) if kind == "word" else None
    if entity is None:
        raise _fail(f"Invalid table name: {name}")
    query = Query(entity, count)
    if reader.keyword("where"):
        query.where.append(_condition(reader, entity))
        while reader.keyword("and"):
            query.where.append(_condition(reader, entity))
    if reader.keyword("orderby") or (reader.keyword("order") and reader.keyword("by")):
        while True:
            kind, name = reader.take()
            descending = reader.keyword("desc")
            if not descending:
                reader.keyword("asc")
            query.order.append((name, descending))
            if reader.peek() != ("punct", ","):
                break
            reader.take()
    if reader.keyword("startposition"):
        query.start = max(1, reader.integer())
    if reader.keyword("maxresults"):
        query.max_results = reader.integer()
        if query.max_results > max_results:
            raise _fail(f"MAXRESULTS must be at most {max_results}")
    if reader.peek()[0] != "end":
        raise _fail(f'Encountered "{reader.peek()[1]}"')
    return query


def _condition(reader: _Reader, entity: str) -> Condition:
    kind, name = reader.take()
    if kind != "word":
        raise _fail(f'expected a property, found "{name}"')
    if name not in COMMON | FILTERABLE.get(entity, set()):
        raise QboError(
            "4001",
            "Invalid query",
            f"QueryValidationError: property '{name}' is not queryable",
        )
    if reader.keyword("in"):
        if reader.take()[1] != "(":
            raise _fail("IN takes a list in parentheses")
        values = [reader.value()]
        while reader.peek() == ("punct", ","):
            reader.take()
            values.append(reader.value())
        if reader.take()[1] != ")":
            raise _fail("IN list not closed")
        return Condition(name, "in", values)
    if reader.keyword("like"):
        return Condition(name, "like", [reader.value()])
    kind, op = reader.take()
    if kind != "op":
        raise _fail(f'expected an operator after {name}, found "{op}"')
    return Condition(name, op, [reader.value()])


def _field(record: Any, path: str) -> Any:
    """The value at ``path``; through a list (``AttachableRef``), the list of values."""
    value: Any = record
    for position, part in enumerate(path.split(".")):
        if isinstance(value, list):
            rest = ".".join(path.split(".")[position:])
            return [_field(item, rest) for item in value]
        if isinstance(value, dict) and part not in value and part.lower() == "type":
            part = "type"
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict) and "value" in value:  # a reference compares by its id
        value = value["value"]
    return value


def _comparable(value: Any, wanted: Any) -> tuple[Any, Any]:
    if isinstance(wanted, Decimal):
        try:
            return Decimal(str(value)), wanted
        except ArithmeticError:
            return None, wanted
    if isinstance(wanted, str) and isinstance(value, str):
        moments = _moment(value), _moment(wanted)
        if moments[0] is not None and moments[1] is not None:
            return moments
        return value.casefold(), wanted.casefold()
    return value, wanted


def _matches(record: dict[str, Any], condition: Condition) -> bool:
    value = _field(record, condition.field)
    if isinstance(value, list):
        return any(_holds(item, condition) for item in value)
    return _holds(value, condition)


def _moment(text: str) -> datetime | None:
    """A date-time with its offset (``MetaData.LastUpdatedTime``), compared as an instant."""
    if "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _holds(value: Any, condition: Condition) -> bool:
    if value is None:
        return False
    if condition.op == "in":
        return any(_comparable(value, w)[0] == _comparable(value, w)[1] for w in condition.values)
    if condition.op == "like":
        pattern = "".join(
            ".*" if part == "%" else re.escape(part)
            for part in re.split("(%)", str(condition.values[0]))
        )
        return re.fullmatch(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
    have, wanted = _comparable(value, condition.values[0])
    if have is None:
        return False
    try:
        return bool(_OPERATORS[condition.op](have, wanted))
    except TypeError:
        return False


def run(query: Query, records: list[dict[str, Any]], *, name_list: bool = False) -> dict[str, Any]:
    """The ``QueryResponse`` QuickBooks answers for ``query`` over ``records``.

    A name list (accounts, vendors ...) answers only active records unless the query
    names ``Active`` (QuickBooks: ``where Active in (true, false)`` to see all)."""
    found = [r for r in records if all(_matches(r, c) for c in query.where)]
    if name_list and not any(c.field == "Active" for c in query.where):
        found = [r for r in found if r.get("Active", True)]
    if query.count:
        return {"totalCount": len(found)}
    for name, descending in reversed(query.order):
        found.sort(key=lambda r: _sort_key(_field(r, name)), reverse=descending)
    page = found[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (1, Decimal(str(value)))
    return (2, str(value).casefold())
