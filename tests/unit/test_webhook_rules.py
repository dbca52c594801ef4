"""Who receives a webhook event, what an outcome reads as, and how long to back off."""

from __future__ import annotations

import random
import uuid

import pytest

from expense_sync.domain.webhooks import (
    EVENT_TYPES,
    SYNC_SUCCESSFUL,
    Subscription,
    backoff_delay,
    receives,
    transaction_status,
)

COMPANY = uuid.uuid4()
TAGS = {"region": "eu", "tier": "gold"}


@pytest.mark.parametrize(
    ("subscription", "company", "expected"),
    [
        (Subscription([SYNC_SUCCESSFUL]), COMPANY, True),
        (Subscription([]), COMPANY, False),
        (Subscription(["expenses.sync.unsuccessful"]), COMPANY, False),
        (Subscription([SYNC_SUCCESSFUL], company_id=COMPANY), COMPANY, True),
        (Subscription([SYNC_SUCCESSFUL], company_id=uuid.uuid4()), COMPANY, False),
        (Subscription([SYNC_SUCCESSFUL], company_tags=["region:us", "tier:gold"]), COMPANY, True),
        (Subscription([SYNC_SUCCESSFUL], company_tags=["region:us"]), COMPANY, False),
        (Subscription([SYNC_SUCCESSFUL], company_tags=["Region:eu"]), COMPANY, False),
        (Subscription([SYNC_SUCCESSFUL], company_tags=["region:eu"]), None, False),
        (Subscription([SYNC_SUCCESSFUL], company_id=COMPANY), None, False),
        (Subscription([SYNC_SUCCESSFUL], company_tags=[]), None, True),
    ],
)
def test_receives(subscription: Subscription, company: uuid.UUID | None, expected: bool) -> None:
    assert receives(subscription, SYNC_SUCCESSFUL, company, TAGS if company else {}) is expected


def test_statuses_map_onto_the_contracts_enum() -> None:
    assert [transaction_status(s) for s in ("Completed", "PushError", "ValidationError")] == [
        "Completed",
        "PushError",
        "Failed",
    ]
    assert transaction_status("Pushing") == "Unknown"
    assert len(EVENT_TYPES) == 5  # Sync for Expenses four, and connection.disconnected


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    for attempts in range(1, 200):
        ceiling = min(5.0 * 2 ** min(attempts - 1, 62), 3600.0)
        for _ in range(20):
            delay = backoff_delay(attempts, 5.0, 3600.0, rng)
            assert ceiling / 2 <= delay <= ceiling
    spread = {round(backoff_delay(3, 5.0, 3600.0, rng), 3) for _ in range(50)}
    assert len(spread) > 40  # jittered, not one fixed value
