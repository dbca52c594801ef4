"""A pull's job takes every waiting pull of its connection: refresh all reads the books
once and stores every data type in one transaction, and each pull still ends on its own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from expense_sync.api.runtime import Runtime
from expense_sync.connectors.base import FatalConnectorError
from expense_sync.connectors.beancount import session as beancount_session
from expense_sync.services import manage_data
from expense_sync.storage.models import CachedRecord, Client, PullOperation
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant
from tests.integration.test_ledger_data import Books


class Company:
    """A company linked to a fresh Beancount ledger, refreshed by calling the services
    directly, so the test, not a worker, decides which job runs when."""

    def __init__(self, api: TestClient, tenant: Tenant, runtime: Runtime) -> None:
        self.runtime = runtime
        self.id = uuid.UUID(Books(api, tenant).company.rsplit("/", 1)[1])  # linked, not read
        with UnitOfWork(runtime.session_factory) as uow:
            self.client_id = uow.session.scalars(
                select(Client.id).where(Client.name == tenant.name)
            ).one()

    def queue_all(self) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """The pulls a refresh-all queues, and the jobs it signals."""
        signalled: list[uuid.UUID] = []
        with UnitOfWork(self.runtime.session_factory) as uow:
            pulls = manage_data.queue_all(
                uow.session, self.client_id, self.id, uow.after_commit, signalled.append
            )
            ids = [pull.id for pull in pulls]
            uow.commit()
        return ids, signalled

    def run(self, pull_id: uuid.UUID) -> manage_data.Outcome:
        return manage_data.run_pull(self.runtime.session_factory, self.runtime.settings, pull_id)

    def pulls(self) -> dict[str, PullOperation]:
        with UnitOfWork(self.runtime.session_factory) as uow:
            rows = uow.session.scalars(
                select(PullOperation).where(PullOperation.company_id == self.id)
            ).all()
            uow.session.expunge_all()
            return {row.data_type: row for row in rows}

    def cached_types(self) -> set[str]:
        with UnitOfWork(self.runtime.session_factory) as uow:
            return set(uow.session.scalars(select(CachedRecord.data_type).distinct()))


@pytest.fixture
def company(api: TestClient, tenant: Tenant, runtime: Runtime) -> Company:
    return Company(api, tenant, runtime)


def test_refresh_all_is_one_job_that_completes_every_pull(company: Company) -> None:
    queued, signalled = company.queue_all()
    assert len(queued) == 7 and len(signalled) == 1  # one job for the seven data types

    company.run(signalled[0])
    pulls = company.pulls()
    assert {p.status for p in pulls.values()} == {"Complete"}, pulls
    assert {"chartOfAccounts", "taxRates", "trackingCategories", "company"} <= (
        company.cached_types()
    )
    completed = {p.id: p.completed for p in pulls.values()}
    for pull_id in queued:  # a message for a pull that rode along finds it done
        assert company.run(pull_id).retry_in is None
    assert {p.id: p.completed for p in company.pulls().values()} == completed


def test_a_type_that_fails_to_read_fails_alone(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_read = beancount_session.BeancountSession.read

    def read(self: beancount_session.BeancountSession, data_type: str) -> list[dict[str, object]]:
        if data_type == "taxRates":
            raise FatalConnectorError("tax rates are unreadable today")
        return real_read(self, data_type)

    monkeypatch.setattr(beancount_session.BeancountSession, "read", read)
    _, signalled = company.queue_all()
    company.run(signalled[0])
    pulls = company.pulls()
    assert pulls["taxRates"].status == "FetchError"
    assert pulls["taxRates"].error_message == "tax rates are unreadable today"
    others = {t: p.status for t, p in pulls.items() if t != "taxRates"}
    assert set(others.values()) == {"Complete"}, others
    assert "taxRates" not in company.cached_types() and "chartOfAccounts" in (
        company.cached_types()
    )


def test_a_pull_waiting_out_its_backoff_is_not_taken_early(company: Company) -> None:
    queued, signalled = company.queue_all()
    later = datetime.now(UTC) + timedelta(minutes=5)
    with UnitOfWork(company.runtime.session_factory) as uow:
        waiting = uow.session.get(PullOperation, queued[-1])
        assert waiting is not None and waiting.id != signalled[0]
        waiting.next_attempt, waiting.attempts = later, 1
        uow.commit()

    company.run(signalled[0])
    pulls = {p.id: p for p in company.pulls().values()}
    assert pulls[queued[-1]].status == "Queued"  # left for its own, later, message
    assert all(pulls[i].status == "Complete" for i in queued[:-1])
    company.run(queued[-1])  # its own message takes it whenever it comes
    assert company.pulls()[pulls[queued[-1]].data_type].status == "Complete"
