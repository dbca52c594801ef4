"""Webhook events: which exist, who receives one, what a transaction's outcome reads as,
and how long to wait before trying a receiver again.

Decisions (the contract is silent or loose on each):

- **Event types** are the four of Codat's Sync for Expenses spec, and Codat's
  platform ``connection.disconnected`` (a cloud platform withdrew access). A consumer receives the
  types listed in its ``eventTypes``; an empty list receives nothing (it "subscribes to"
  the types it lists, and silence is the safe reading).
- **Company filters.** ``companyTags`` (``key:value``, case-sensitive) keeps events of
  companies carrying *at least one* of the listed tags, as channels work in Standard
  Webhooks services; our ``companyId`` extension keeps one company's events. An event
  with no company (``client.rateLimit.*``) never passes either filter: a consumer that
  asked for a company's events asked for nothing else.
- **Transaction statuses.** The contract's enum is Unknown, PushError, Completed, Failed,
  Pending. Ours map as Completed → Completed, PushError → PushError (the books refused it
  or could not be reached), ValidationError → Failed (it never reached the books), and
  anything else (a sync always finishes its items, so none are expected) → Unknown.
- **Backoff**: exponential from ``first`` seconds, capped at ``cap``, with "equal jitter"
  (a random half of each delay) so receivers that come back are not hit by every
  sender at once.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass

SYNC_SUCCESSFUL = "expenses.sync.successful"
SYNC_UNSUCCESSFUL = "expenses.sync.unsuccessful"
RATE_LIMIT_REACHED = "client.rateLimit.reached"
RATE_LIMIT_RESET = "client.rateLimit.reset"
# Codat's platform event for a connection unlinked or de-authorized by the platform.
CONNECTION_DISCONNECTED = "connection.disconnected"
EVENT_TYPES = (
    SYNC_SUCCESSFUL,
    SYNC_UNSUCCESSFUL,
    RATE_LIMIT_REACHED,
    RATE_LIMIT_RESET,
    CONNECTION_DISCONNECTED,
)

_RNG = random.Random()

TRANSACTION_STATUSES = {
    "Completed": "Completed",
    "PushError": "PushError",
    "ValidationError": "Failed",
}


@dataclass(frozen=True)
class Subscription:
    """What a consumer asked to receive."""

    event_types: Collection[str]
    company_id: object | None = None
    company_tags: Collection[str] | None = None


def receives(
    subscription: Subscription,
    event_type: str,
    company_id: object | None,
    company_tags: Mapping[str, str],
) -> bool:
    """Whether a consumer with this subscription gets an event of this type and company."""
    if event_type not in subscription.event_types:
        return False
    if subscription.company_id is not None and subscription.company_id != company_id:
        return False
    if subscription.company_tags:
        if company_id is None:
            return False
        held = {f"{key}:{value}" for key, value in company_tags.items()}
        return any(tag in held for tag in subscription.company_tags)
    return True


def transaction_status(status: str) -> str:
    """The contract's status for one of our item statuses."""
    return TRANSACTION_STATUSES.get(status, "Unknown")


def backoff_delay(
    attempts: int, first: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after ``attempts`` failed tries (1 or more): the capped exponential
    delay, of which a random half is kept."""
    ceiling = min(first * 2.0 ** min(max(attempts - 1, 0), 62), cap)
    return ceiling / 2 + (rng or _RNG).uniform(0, ceiling / 2)
