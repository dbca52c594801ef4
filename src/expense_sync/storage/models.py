"""The tables. Every row that belongs to a tenant carries ``client_id`` or hangs off a
company that does, so every query can be scoped to the caller's client."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from expense_sync.storage.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(50))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's last characters (never enough to use it), to tell keys apart in listings.
    key_hint: Mapped[str | None] = mapped_column(String(8))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardUser(Base):
    """A person who signs in to the Sync Health dashboard with an email and a password
    (``services.dashboard_users``), seeing what the client's API keys see."""

    __tablename__ = "dashboard_users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_user_name: Mapped[str | None] = mapped_column(String(200))
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    parent_company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )

    tags: Mapped[list[CompanyTag]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    connections: Mapped[list[Connection]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Connection.created",
    )
    parent: Mapped[Company | None] = relationship(
        remote_side=[id], back_populates="subsidiaries", lazy="selectin"
    )
    subsidiaries: Mapped[list[Company]] = relationship(back_populates="parent", lazy="selectin")

    __table_args__ = (Index("ix_companies_client_created", "client_id", "created"),)


class CompanyTag(Base):
    __tablename__ = "company_tags"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(27), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    platform_key: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connection_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    encrypted_secrets: Mapped[str | None] = mapped_column(Text)
    # Bumped by every write of ``encrypted_secrets``: a worker that rotated OAuth tokens
    # compares it under the row lock, so a rotation is never overwritten by a stale one.
    secrets_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    company: Mapped[Company] = relationship(back_populates="connections")


class WebhookConsumer(Base):
    __tablename__ = "webhook_consumers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    company_tags: Mapped[list[str] | None] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    encrypted_signing_secret: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuotaUsage(Base):
    __tablename__ = "quota_usage"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class CachedRecord(Base):
    """One record read from a connection's books (an account, a supplier, ...), in
    Codat's shape. A refresh of a data type brings all of that type in line at once.

    The key is the record's own identity, so the table carries one index only: the
    first fill of a big ledger is an append, not index upkeep.
    """

    __tablename__ = "cached_records"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PullOperation(Base):
    __tablename__ = "pull_operations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    data_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(30))
    status_description: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    requested: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_pull_operations_company_type", "company_id", "data_type"),)


class PushOperation(Base):
    __tablename__ = "push_operations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    data_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int] = mapped_column(Integer, default=202)
    requested: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeout_in_minutes: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_push_operations_company_requested", "company_id", "requested"),)


class ExpenseTransaction(Base):
    """One transaction a client submitted (expense, reimbursable, transfer, adjustment),
    under the client's own id. ``body`` is its current revision; an update replaces it and
    bumps ``revision``. ``status`` is the outcome of its latest sync."""

    __tablename__ = "expense_transactions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    transaction_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="Pending")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The current revision's currency and total (``types.total_e4``), for the dashboard's
    # value synced per currency without reading every body.
    currency: Mapped[str | None] = mapped_column(String(3))
    total_e4: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("company_id", "transaction_id"),)


class Sync(Base):
    """One sync of submitted transactions to the company's books, with Codat's status code.

    ``lease_expires`` is the company lease: while it is in the future, the sync belongs to
    the worker that set it; the reconciler hands syncs with an expired lease out again.
    ``attempts`` counts the claims and is the lease's token (``sync.engine``);
    ``claimed_by`` names the process (host:pid) that made the latest claim; ``waits``
    counts the claims that ended waiting for the platform (a rate limit's
    ``retry_after``), which are not failed tries: ``attempts - waits`` are.
    """

    __tablename__ = "syncs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    status_code: Mapped[int] = mapped_column(Integer, default=1000)
    error_message: Mapped[str | None] = mapped_column(Text)
    exception_message: Mapped[str | None] = mapped_column(Text)
    data_pushed: Mapped[bool] = mapped_column(Boolean, default=False)
    requested: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    # The company's configuration and target connection when the sync was created
    # (``services.sync_snapshots``), shown and downloadable in the dashboard.
    configuration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A retry of another sync's failed items names that sync (``services.sync_retries``).
    retry_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("syncs.id", ondelete="SET NULL"), index=True
    )
    waits: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        Index("ix_syncs_company_requested", "company_id", "requested"),
        Index("ix_syncs_requested", "requested"),
        Index("ix_syncs_status_requested", "status_code", "requested"),
        # The few syncs still running, for the overview (the rest are in SyncDayCount).
        Index(
            "ix_syncs_unfinished_requested",
            "requested",
            postgresql_where=text("completed IS NULL"),
            sqlite_where=text("completed IS NULL"),
        ),
    )


class SyncDayCount(Base):
    """How many of a client's syncs requested on a UTC day finished with a status code,
    by the company's platform (``""`` if none): the overview's totals, added to when a
    sync finishes (``services.sync_totals``), so a period costs a few rows a day however
    many syncs it holds. Syncs of companies deleted since stay counted."""

    __tablename__ = "sync_day_counts"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status_code: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_key: Mapped[str] = mapped_column(String(4), primary_key=True)
    syncs: Mapped[int] = mapped_column(Integer, default=0)


class SyncDayItems(Base):
    """The items of a client's finished syncs requested on a UTC day, by currency
    (``""`` if unknown): how many posted and failed, and the total posted
    (``types.total_e4``). Kept with ``SyncDayCount``."""

    __tablename__ = "sync_day_items"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    completed_total_e4: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncItem(Base):
    """A transaction's part in one sync: which revision went, and how it ended.

    ``status`` is Codat's transaction status, plus ``Pushing`` while a write may be on its
    way to the ledger (after a crash, the ledger is asked before writing again).
    """

    __tablename__ = "sync_items"

    sync_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("syncs.id", ondelete="CASCADE"), primary_key=True
    )
    transaction_row_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expense_transactions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="Pending")
    message: Mapped[str | None] = mapped_column(Text)

    transaction: Mapped[ExpenseTransaction] = relationship()


class ExpenseConfiguration(Base):
    """A company's expense sync configuration: default bank account, supplier, customer."""

    __tablename__ = "expense_configurations"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    bank_account_id: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(200))


class IdempotencyRecord(Base):
    """A POST/PUT sent with an ``Idempotency-Key``: what it asked, and what it answered.

    ``scope`` is a hash of the credentials that sent it, so two API keys never share keys.
    ``status_code`` is empty while the first request is still being handled. ``created``
    is indexed so that expired keys are pruned without a scan.
    """

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ExpenseDataset(Base):
    """A v1 expense dataset: transactions stored by ``POST .../data/expense-transactions``
    and synced later by ``POST .../syncs`` with its id. ``items`` lists each transaction's
    row id and the revision the dataset holds; ``sync_id`` is set once it is synced."""

    __tablename__ = "expense_datasets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    items: Mapped[list[list[Any]]] = mapped_column(JSON)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sync_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("syncs.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_expense_datasets_company_created", "company_id", "created"),)


class Attachment(Base):
    """A receipt uploaded for a transaction, stored under the data directory and attached
    to the transaction's ledger record once that has landed.

    ``status``: ``Pending`` until attached, ``Attached`` (``reference`` says where), or
    ``Failed`` (``error_message`` says why; final: upload the receipt again to retry).
    """

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    sync_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("syncs.id", ondelete="CASCADE"))
    transaction_row_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expense_transactions.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))  # relative to the data directory
    status: Mapped[str] = mapped_column(String(20), default="Pending")
    reference: Mapped[str | None] = mapped_column(String(500))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attached: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEvent(Base):
    """The outbox: one event, written in the same database transaction as the change it
    reports. ``body`` is what receivers get (``id``, ``eventType``, ``generatedDate``,
    ``payload``); ``generated`` is its ``generatedDate``, which for a scheduled event
    (a quota reset) lies ahead of ``created``."""

    __tablename__ = "webhook_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )
    event_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    generated: Mapped[datetime] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event on its way to one consumer: ``Pending`` (tried at ``next_attempt``),
    ``Delivered`` (the receiver answered 2xx) or ``Failed`` (given up)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    consumer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_consumers.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(20), default="Pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[WebhookEvent] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("event_id", "consumer_id"),
        Index("ix_webhook_deliveries_consumer_created", "consumer_id", "created"),
        Index("ix_webhook_deliveries_status", "status"),
    )


class WebhookAttempt(Base):
    """One try at a delivery: when, how the receiver answered (or why it could not)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted: Mapped[datetime] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class OAuthLinkState(Base):
    """One OAuth consent in flight: the ``state`` sent to the platform (stored hashed),
    the connection it is bound to and its PKCE verifier (sealed). Single-use, expiring."""

    __tablename__ = "oauth_link_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    sealed_verifier: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    used: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitScope(Base):
    """One platform tenant's shared call budget; its row is the lock every process takes
    before counting calls, and ``blocked_until`` carries the platform's ``Retry-After``."""

    __tablename__ = "rate_limit_scopes"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitCall(Base):
    """A call made (or counted, when the platform's headers say more were made) in a
    scope: the sliding minute and day windows count these rows."""

    __tablename__ = "rate_limit_calls"
    __table_args__ = (Index("ix_rate_limit_calls_scope_at", "scope", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scope: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateLimitLease(Base):
    """A call in flight in a scope (the concurrency limit counts the live ones); it
    expires on its own if its process dies."""

    __tablename__ = "rate_limit_leases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scope: Mapped[str] = mapped_column(String(200), index=True)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
