"""The shared rate limiter of the cloud kit, kept in the database so every worker
process (and every thread) draws on one budget per platform tenant.

Taking a slot is one short transaction: the scope's row is locked (so two processes
never both count the last free call), the calls of the last minute, hour and day and the live
leases are counted, and a call and a lease are written. The windows slide (a call
counts for 60 s, an hour and 24 h, plus a second's margin: ``EDGE``), as the platforms count
them, so a burst at a window's edge cannot overrun the limit. A lease expires on its
own if its process dies, so a crash never keeps a concurrency slot. Waits longer than
``SHORT_WAIT_S`` are handed to the engine as ``RetriableConnectorError(retry_after=...)``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.connectors.base import RetriableConnectorError
from expense_sync.connectors.base.cloud.limits import SHORT_WAIT_S, Limits, Observed
from expense_sync.storage.models import RateLimitCall, RateLimitLease, RateLimitScope
from expense_sync.storage.upsert import upsert

# A call is counted from just before it is sent, the platform counts it when it arrives:
# ours stays in the window a second longer, so a call sent as our oldest one leaves the
# window never reaches the platform while its oldest is still in its window (a 429).
EDGE = timedelta(seconds=1)
MINUTE = timedelta(seconds=60) + EDGE
HOUR = timedelta(hours=1) + EDGE
DAY = timedelta(days=1) + EDGE
LEASE = timedelta(seconds=120)  # longer than any call's timeout


class DatabaseRateLimiter:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    @contextmanager
    def slot(self, scope: str, limits: Limits) -> Iterator[None]:
        lease = self._acquire(scope, limits)
        try:
            yield
        finally:
            with self._session_factory() as session:
                session.execute(delete(RateLimitLease).where(RateLimitLease.id == lease))
                session.commit()

    def _acquire(self, scope: str, limits: Limits) -> uuid.UUID:
        deadline = time.monotonic() + SHORT_WAIT_S
        while True:
            lease, wait = self._try_acquire(scope, limits)
            if lease is not None:
                return lease
            if time.monotonic() + wait > deadline:
                raise RetriableConnectorError(
                    f"Waiting {wait:.1f} s for the platform's rate limit ({scope}).",
                    retry_after=wait,
                )
            time.sleep(max(wait, 0.01))

    def _try_acquire(self, scope: str, limits: Limits) -> tuple[uuid.UUID | None, float]:
        """A lease id, or how long to wait before trying again."""
        with self._session_factory() as session:
            now = datetime.now(UTC)
            blocked = _locked_scope(session, scope)
            waits = []
            if blocked is not None and blocked > now:
                waits.append((blocked - now).total_seconds())
            waits += _window_wait(session, scope, now, MINUTE, limits.per_minute)
            if limits.per_hour is not None:
                waits += _window_wait(session, scope, now, HOUR, limits.per_hour)
            if limits.per_day is not None:
                waits += _window_wait(session, scope, now, DAY, limits.per_day)
            if limits.concurrent is not None:
                live = session.scalar(
                    select(func.count())
                    .select_from(RateLimitLease)
                    .where(RateLimitLease.scope == scope, RateLimitLease.expires > now)
                )
                if (live or 0) >= limits.concurrent:
                    waits.append(0.05)  # a call in flight ends soon; look again shortly
            if waits:
                session.rollback()
                return None, max(waits)
            lease = uuid.uuid4()
            session.add(RateLimitCall(scope=scope, at=now))
            session.add(RateLimitLease(id=lease, scope=scope, expires=now + LEASE))
            # Calls older than a day no longer count for anything.
            session.execute(
                delete(RateLimitCall).where(
                    RateLimitCall.scope == scope, RateLimitCall.at < now - DAY
                )
            )
            session.execute(
                delete(RateLimitLease).where(
                    RateLimitLease.scope == scope, RateLimitLease.expires <= now
                )
            )
            session.commit()
            return lease, 0.0

    def observe(self, scope: str, limits: Limits, observed: Observed) -> None:
        with self._session_factory() as session:
            now = datetime.now(UTC)
            blocked = _locked_scope(session, scope)
            if observed.retry_after is not None:
                until = now + timedelta(seconds=observed.retry_after)
                if blocked is None or until > blocked:
                    session.execute(
                        update(RateLimitScope)
                        .where(RateLimitScope.scope == scope)
                        .values(blocked_until=until)
                    )
            # The platform saw more calls than we counted (another app of ours, a
            # restart that lost nothing but was not us): count them too.
            _catch_up(session, scope, now, MINUTE, limits.per_minute, observed.minute_remaining)
            if limits.per_day is not None:
                _catch_up(session, scope, now, DAY, limits.per_day, observed.day_remaining)
            session.commit()


def _locked_scope(session: Session, scope: str) -> datetime | None:
    """Lock the scope's row (creating it the first time); its ``blocked_until``."""
    session.execute(
        upsert(
            session,
            RateLimitScope,
            {"scope": scope, "blocked_until": None},
            [RateLimitScope.scope],
            {"scope": scope},
        )
    )
    return session.scalar(select(RateLimitScope.blocked_until).where(RateLimitScope.scope == scope))


def _calls_since(session: Session, scope: str, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(RateLimitCall.at)
            .where(RateLimitCall.scope == scope, RateLimitCall.at > since)
            .order_by(RateLimitCall.at)
        )
    )


def _window_wait(
    session: Session, scope: str, now: datetime, window: timedelta, limit: int
) -> list[float]:
    count = session.scalar(
        select(func.count())
        .select_from(RateLimitCall)
        .where(RateLimitCall.scope == scope, RateLimitCall.at > now - window)
    )
    if (count or 0) < limit:
        return []
    calls = _calls_since(session, scope, now - window)
    # The window has room again once enough of its oldest calls have left it.
    frees_at = calls[len(calls) - limit] + window
    return [max((frees_at - now).total_seconds(), 0.01)]


def _catch_up(
    session: Session,
    scope: str,
    now: datetime,
    window: timedelta,
    limit: int,
    remaining: int | None,
) -> None:
    if remaining is None:
        return
    counted = session.scalar(
        select(func.count())
        .select_from(RateLimitCall)
        .where(RateLimitCall.scope == scope, RateLimitCall.at > now - window)
    )
    missing = (limit - remaining) - (counted or 0)
    for _ in range(max(0, min(missing, limit))):
        session.add(RateLimitCall(scope=scope, at=now))
