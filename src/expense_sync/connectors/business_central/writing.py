"""Codat records pushed to Business Central: bank accounts (``bankAccounts``) and
suppliers and customers (``vendors``, ``customers``). G/L accounts cannot be created
through API v2.0 (``accounts`` is read-only there), so ``chartOfAccounts`` is not
writable on this platform.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record

MAX_NAME = 100  # BC's Name fields are Text[100]


def bank_account(record: Record) -> dict[str, Any]:
    return _drop_none(
        {
            "number": record.get("nominalCode"),
            "displayName": str(record["accountName"])[:MAX_NAME],
            "bankAccountNumber": record.get("accountNumber"),
            "iban": record.get("iBan"),
        }
    )


def contact(record: Record, name_field: str, *, replace: bool = False) -> dict[str, Any]:
    """A vendor's or customer's fields; with ``replace`` (an update), those left out are
    sent empty, since BC keeps what a PATCH leaves out."""
    address = (record.get("addresses") or [{}])[0] or {}
    body = _drop_none(
        {
            "displayName": str(record[name_field])[:MAX_NAME] if record.get(name_field) else None,
            "email": record.get("emailAddress"),
            "phoneNumber": record.get("phone"),
            "taxRegistrationNumber": record.get("taxNumber"),
            "addressLine1": address.get("line1"),
            "addressLine2": address.get("line2"),
            "city": address.get("city"),
            "state": address.get("region"),
            "country": address.get("country"),
            "postalCode": address.get("postalCode"),
            "blocked": "All" if record.get("status") == "Archived" else None,
        }
    )
    if replace:
        cleared = dict.fromkeys(
            (
                "email",
                "phoneNumber",
                "taxRegistrationNumber",
                "addressLine1",
                "addressLine2",
                "city",
                "state",
                "country",
                "postalCode",
            ),
            "",
        )
        body = {**cleared, "blocked": " ", **body}
    return body


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
