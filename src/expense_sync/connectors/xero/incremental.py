"""Large Xero collections kept current with ``If-Modified-Since`` instead of re-read.

A sync reads the company's contacts to check the references of its transactions; an
organisation may hold thousands, i.e. tens of pages at 100 a page, on every sync. The
process keeps each tenant's copy and asks Xero only for what changed since its last
read (Xero stamps ``UpdatedDateUTC`` on every change, and contacts are archived, never
deleted, so a change always shows up). The moment asked from is taken a minute before
the previous read began, so a clock a little off from Xero's loses nothing.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from expense_sync.connectors.xero.api import ID_FIELD, XeroApi

MARGIN = timedelta(seconds=60)
INCREMENTAL = ("Contacts",)


class ChangedSince:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], tuple[datetime, dict[str, dict[str, Any]]]] = {}

    def read(self, api: XeroApi, tenant: str, collection: str) -> list[dict[str, Any]]:
        key = (tenant, collection)
        started = datetime.now(UTC)
        with self._lock:
            held = self._held.get(key)
        id_field = ID_FIELD[collection]
        if held is None:
            by_id = {str(r[id_field]): r for r in api.get_all(collection)}
        else:
            since, previous = held
            changed = api.get_all(collection, modified_since=since)
            by_id = {**previous, **{str(r[id_field]): r for r in changed}}
        with self._lock:
            self._held[key] = (started - MARGIN, by_id)
        return list(by_id.values())


CHANGED_SINCE = ChangedSince()  # one per process, shared by its sessions
