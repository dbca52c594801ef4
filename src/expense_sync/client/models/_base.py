"""The base every SDK model shares, and the money type.

Fields are snake_case in Python and camelCase on the wire (``by_alias`` when sending,
either spelling accepted when building). Unknown fields are kept (``extra="allow"``), so
an SDK older than the server neither drops nor rejects what the server added.

Money is ``Decimal`` in Python and a JSON number on the wire, as the contract says.
Python's float ``repr`` is the shortest string that round-trips, so a decimal of up to 15
significant digits leaves as exactly the digits it was given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[Decimal, PlainSerializer(_json_number, when_used="json")]


class Model(BaseModel):
    """An object of the API: camelCase aliases, extra fields kept."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Links(Model):
    """HAL links of a page (``_links``)."""

    self_: dict[str, Any] | None = Field(None, alias="self")
    current: dict[str, Any] | None = None
    next: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None


class Ref(Model):
    """A reference to a record by id (``accountRef``, ``taxRateRef``, ``bankAccount`` ...)."""

    id: str | None = None


class ValidationItem(Model):
    item_id: str | None = None
    message: str | None = None
    validator_name: str | None = None


class Validation(Model):
    errors: list[ValidationItem] | None = None
    warnings: list[ValidationItem] | None = None
