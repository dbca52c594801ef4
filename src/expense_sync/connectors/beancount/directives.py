"""Beancount text for the directives expense-sync writes.

Accounts are ``open`` directives; suppliers, customers, tax rates and tracking categories
are ``custom`` directives whose second value is the record's stable id, with the record's
fields as metadata. Metadata values are always strings, escaped for Beancount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def quote(value: str) -> str:
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _meta_lines(meta: Mapping[str, str | None]) -> list[str]:
    return [f"  {key}: {quote(value)}" for key, value in meta.items() if value is not None]


def open_account(
    date: str, account: str, currencies: Iterable[str], meta: Mapping[str, str | None]
) -> str:
    header = f"{date} open {account} {','.join(currencies)}".rstrip()
    return "\n".join([header, *_meta_lines(meta)]) + "\n"


def custom(date: str, kind: str, record_id: str, meta: Mapping[str, str | None]) -> str:
    return "\n".join([f"{date} custom {quote(kind)} {quote(record_id)}", *_meta_lines(meta)]) + "\n"
