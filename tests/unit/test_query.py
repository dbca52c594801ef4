from __future__ import annotations

import pytest

from expense_sync.domain.errors import MalformedQuery
from expense_sync.domain.query import AllOf, AnyOf, Comparison, parse_order_by, parse_query


def test_single_comparison_keeps_spaces_inside_the_value() -> None:
    assert parse_query("name = My Test Company") == Comparison("name", "=", "My Test Company", 1)


@pytest.mark.parametrize("operator", ["=", "!=", "~", ">", "<", ">=", "<="])
def test_every_operator(operator: str) -> None:
    node = parse_query(f"created{operator}2024-01-01")
    assert isinstance(node, Comparison)
    assert (node.operator, node.value) == (operator, "2024-01-01")


def test_and_binds_tighter_than_or() -> None:
    node = parse_query("a=1||b=2&&c=3")
    assert isinstance(node, AnyOf)
    assert node.parts[0] == Comparison("a", "=", "1", 1)
    assert isinstance(node.parts[1], AllOf)


@pytest.mark.parametrize("group", ["(a=1||b=2)&&c=3", "{a=1||b=2}&&c=3"])
def test_parentheses_and_codat_braces_group(group: str) -> None:
    node = parse_query(group)
    assert isinstance(node, AllOf)
    assert isinstance(node.parts[0], AnyOf)


def test_quoted_values_may_hold_operators() -> None:
    node = parse_query('name="A && B (UK)"')
    assert node == Comparison("name", "=", "A && B (UK)", 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name", "Expected one of"),
        ("=x", "Expected a field name at position 1"),
        ("name=", "Expected a value"),
        ("(name=a", "Expected ')'"),
        ("name=a && ", "Expected a field name"),
        ('name="open', "Unterminated quoted value"),
        ("a=1 )", "Expected && or ||"),
        ("name==", "Expected a value but found another operator at position 6"),
        ("name==Acme", "Expected a value but found another operator"),
        ("name=>x", "quote a value that starts with an operator character"),
        ("name!==x", "Expected a value but found another operator"),
        ("", "The query is empty"),
    ],
)
def test_malformed_queries_say_what_and_where(text: str, expected: str) -> None:
    with pytest.raises(MalformedQuery) as caught:
        parse_query(text)
    assert expected in caught.value.message
    assert caught.value.problems[0].item == "query"


def test_order_by_descending_and_several_fields() -> None:
    orderings = parse_order_by("-created,name")
    assert [(o.field, o.descending) for o in orderings] == [("created", True), ("name", False)]


def test_order_by_rejects_garbage() -> None:
    with pytest.raises(MalformedQuery, match="orderBy"):
        parse_order_by("name; drop table")


def test_a_value_starting_with_an_operator_character_is_quoted() -> None:
    assert parse_query('name="=x"') == Comparison("name", "=", "=x", 1)
    assert parse_query("created>=2024-01-01") == Comparison("created", ">=", "2024-01-01", 1)
