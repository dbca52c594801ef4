"""Idempotency keys: a POST or PUT sent again with the same ``Idempotency-Key`` gets the
first answer again instead of doing the work twice.

Codat's semantics: while the first request is still being handled, a second one is a 409;
a key reused with a different request is a 422. A first request that ended in a 5xx (or a
401, 409 or 429, which say "try again") leaves no record, so its retry runs for real. A
record whose request never finished (the process died) is taken over after five minutes.

Keys expire as Codat's do, 90 minutes after the first request
(``Settings.idempotency_key_seconds``): until then a replay gets the first answer; after,
the same key is a new request, whatever its body. ``claim`` never replays an expired
record even if nobody has pruned it yet; ``prune`` deletes expired records in the
background (the reconciler calls it every beat), so the table holds about 90 minutes of
writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.storage.models import IdempotencyRecord
from expense_sync.storage.uow import UnitOfWork

ABANDONED_AFTER = timedelta(minutes=5)
KEY_LIFETIME = timedelta(minutes=90)
NOT_KEPT = {401, 409, 429}


@dataclass(frozen=True)
class Claim:
    """``new`` (go ahead), ``replay`` (answer with the stored response), ``in_flight``
    or ``mismatch``."""

    outcome: str
    status_code: int | None = None
    response: bytes | None = None
    content_type: str | None = None


def claim(
    session_factory: sessionmaker[Session],
    scope: str,
    key: str,
    fingerprint: str,
    lifetime: timedelta = KEY_LIFETIME,
) -> Claim:
    """What to do with a request carrying ``key``; a record older than ``lifetime`` is
    taken over as if the key were new."""
    now = datetime.now(UTC)
    try:
        with UnitOfWork(session_factory) as uow:
            uow.session.execute(
                insert(IdempotencyRecord).values(
                    scope=scope, key=key, fingerprint=fingerprint, created=now
                )
            )
            uow.commit()
            return Claim("new")
    except IntegrityError:
        pass
    with UnitOfWork(session_factory) as uow:
        record = uow.session.get(IdempotencyRecord, (scope, key), with_for_update=True)
        if record is None:  # released in between: the caller may simply retry
            return Claim("in_flight")
        if now - record.created >= lifetime:  # expired: the key starts afresh
            record.fingerprint, record.created = fingerprint, now
            record.status_code = record.response = record.content_type = None
            uow.commit()
            return Claim("new")
        if record.fingerprint != fingerprint:
            return Claim("mismatch")
        if record.status_code is None:
            if now - record.created < ABANDONED_AFTER:
                return Claim("in_flight")
            record.created = now
            uow.commit()
            return Claim("new")
        return Claim("replay", record.status_code, record.response, record.content_type)


def finish(
    session_factory: sessionmaker[Session],
    scope: str,
    key: str,
    status_code: int,
    response: bytes,
    content_type: str | None,
) -> None:
    """Keep the answer for replays, or forget the key if the request should be retried."""
    with UnitOfWork(session_factory) as uow:
        if status_code >= 500 or status_code in NOT_KEPT:
            uow.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
                )
            )
        else:
            uow.session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
                .values(status_code=status_code, response=response, content_type=content_type)
            )
        uow.commit()


def prune(session: Session, lifetime: timedelta, now: datetime | None = None) -> int:
    """Delete the records older than ``lifetime``; return how many went."""
    cutoff = (now or datetime.now(UTC)) - lifetime
    result = session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
