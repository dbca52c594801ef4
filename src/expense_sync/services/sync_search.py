"""The Sync Health read model, part 1: finding syncs across all of a client's companies.

One search serves the dashboard's history page and the ``GET /syncs`` extension, so the
two always agree. A search combines Codat's query language (over ``SYNC_FIELDS``) with
the filters a person types or picks on the page (``SyncFilter``); both only ever narrow
the client's own companies, so no filter can reach another client's syncs.

The queries are shaped for the indexes of migration 0010: newest first walks
``ix_syncs_requested`` (or ``ix_syncs_status_requested`` under a status filter), a
company search walks ``ix_syncs_company_requested``, and an id is a primary-key look-up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST
from expense_sync.domain.syncs import REASONS, SUCCESS, status_text, visible_code
from expense_sync.storage.models import Company, Connection, Sync
from expense_sync.storage.query_sql import (
    Page,
    PageRequest,
    QueryField,
    order_clauses,
    where_clause,
)

SORTS = {
    "start": "-requestedUtc",
    "start-asc": "requestedUtc",
    "duration": "-durationMs",
    "duration-asc": "durationMs",
    "company": "companyName",
    "company-desc": "-companyName",
    "status": "syncStatusCode",
    "status-desc": "-syncStatusCode",
}


@dataclass(frozen=True)
class SyncFilter:
    """What a person asks on the history page. ``search`` is a sync id, a company id or
    (part of) a company name; dates bound when the sync was requested, ``until``
    exclusive."""

    search: str = ""
    status_codes: tuple[int, ...] = ()
    platform: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class SyncRow:
    """One sync as the history lists it."""

    id: uuid.UUID
    company_id: uuid.UUID
    company_name: str
    status_code: int
    requested: datetime
    started: datetime | None
    completed: datetime | None
    data_pushed: bool
    error_message: str | None
    exception_message: str | None
    platform_key: str | None
    retry_of_id: uuid.UUID | None
    status: str = field(init=False)

    def __post_init__(self) -> None:
        code = visible_code(self.status_code, self.started, datetime.now(UTC))
        object.__setattr__(self, "status_code", code)
        object.__setattr__(self, "status", status_text(code))

    @property
    def reason(self) -> str:
        """Codat's reason for the code (``status`` is its ``syncStatus``, "Complete" for
        both kinds of success), as the dashboard labels a sync."""
        return REASONS.get(self.status_code, "Unknown")

    @property
    def duration(self) -> timedelta | None:
        if self.started is None or self.completed is None:
            return None
        return self.completed - self.started

    @property
    def succeeded(self) -> bool:
        return self.status_code in SUCCESS

    @property
    def running(self) -> bool:
        return self.completed is None


def platform_of_company() -> Any:
    """The platform key of a company's first accounting connection (not the partner
    expense one), as a correlated subquery of the sync's company."""
    return (
        select(Connection.platform_key)
        .where(
            Connection.company_id == Sync.company_id,
            Connection.platform_key != PARTNER_EXPENSE_MANIFEST.key,
        )
        .order_by(Connection.created)
        .limit(1)
        .scalar_subquery()
    )


def duration_ms(session: Session) -> Any:
    """Milliseconds from start to completion, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Sync.completed - Sync.started) * 1000
    return (func.julianday(Sync.completed) - func.julianday(Sync.started)) * 86_400_000


def sync_fields(session: Session) -> dict[str, QueryField]:
    """The fields ``GET /syncs`` queries and orders by, named as its results are."""
    return {
        "id": QueryField(Sync.id, "uuid"),
        "syncId": QueryField(Sync.id, "uuid"),
        "companyId": QueryField(Sync.company_id, "uuid"),
        "companyName": QueryField(Company.name),
        "syncStatusCode": QueryField(Sync.status_code, "int"),
        "dataPushed": QueryField(Sync.data_pushed, "bool"),
        "requestedUtc": QueryField(Sync.requested, "datetime"),
        "startedUtc": QueryField(Sync.started, "datetime"),
        "completedUtc": QueryField(Sync.completed, "datetime"),
        "durationMs": QueryField(duration_ms(session), "int"),
        "platformKey": QueryField(platform_of_company()),
        "retryOfSyncId": QueryField(Sync.retry_of_id, "uuid"),
    }


def client_syncs(client_id: uuid.UUID) -> Any:
    """The columns of a ``SyncRow``, for the client's syncs only."""
    return (
        select(
            Sync.id,
            Sync.company_id,
            Company.name,
            Sync.status_code,
            Sync.requested,
            Sync.started,
            Sync.completed,
            Sync.data_pushed,
            Sync.error_message,
            Sync.exception_message,
            platform_of_company(),
            Sync.retry_of_id,
        )
        .join(Company, Company.id == Sync.company_id)
        .where(Company.client_id == client_id)
    )


def filter_conditions(wanted: SyncFilter) -> list[ColumnElement[bool]]:
    """The page's filters as conditions on ``Sync`` and ``Company``."""
    conditions: list[ColumnElement[bool]] = []
    text = wanted.search.strip()
    if text:
        as_id = _uuid(text)
        if as_id is not None:
            conditions.append(or_(Sync.id == as_id, Sync.company_id == as_id))
        else:
            conditions.append(func.lower(Company.name).contains(text.lower(), autoescape=True))
    if wanted.status_codes:
        conditions.append(_status_in(wanted.status_codes))
    if wanted.platform:
        conditions.append(platform_of_company() == wanted.platform)
    if wanted.since is not None:
        conditions.append(Sync.requested >= wanted.since)
    if wanted.until is not None:
        conditions.append(Sync.requested < wanted.until)
    return conditions


def _status_in(codes: tuple[int, ...]) -> ColumnElement[bool]:
    """1010 is how a 1000 sync running over ten minutes reads; it is stored as 1000."""
    stored = {1000 if code == 1010 else code for code in codes}
    return Sync.status_code.in_(sorted(stored)) if stored else false()


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def search_syncs(
    session: Session,
    client_id: uuid.UUID,
    request: PageRequest,
    wanted: SyncFilter = SyncFilter(),
) -> Page[SyncRow]:
    """A page of the client's syncs, newest first unless ``request.order_by`` says
    otherwise; ``request.query`` is Codat's query language over ``sync_fields``."""
    fields = sync_fields(session)
    conditions = filter_conditions(wanted)
    query = where_clause(request.query, fields)
    if query is not None:
        conditions.append(query)
    statement = (
        client_syncs(client_id).where(and_(*conditions)) if conditions else client_syncs(client_id)
    )
    counted = (
        select(func.count())
        .select_from(Sync)
        .join(Company, Company.id == Sync.company_id)
        .where(Company.client_id == client_id, *conditions)
    )
    total = int(session.scalar(counted) or 0)
    ordering = order_clauses(request.order_by, fields, [Sync.requested.desc(), Sync.id.desc()])
    rows = session.execute(
        statement.order_by(*ordering)
        .offset((request.page - 1) * request.page_size)
        .limit(request.page_size)
    ).all()
    return Page([SyncRow(*row) for row in rows], request.page, request.page_size, total)


def find_sync_row(session: Session, client_id: uuid.UUID, sync_id: str) -> SyncRow | None:
    """The client's sync by its id as typed (any case, with or without dashes); ``None``
    for an unknown, malformed or another client's id."""
    wanted = _uuid(sync_id.strip())
    if wanted is None:
        return None
    row = session.execute(client_syncs(client_id).where(Sync.id == wanted)).first()
    return None if row is None else SyncRow(*row)


def status_choices() -> list[tuple[int, str]]:
    """Every status code a sync can show, with Codat's reason, for the status filter."""
    return sorted(REASONS.items())
