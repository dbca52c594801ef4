"""The Sync Health read model, part 3: totals over a period for the overview page.

Finished syncs come from the day totals (``services.sync_totals``: a few rows a day,
whatever the day holds), syncs still running from the syncs themselves (few, found by
``ix_syncs_unfinished_requested``). Everything else is summed here from those rows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import manifest_for
from expense_sync.domain.syncs import IN_PROGRESS, REASONS, SUCCESS
from expense_sync.storage.models import Company, Sync, SyncDayCount, SyncDayItems


@dataclass(frozen=True)
class Day:
    day: date
    succeeded: int = 0
    failed: int = 0
    in_progress: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.in_progress


@dataclass
class Overview:
    since: datetime
    until: datetime
    succeeded: int = 0
    failed: int = 0
    in_progress: int = 0
    transactions_synced: int = 0
    transactions_failed: int = 0
    value_by_currency: dict[str, Decimal] = field(default_factory=dict)
    days: list[Day] = field(default_factory=list)
    failures_by_code: list[tuple[str, int]] = field(default_factory=list)
    failures_by_platform: list[tuple[str, int]] = field(default_factory=list)

    @property
    def syncs(self) -> int:
        return self.succeeded + self.failed + self.in_progress


def period(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last ``days`` whole UTC days, today included."""
    today = (now or datetime.now(UTC)).date()
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), UTC)
    return start, datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Sync.requested))
    return func.date(Sync.requested)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def overview(session: Session, client_id: uuid.UUID, since: datetime, until: datetime) -> Overview:
    """The client's syncs requested in ``[since, until)`` (whole UTC days), summed for the
    overview: finished ones from the day totals, running ones from the syncs."""
    result = Overview(since, until)
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    by_day: dict[date, Counter[str]] = {}
    failures: Counter[int] = Counter()
    platforms: Counter[str | None] = Counter()
    finished = session.execute(
        select(
            SyncDayCount.day,
            SyncDayCount.status_code,
            SyncDayCount.platform_key,
            SyncDayCount.syncs,
        ).where(
            SyncDayCount.client_id == client_id,
            SyncDayCount.day >= first,
            SyncDayCount.day <= last,
        )
    )
    day = _day(session)
    running = session.execute(
        select(day, Sync.status_code, literal(""), func.count())
        .select_from(Sync)
        .join(Company, Company.id == Sync.company_id)
        .where(
            Company.client_id == client_id,
            Sync.completed.is_(None),
            Sync.requested >= since,
            Sync.requested < until,
        )
        .group_by(day, Sync.status_code)
    )
    for when, code, platform, count in [*finished, *running]:
        outcome = _outcome(code)
        setattr(result, outcome, getattr(result, outcome) + count)
        by_day.setdefault(_as_date(when), Counter())[outcome] += count
        if outcome == "failed":
            failures[code] += count
            platforms[platform or None] += count
    result.days = [
        Day(d, **by_day.get(d, Counter()))
        for d in (first + timedelta(n) for n in range((last - first).days + 1))
    ]
    result.failures_by_code = [
        (f"{code} {REASONS.get(code, 'Unknown')}", count) for code, count in failures.most_common()
    ]
    result.failures_by_platform = [
        (_platform_name(key), count) for key, count in platforms.most_common()
    ]
    items = session.execute(
        select(
            SyncDayItems.currency,
            func.sum(SyncDayItems.completed),
            func.sum(SyncDayItems.failed),
            func.sum(SyncDayItems.completed_total_e4),
        )
        .where(
            SyncDayItems.client_id == client_id,
            SyncDayItems.day >= first,
            SyncDayItems.day <= last,
        )
        .group_by(SyncDayItems.currency)
        .order_by(SyncDayItems.currency)
    )
    for currency, posted, failed, total in items:
        result.transactions_synced += int(posted or 0)
        result.transactions_failed += int(failed or 0)
        if currency and posted:
            result.value_by_currency[currency] = Decimal(int(total or 0)) / 10_000
    return result


def _outcome(code: int) -> str:
    if code in SUCCESS:
        return "succeeded"
    if code in IN_PROGRESS:
        return "in_progress"
    return "failed"


def _platform_name(key: str | None) -> str:
    if key is None:
        return "No accounting software"
    manifest = manifest_for(key)
    return manifest.name if manifest else key
