"""The create/update model for a writable data type: one declaration that both renders
Codat's ``PushOption`` tree (``GET .../options/{dataType}``) and validates a push before
anything is written, so the documented rules and the enforced rules cannot drift apart.
"""

from __future__ import annotations

import re
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

    def as_push_option(self) -> dict[str, Any]:
        option: dict[str, Any] = {
            "type": self.kind,
            "displayName": self.display_name,
            "description": self.description or self.display_name,
            "required": self.required,
        }
        if self.choices:
            option["options"] = [
                {"value": c, "type": "String", "displayName": c, "required": False}
                for c in self.choices
            ]
        if self.children:
            option["properties"] = {c.name: c.as_push_option() for c in self.children}
        return option


def check_fields(
    rules: tuple[FieldRule, ...], record: dict[str, Any], prefix: str
) -> list[Problem]:
    return [p for rule in rules for p in rule.check(record.get(rule.name), prefix + rule.name)]


@dataclass(frozen=True)
class PushModel:
    data_type: str
    display_name: str
    fields: tuple[FieldRule, ...]
    read_only: tuple[str, ...] = field(default=("id", "modifiedDate", "sourceModifiedDate"))

    def problems(self, record: dict[str, Any]) -> list[Problem]:
        known = (
            {rule.name for rule in self.fields}
            | set(self.read_only)
            | {
                "metadata",
                "supplementalData",
                "status",
                "validDatatypeLinks",
                "currentBalance",
                "balance",
                "availableBalance",
            }
        )
        unknown = [  # a null one says nothing, so it is let through
            Problem(name, f"{name} is not a field of {self.data_type}; remove it.", "push-model")
            for name, value in record.items()
            if name not in known and value is not None
        ]
        return unknown + check_fields(self.fields, record, "")

    def as_push_option(self) -> dict[str, Any]:
        return {
            "type": "Object",
            "displayName": self.display_name,
            "description": f"Fields to create or update a record in {self.data_type}.",
            "required": True,
            "properties": {rule.name: rule.as_push_option() for rule in self.fields},
        }
