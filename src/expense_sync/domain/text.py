"""Text every store can keep: no NUL characters, no unpaired surrogates.

PostgreSQL refuses NUL in text and UTF-8 cannot encode a lone surrogate; both arrive
easily in JSON (``"\\u0000"``, ``"\\ud800"``). They are refused at the edge with the
field's name, so they can never reach a database or a ledger file.
"""

from __future__ import annotations

from typing import Any

from expense_sync.domain.errors import InvalidRequest, Problem


def unstorable_text(value: Any, where: str) -> list[Problem]:
    if isinstance(value, str):
        if "\x00" in value:
            return [Problem(where, f"{where} contains a NUL character (\\u0000); remove it.")]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [Problem(where, f"{where} contains an unpaired surrogate; send valid UTF-8.")]
        return []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{where}.{printable(str(key))}" if where else printable(str(key))
            found += unstorable_text(str(key), name) + unstorable_text(item, name)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in unstorable_text(item, f"{where}[{i}]")]
    return []


def printable(text: str) -> str:
    """``text`` made safe to echo in an error: bad characters shown as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def require_storable(value: Any, where: str) -> None:
    problems = unstorable_text(value, where)
    if problems:
        raise InvalidRequest(problems[0].message, problems)
