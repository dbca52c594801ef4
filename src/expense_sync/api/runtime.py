"""What one running API process holds: settings, the database and shared counters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.services.quotas import CompanyConcurrency
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.sync.executor import Executor, WorkerContext, make_broker


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    secrets: SecretBox
    concurrency: CompanyConcurrency
    executor: Executor

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        settings.ensure_dirs()
        engine = make_engine(settings.resolved_database_url)
        session_factory = make_session_factory(engine)
        executor = Executor(
            make_broker(settings.broker_url), WorkerContext(settings, session_factory)
        )
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            secrets=SecretBox(settings.secret_key_bytes),
            concurrency=CompanyConcurrency(settings.company_concurrency),
            executor=executor,
        )

    def start(self) -> None:
        """Embedded: start the worker and pick up whatever a previous run left unfinished.
        With a broker this process only sends work; ``expense-sync worker`` runs it."""
        if not self.settings.broker_url:
            self.executor.start_worker(self.settings.worker_threads)
            self.executor.resume()

    def stop(self) -> None:
        """Stop the worker, then close every pooled database connection."""
        self.executor.stop()
        self.engine.dispose()
