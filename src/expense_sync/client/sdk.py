"""``ExpenseSync``: the client object, its resource groups and its lifecycle."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import httpx

from expense_sync.client import resources as r
from expense_sync.client._transport import Core
from expense_sync.client.retries import RetryConfig
from expense_sync.client.waiting import SyncOutcome, wait_for_sync, wait_for_sync_async

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Security:
    """The ``Authorization`` header, as Codat's SDK takes it: ``"Basic <base64 key>"``."""

    auth_header: str

    @classmethod
    def from_api_key(cls, api_key: str) -> Security:
        return cls("Basic " + base64.b64encode(api_key.encode()).decode())


class ExpenseSync:
    """A client of an expense-sync (or Codat Sync for Expenses) server.

    Use it as ``with ExpenseSync(api_key=...) as sdk:`` or ``async with``; clients it
    created are closed on exit, clients you passed in are left to you. Every call is
    retried per ``retry_config`` (default: backoff from 0.5 s to 60 s for up to an hour —
    pass ``RetryConfig("none")`` to fail fast), and every write carries one
    ``Idempotency-Key`` across its retries, so a retried write never lands twice.
    """

    def __init__(
        self,
        *,
        security: Security | None = None,
        api_key: str | None = None,
        server_url: str = DEFAULT_SERVER_URL,
        retry_config: RetryConfig | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        timeout_ms: int | None = None,
        debug_logger: logging.Logger | None = None,
    ) -> None:
        if (security is None) == (api_key is None):
            raise TypeError("pass exactly one of security=Security(...) or api_key=...")
        security = security or Security.from_api_key(api_key or "")
        self._core = Core(
            server_url=server_url,
            auth_header=security.auth_header,
            retries=retry_config or RetryConfig(),
            timeout_ms=timeout_ms,
            client=client,
            async_client=async_client,
            debug_logger=debug_logger,
        )
        core = self._core
        self.companies = r.Companies(core)
        self.connections = r.Connections(core)
        self.integrations = r.Integrations(core)
        self.configuration = r.Configuration(core)
        self.mapping_options = r.MappingOptions(core)
        self.sync = r.Sync(core)
        self.expenses = r.Expenses(core)
        self.transfers = r.Transfers(core)
        self.reimbursements = r.Reimbursements(core)
        self.adjustments = r.Adjustments(core)
        self.attachments = r.Attachments(core)
        self.transaction_status = r.TransactionStatus(core)
        self.manage_data = r.ManageData(core)
        self.push_operations = r.PushOperations(core)
        self.accounts = r.Accounts(core)
        self.bank_accounts = r.BankAccounts(core)
        self.customers = r.Customers(core)
        self.suppliers = r.Suppliers(core)
        self.company_info = r.CompanyInfo(core)
        self.webhooks = r.Webhooks(core)
        self.api_keys = r.ApiKeys(core)

    def wait_for_sync(
        self, company_id: str, sync_id: str, *, timeout: float = 300, poll_interval: float = 0.2
    ) -> SyncOutcome:
        """Block until the sync finishes; its final status and each transaction's outcome."""
        return wait_for_sync(
            self.sync, self.transaction_status, company_id, sync_id, timeout, poll_interval
        )

    async def wait_for_sync_async(
        self, company_id: str, sync_id: str, *, timeout: float = 300, poll_interval: float = 0.2
    ) -> SyncOutcome:
        return await wait_for_sync_async(
            self.sync, self.transaction_status, company_id, sync_id, timeout, poll_interval
        )

    def close(self) -> None:
        self._core.close()

    async def aclose(self) -> None:
        await self._core.aclose()
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
