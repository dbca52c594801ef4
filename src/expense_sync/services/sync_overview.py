"""The Sync Health read model, part 3: totals over a period for the overview page.

Three grouped queries over the client's syncs requested in the period (each walks
``ix_syncs_requested``): syncs by day and status code, failed syncs by platform, and
sync items by outcome and currency. Everything else is summed here from their rows,
so the page costs the same whatever the period holds.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import manifest_for
from expense_sync.domain.syncs import FAILED_ITEM, IN_PROGRESS, REASONS, SUCCESS
from expense_sync.services.sync_search import platform_of_company
from expense_sync.storage.models import Company, ExpenseTransaction, Sync, SyncItem


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


def overview(session: Session, client_id: uuid.UUID, since: datetime, until: datetime) -> Overview:
    """The client's syncs requested in ``[since, until)``, summed for the overview."""
    in_period = (
        Company.client_id == client_id,
        Sync.requested >= since,
        Sync.requested < until,
    )
    result = Overview(since, until)
    day = _day(session)
    by_day: dict[date, Counter[str]] = {}
    failures: Counter[int] = Counter()
    rows = session.execute(
        select(day, Sync.status_code, func.count())
        .select_from(Sync)
        .join(Company, Company.id == Sync.company_id)
        .where(*in_period)
        .group_by(day, Sync.status_code)
    )
    for when, code, count in rows:
        outcome = _outcome(code)
        setattr(result, outcome, getattr(result, outcome) + count)
        key = when if isinstance(when, date) else date.fromisoformat(str(when))
        by_day.setdefault(key, Counter())[outcome] += count
        if outcome == "failed":
            failures[code] += count
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    result.days = [
        Day(d, **by_day.get(d, Counter()))
        for d in (first + timedelta(n) for n in range((last - first).days + 1))
    ]
    result.failures_by_code = [
        (f"{code} {REASONS.get(code, 'Unknown')}", count) for code, count in failures.most_common()
    ]
    platform = platform_of_company()
    by_platform = session.execute(
        select(platform, func.count())
        .select_from(Sync)
        .join(Company, Company.id == Sync.company_id)
        .where(*in_period, Sync.status_code.not_in((*SUCCESS, *IN_PROGRESS)))
        .group_by(platform)
    )
    result.failures_by_platform = sorted(
        ((_platform_name(key), count) for key, count in by_platform), key=lambda p: -p[1]
    )
    items = session.execute(
        select(
            SyncItem.status,
            ExpenseTransaction.currency,
            func.count(),
            func.sum(ExpenseTransaction.total_e4),
        )
        .select_from(SyncItem)
        .join(Sync, Sync.id == SyncItem.sync_id)
        .join(Company, Company.id == Sync.company_id)
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(*in_period, SyncItem.status.in_(("Completed", *FAILED_ITEM)))
        .group_by(SyncItem.status, ExpenseTransaction.currency)
    )
    for status, currency, count, total in items:
        if status != "Completed":
            result.transactions_failed += count
            continue
        result.transactions_synced += count
        if currency and total is not None:
            value = result.value_by_currency.get(currency, Decimal(0))
            result.value_by_currency[currency] = value + Decimal(int(total)) / 10_000
    result.value_by_currency = dict(sorted(result.value_by_currency.items()))
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
