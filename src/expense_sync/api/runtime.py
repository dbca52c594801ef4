"""What one running API process holds: settings, the database and shared counters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.services.quotas import CompanyConcurrency
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.db import make_engine, make_session_factory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    secrets: SecretBox
    concurrency: CompanyConcurrency

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        settings.ensure_dirs()
        engine = make_engine(settings.resolved_database_url)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            secrets=SecretBox(settings.secret_key_bytes),
            concurrency=CompanyConcurrency(settings.company_concurrency),
        )
