"""Runtime configuration, read from ``EXPENSE_SYNC_*`` environment variables.

- ``DATA_DIR`` (``./.expense-sync``): database, ledgers, uploads, secret key.
- ``DATABASE_URL`` (SQLite in the data dir): any SQLAlchemy URL, e.g.
  ``postgresql+psycopg://user@host/db``.
- ``BROKER_URL`` (empty: embedded worker): ``redis://`` or ``amqp://`` for workers.
- ``QUEUE_NAME`` (``expense-sync``): the broker queue; deployments sharing a broker
  keep apart by giving each its own name.
- ``SYNC_LEASE_SECONDS`` (300): how long a worker holds a company's sync before the
  reconciler may hand it to another; a live worker renews it every third of that.
- ``WORKER_THREADS`` (16): actor threads of the embedded worker inside ``serve`` (and
  the default of ``expense-sync worker --threads``). A thread waiting on a platform's
  answer holds no CPU and no database lock, so there are enough for every company
  syncing at once not to queue behind a slow one; rate-limit waits free their thread.
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
- ``IDEMPOTENCY_KEY_SECONDS`` (5400 = 90 minutes, as Codat): how long an
  ``Idempotency-Key`` replays its first answer; after that the same key is a new request.
  The reconciler deletes expired keys.
- ``WEBHOOK_ALLOW_PRIVATE`` (false): allow webhook consumers whose URL resolves to a
  loopback, private, link-local, unique-local, multicast, reserved or cloud metadata
  address. Off, such a URL is refused with 400 when the consumer is created and each
  delivery checks the address again. Turn it on for local receivers (tests, a laptop).
- ``DASHBOARD_SESSION_SECONDS`` (28800 = 8 h): a Sync Health dashboard session ends after
  this long without a page load; the person signs in again and returns to the page.
- ``XERO_CLIENT_ID``, ``XERO_CLIENT_SECRET``: the Xero app (developer.xero.com) that
  customers grant access to; Xero cannot be linked without them.
- ``XERO_AUTHORIZE_URL`` (Xero's login page), ``XERO_IDENTITY_URL``
  (``https://identity.xero.com``: ``/connect/token``), ``XERO_API_URL``
  (``https://api.xero.com``: ``/connections``, ``/api.xro/2.0``): where Xero answers;
  point them at ``expense-sync sandbox xero`` (or a recording proxy) to try Xero without
  an account. An empty authorize URL means ``<identity url>/connect/authorize``.
- ``BUSINESS_CENTRAL_CLIENT_ID``, ``BUSINESS_CENTRAL_CLIENT_SECRET``: the Microsoft Entra
  app registration customers consent to (API permission ``Financials.ReadWrite.All``).
- ``BUSINESS_CENTRAL_LOGIN_URL`` (``https://login.microsoftonline.com/organizations``:
  ``/oauth2/v2.0/authorize`` and ``/token``) and ``BUSINESS_CENTRAL_API_URL``
  (``https://api.businesscentral.dynamics.com``: ``/admin/...`` for environments,
  ``/v2.0/{environment}/api/v2.0``): point them at ``expense-sync sandbox
  business-central`` to try Business Central without an account.
- ``QUICKBOOKS_CLIENT_ID``, ``QUICKBOOKS_CLIENT_SECRET``: the Intuit app
  (developer.intuit.com) customers grant access to; QuickBooks Online cannot be linked
  without them. ``QUICKBOOKS_AUTHORIZE_URL`` (Intuit's consent page),
  ``QUICKBOOKS_TOKEN_URL`` (token and refresh), ``QUICKBOOKS_API_URL``
  (``https://quickbooks.api.intuit.com``, or ``https://sandbox-quickbooks.api.intuit.com``
  for Intuit's developer sandboxes): point them at ``expense-sync sandbox quickbooks``
  to try QuickBooks without an account.
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
    worker_threads: int = Field(default=16, ge=1, le=256)
    public_url: str = ""
    ledger_root: Path | None = None
    daily_quota: int = Field(default=1000, ge=1)
    company_concurrency: int = Field(default=10, ge=1)
    secret_key: str = ""
    webhook_retry_first_delay: float = Field(default=5.0, gt=0)
    webhook_retry_max_delay: float = Field(default=3600.0, gt=0)
    webhook_retry_window: float = Field(default=3 * 24 * 3600.0, gt=0)
    webhook_allow_private: bool = False
    idempotency_key_seconds: float = Field(default=90 * 60.0, gt=0)
    dashboard_session_seconds: int = Field(default=8 * 3600, gt=0)
    xero_client_id: str = ""
    xero_client_secret: str = ""
    xero_authorize_url: str = "https://login.xero.com/identity/connect/authorize"
    xero_identity_url: str = "https://identity.xero.com"
    xero_api_url: str = "https://api.xero.com"
    business_central_client_id: str = ""
    business_central_client_secret: str = ""
    business_central_login_url: str = "https://login.microsoftonline.com/organizations"
    business_central_api_url: str = "https://api.businesscentral.dynamics.com"
    quickbooks_client_id: str = ""
    quickbooks_client_secret: str = ""
    quickbooks_authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"
    quickbooks_token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    quickbooks_api_url: str = "https://quickbooks.api.intuit.com"
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
