"""Runtime configuration, read from ``EXPENSE_SYNC_*`` environment variables.

- ``DATA_DIR`` (``./.expense-sync``): database, ledgers, uploads, secret key.
- ``DATABASE_URL`` (SQLite in the data dir): any SQLAlchemy URL, e.g.
  ``postgresql+psycopg://user@host/db``.
- ``BROKER_URL`` (empty: embedded worker): ``redis://`` or ``amqp://`` for workers.
- ``QUEUE_NAME`` (``expense-sync``): the broker queue; deployments sharing a broker
  keep apart by giving each its own name.
- ``SYNC_LEASE_SECONDS`` (300): how long a worker holds a company's sync before the
  reconciler may hand it to another; a live worker renews it every third of that.
- ``RECONCILE_SECONDS`` (10): how often each worker looks for work nobody holds.
- ``PUBLIC_URL`` (``serve`` sets its own address): base of link URLs given to customers.
- ``LEDGER_ROOT`` (``<data dir>/ledgers``): each client's ledgers live in ``<root>/<client>/``.
- ``DAILY_QUOTA`` (1000): requests per UTC day, times (1 + companies with a linked
  connection), as Codat counts them.
- ``COMPANY_CONCURRENCY`` (10): requests in flight per company at once.
- ``SECRET_KEY`` (generated into the data dir): Fernet key sealing connection secrets;
  set it explicitly when several processes share one database.
- ``WEBHOOK_RETRY_FIRST_DELAY`` (5 s), ``WEBHOOK_RETRY_MAX_DELAY`` (3600 s),
  ``WEBHOOK_RETRY_WINDOW`` (259200 s = 3 days): a webhook delivery that fails is tried
  again after an exponential, jittered delay from the first up to the max, until the
  event is older than the window; then it is marked Failed.
- ``XERO_CLIENT_ID``, ``XERO_CLIENT_SECRET``: the Xero app (developer.xero.com) that
  customers grant access to; Xero cannot be linked without them.
- ``XERO_AUTHORIZE_URL`` (Xero's login page), ``XERO_IDENTITY_URL``
  (``https://identity.xero.com``: ``/connect/token``), ``XERO_API_URL``
  (``https://api.xero.com``: ``/connections``, ``/api.xro/2.0``): where Xero answers;
  point them at ``expense-sync sandbox xero`` (or a recording proxy) to try Xero without
  an account. An empty authorize URL means ``<identity url>/connect/authorize``.
- ``FREEAGENT_CLIENT_ID``, ``FREEAGENT_CLIENT_SECRET``: the FreeAgent app
  (dev.freeagent.com); ``FREEAGENT_API_URL`` (``https://api.freeagent.com``; FreeAgent's
  own sandbox is ``https://api.sandbox.freeagent.com``): where FreeAgent answers, its
  approval page (``/v2/approve_app``) and token endpoint (``/v2/token_endpoint``)
  included; point it at ``expense-sync sandbox freeagent`` to try FreeAgent without an
  account.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXPENSE_SYNC_", extra="ignore")

    data_dir: Path = Path(".expense-sync")
    database_url: str = ""
    broker_url: str = ""
    queue_name: str = Field(default="expense-sync", min_length=1)
    sync_lease_seconds: float = Field(default=300.0, gt=0)
    reconcile_seconds: float = Field(default=10.0, gt=0)
    public_url: str = ""
    ledger_root: Path | None = None
    daily_quota: int = Field(default=1000, ge=1)
    company_concurrency: int = Field(default=10, ge=1)
    secret_key: str = ""
    webhook_retry_first_delay: float = Field(default=5.0, gt=0)
    webhook_retry_max_delay: float = Field(default=3600.0, gt=0)
    webhook_retry_window: float = Field(default=3 * 24 * 3600.0, gt=0)
    xero_client_id: str = ""
    xero_client_secret: str = ""
    xero_authorize_url: str = "https://login.xero.com/identity/connect/authorize"
    xero_identity_url: str = "https://identity.xero.com"
    xero_api_url: str = "https://api.xero.com"
    freeagent_client_id: str = ""
    freeagent_client_secret: str = ""
    freeagent_api_url: str = "https://api.freeagent.com"

    @cached_property
    def secret_key_bytes(self) -> bytes:
        """The Fernet key for connection secrets: configured, or kept in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.resolved_data_dir / "secret.key"
        if not path.exists():
            from cryptography.fernet import Fernet

            self.resolved_data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_bytes(Fernet.generate_key())
        return path.read_bytes().strip()

    @cached_property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'expense-sync.db'}"

    @property
    def resolved_ledger_root(self) -> Path:
        root = self.ledger_root or (self.resolved_data_dir / "ledgers")
        return root.expanduser().resolve()

    def ensure_dirs(self) -> None:
        self.resolved_data_dir.mkdir(parents=True, exist_ok=True)
        self.resolved_ledger_root.mkdir(parents=True, exist_ok=True)
