"""Client quotas, counted the way Codat documents them.

* A daily request quota of ``daily_quota x (1 + active connected companies)``, reset at
  00:00 UTC. An active connected company has a linked accounting connection.
* At most ``company_concurrency`` requests in flight per company at once.

The request that spends the last of the day's quota also writes the
``client.rateLimit.reached`` (and the scheduled ``reset``) webhook events, in its own
transaction (``services.webhook_events``); a request refused past the quota is not
counted, so ``used == limit`` happens once a day per limit.

The daily count lives in the database, so every API process shares it. The concurrency
count is per process: with several API processes behind a balancer, each enforces it.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.domain.errors import QuotaExceeded
from expense_sync.services import webhook_events
from expense_sync.storage.models import Company, Connection, QuotaUsage
from expense_sync.storage.upsert import upsert


@dataclass(frozen=True)
class QuotaState:
    limit: int
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def seconds_to_reset(self, now: datetime) -> int:
        return max(int((self.resets_at - now).total_seconds()) + 1, 1)


def active_connected_companies(session: Session, client_id: uuid.UUID) -> int:
    statement = (
        select(func.count(distinct(Company.id)))
        .join(Connection, Connection.company_id == Company.id)
        .where(
            Company.client_id == client_id,
            Connection.status == ConnectionStatus.LINKED,
            Connection.platform_key != PARTNER_EXPENSE_MANIFEST.key,
        )
    )
    return int(session.scalar(statement) or 0)


def count_request(
    session: Session, client_id: uuid.UUID, daily_quota: int, now: datetime | None = None
) -> QuotaState:
    """Count one request against today's quota; raise ``QuotaExceeded`` once it is spent."""
    now = now or datetime.now(UTC)
    today = now.date()
    # Read first: the upsert takes the row's lock (on SQLite, the one writer's) until commit.
    limit = daily_quota * (1 + active_connected_companies(session, client_id))
    statement = upsert(
        session,
        QuotaUsage,
        {"client_id": client_id, "day": today, "requests": 1},
        [QuotaUsage.client_id, QuotaUsage.day],
        {"requests": QuotaUsage.requests + 1},
    ).returning(QuotaUsage.requests)
    used = int(session.execute(statement).scalar_one())
    resets_at = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    state = QuotaState(limit=limit, used=used, resets_at=resets_at)
    if used == limit:  # this request spends the last of the quota: tell the client's hooks
        webhook_events.rate_limit_reached(session, client_id, limit, resets_at, now)
    if used > limit:
        raise QuotaExceeded(
            f"The daily quota of {limit} requests is spent; it resets at "
            f"{resets_at.isoformat().replace('+00:00', 'Z')}.",
            retry_after=state.seconds_to_reset(now),
        )
    return state


class CompanyConcurrency:
    """Counts requests in flight per key within this process.

    The API keys it by (client, company): a client's requests only ever count against
    its own companies, so no one else can use up a company's slots, and no database
    look-up is needed before taking one.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight: Counter[Hashable] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        with self._lock:
            if self._in_flight[key] >= self.limit:
                raise QuotaExceeded(
                    f"At most {self.limit} requests may run at once for one company; "
                    "wait for one to finish.",
                    retry_after=1,
                )
            self._in_flight[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1
                if not self._in_flight[key]:
                    del self._in_flight[key]
