"""The unit of work: one database transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """``with UnitOfWork(factory) as uow: ...; uow.commit()``: leaving without commit
    rolls everything back, so a failed request never leaves half its writes behind."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
        jobs, self._after_commit = self._after_commit, []
        for job in jobs:
            job()

    def after_commit(self, job: Callable[[], None]) -> None:
        """Run ``job`` once the transaction has committed (e.g. tell a worker about new
        work); if the transaction rolls back, the job is dropped with it."""
        self._after_commit.append(job)
