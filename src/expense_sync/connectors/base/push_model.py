"""The create/update model for a writable data type: one declaration that both renders
Codat's ``PushOption`` tree (``GET .../options/{dataType}``) and validates a push before
anything is written, so the documented rules and the enforced rules cannot drift apart.

Every field of Codat's schema for the type is known (``codat_fields``): a field with a
rule is checked; a read-only one (``id``, ``metadata``…) is ignored; any other is one the
platform cannot store, and a value sent there comes back as a warning on the push
operation (``validation.warnings``) naming it, never as "not a field". Only a name that is
in none of Codat's schemas is refused as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from expense_sync.domain.errors import Problem

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class FieldRule:
    name: str
    display_name: str
    kind: str = "String"  # String | Number | Boolean | Object | Array
    required: bool = False
    description: str = ""
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_hint: str = ""
    is_currency: bool = False
    children: tuple[FieldRule, ...] = ()
    information: str = ""  # shown as the option's validation.information
    # Options listed from the books but not enforced here (the connector checks them):
    # the data type read from the cache, and what to list from its records.
    listed_from: tuple[str, Callable[[list[dict[str, Any]]], Iterable[str]]] | None = None

    def check(self, value: Any, path: str) -> list[Problem]:
        if value is None:
            return [Problem(path, f"{path} is required.", "push-model")] if self.required else []
        checker = {
            "String": self._check_string,
            "Number": self._check_number,
            "Boolean": self._check_boolean,
            "Object": self._check_object,
            "Array": self._check_array,
        }[self.kind]
        return checker(value, path)

    def _check_string(self, value: Any, path: str) -> list[Problem]:
        if not isinstance(value, str):
            return [Problem(path, f"{path} must be text.", "push-model")]
        if self.required and not value.strip():
            return [Problem(path, f"{path} must not be empty.", "push-model")]
        if self.max_length is not None and len(value) > self.max_length:
            return [
                Problem(path, f"{path} must be at most {self.max_length} characters.", "push-model")
            ]
        if self.choices and value not in self.choices:
            return [
                Problem(path, f"{path} must be one of {', '.join(self.choices)}.", "push-model")
            ]
        if self.is_currency and not _CURRENCY.fullmatch(value):
            return [Problem(path, f"{path} must be an ISO 4217 code such as USD.", "push-model")]
        if self.pattern and not re.fullmatch(self.pattern, value):
            return [Problem(path, f"{path} {self.pattern_hint}", "push-model")]
        return []

    def _check_number(self, value: Any, path: str) -> list[Problem]:
        if isinstance(value, bool):
            return [Problem(path, f"{path} must be a number.", "push-model")]
        try:
            Decimal(str(value))
        except InvalidOperation:
            return [Problem(path, f"{path} must be a number.", "push-model")]
        return []

    def _check_boolean(self, value: Any, path: str) -> list[Problem]:
        return (
            []
            if isinstance(value, bool)
            else [Problem(path, f"{path} must be true or false.", "push-model")]
        )

    def _check_object(self, value: Any, path: str) -> list[Problem]:
        if not isinstance(value, dict):
            return [Problem(path, f"{path} must be an object.", "push-model")]
        return check_fields(self.children, value, f"{path}.")

    def _check_array(self, value: Any, path: str) -> list[Problem]:
        if not isinstance(value, list):
            return [Problem(path, f"{path} must be a list.", "push-model")]
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                found.append(Problem(f"{path}[{index}]", "must be an object.", "push-model"))
            else:
                found += check_fields(self.children, item, f"{path}[{index}].")
        return found

    def as_push_option(self, listed: tuple[str, ...] = ()) -> dict[str, Any]:
        option: dict[str, Any] = {
            "type": self.kind,
            "displayName": self.display_name,
            "description": self.description or self.display_name,
            "required": self.required,
        }
        if self.choices or listed:
            option["options"] = [
                {"value": c, "type": "String", "displayName": c, "required": False}
                for c in self.choices or listed
            ]
        if self.children:
            option["properties"] = {c.name: c.as_push_option() for c in self.children}
        if self.information:
            option["validation"] = {
                "warnings": [],
                "information": [{"field": self.name, "details": self.information}],
            }
        return option


def check_fields(
    rules: tuple[FieldRule, ...], record: dict[str, Any], prefix: str
) -> list[Problem]:
    return [p for rule in rules for p in rule.check(record.get(rule.name), prefix + rule.name)]


READ_ONLY = ("id", "modifiedDate", "sourceModifiedDate", "metadata", "validDatatypeLinks")


def _says_something(value: Any) -> bool:
    """Whether a value not stored would be lost: null, false, zero and empty say nothing."""
    return value not in (None, False, 0, "", [], {})


@dataclass(frozen=True)
class PushModel:
    data_type: str
    display_name: str
    fields: tuple[FieldRule, ...]
    codat_fields: tuple[str, ...] = ()  # every field of Codat's schema for the type
    platform: str = "This platform"
    read_only: tuple[str, ...] = field(default=READ_ONLY)
    checks: tuple[Callable[[dict[str, Any]], list[Problem]], ...] = ()  # across fields

    def problems(self, record: dict[str, Any]) -> list[Problem]:
        known = {rule.name for rule in self.fields} | set(self.read_only) | set(self.codat_fields)
        unknown = [  # a null one says nothing, so it is let through
            Problem(
                name,
                f"{name} is not a field of Codat's {self.data_type}; remove it.",
                "push-model",
            )
            for name, value in record.items()
            if name not in known and value is not None
        ]
        found = unknown + check_fields(self.fields, record, "")
        if not found:
            found = [p for check in self.checks for p in check(record)]
        return found

    def warnings(self, record: dict[str, Any]) -> list[Problem]:
        """Codat's fields the platform cannot store, sent with a value that would be lost."""
        stored = {rule.name for rule in self.fields} | set(self.read_only)
        return [
            Problem(
                name,
                f"{self.platform} cannot store {name}; the record was written without it.",
                "push-model",
            )
            for name in self.codat_fields
            if name not in stored and _says_something(record.get(name))
        ]

    def stored_part(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record less the fields the platform does not store."""
        stored = {rule.name for rule in self.fields} | {"id"}
        return {name: value for name, value in record.items() if name in stored}

    def listed_sources(self) -> dict[str, str]:
        """Field name -> the data type its listed options are read from."""
        return {r.name: r.listed_from[0] for r in self.fields if r.listed_from is not None}

    def as_push_option(
        self, books: dict[str, list[dict[str, Any]]] | None = None
    ) -> dict[str, Any]:
        """Codat's PushOption; ``books`` (cached records by data type) fills the options
        listed from the books, such as the chart's account categories."""

        def listed(rule: FieldRule) -> tuple[str, ...]:
            if rule.listed_from is None or books is None:
                return ()
            data_type, pick = rule.listed_from
            return tuple(sorted(set(pick(books.get(data_type, [])))))

        return {
            "type": "Object",
            "displayName": self.display_name,
            "description": f"Fields to create or update a record in {self.data_type}.",
            "required": True,
            "properties": {rule.name: rule.as_push_option(listed(rule)) for rule in self.fields},
        }
