"""Xero's wire forms: ``/Date(ms+0000)/`` dates, money as JSON numbers, JSON bodies."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def ms_date(moment: datetime | date) -> str:
    """Xero's JSON date: milliseconds since the epoch, ``/Date(1706659200000+0000)/``."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    millis = int(moment.timestamp() * 1000)
    return f"/Date({millis}+0000)/"


def date_string(day: date) -> str:
    """Xero's ``DateString``: the same date as ISO, ``2024-01-31T00:00:00``."""
    return f"{day.isoformat()}T00:00:00"


def parse_date(value: object) -> date | None:
    """A date as Xero accepts it on input: ISO (``2024-01-31``, with a time or not) or
    ``/Date(...)/``. None when it is neither."""
    if not isinstance(value, str):
        return None
    matched = _MS_DATE.match(value)
    if matched:
        return datetime.fromtimestamp(int(matched.group(1)) / 1000, tz=UTC).date()
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def parse_moment(value: str) -> datetime | None:
    """An ``If-Modified-Since`` value (ISO, naive read as UTC)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def money(value: object) -> Decimal | None:
    """An amount from a JSON body, exactly (Decimal); None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def number(value: Decimal) -> float | int:
    """An amount for a JSON answer (Xero sends numbers, not strings)."""
    quantized = cents(value)
    return int(quantized) if quantized == quantized.to_integral() else float(quantized)


def exact(value: Decimal) -> float | int:
    """A quantity or unit price as sent (Xero keeps up to 4 decimals with ``unitdp=4``)."""
    return int(value) if value == value.to_integral() else float(value)


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
