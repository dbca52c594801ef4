"""A connection's OAuth tokens, sealed in ``connections.encrypted_secrets`` and rotated
under the connection's row lock with a version compare, so two workers refreshing at
once never lose the platform's rotated refresh token (see ``cloud.tokens``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from expense_sync.connectors.base import FatalConnectorError
from expense_sync.connectors.base.cloud.tokens import StoredTokens, Tokens
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.services import webhook_events
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import Connection


class DatabaseTokenStore:
    def __init__(
        self, session_factory: sessionmaker[Session], box: SecretBox, connection_id: uuid.UUID
    ) -> None:
        self._session_factory = session_factory
        self._box = box
        self._connection_id = connection_id

    def current(self) -> StoredTokens:
        with self._session_factory() as session:
            return self._read(self._row(session))

    def rotate(self, seen: StoredTokens, refresh: Callable[[Tokens], Tokens]) -> StoredTokens:
        with self._session_factory() as session:
            lock_row(session, Connection, self._connection_id)
            row = self._row(session)
            session.refresh(row)
            stored = self._read(row)
            if stored.version != seen.version:  # another worker rotated meanwhile
                session.rollback()
                return stored
            try:
                tokens = refresh(stored.tokens)
            except FatalConnectorError as error:
                mark_deauthorized(session, row, error.message)
                session.commit()
                raise
            secrets = {**self._box.open(row.encrypted_secrets or ""), **tokens.as_secrets()}
            row.encrypted_secrets = self._box.seal(secrets)
            row.secrets_version = stored.version + 1
            session.commit()
            return StoredTokens(tokens, stored.version + 1)

    def deauthorize(self, message: str) -> None:
        with self._session_factory() as session:
            lock_row(session, Connection, self._connection_id)
            mark_deauthorized(session, self._row(session), message)
            session.commit()

    def _row(self, session: Session) -> Connection:
        row = session.get(Connection, self._connection_id)
        if row is None:
            raise FatalConnectorError("The connection was deleted.")
        return row

    def _read(self, row: Connection) -> StoredTokens:
        if row.status != ConnectionStatus.LINKED or not row.encrypted_secrets:
            raise FatalConnectorError(
                f"The connection is {row.status}; link it again to use its books."
            )
        return StoredTokens(
            Tokens.from_secrets(self._box.open(row.encrypted_secrets)), row.secrets_version
        )


def mark_deauthorized(session: Session, row: Connection, message: str) -> None:
    """The platform withdrew access: the connection says so in the platform's words,
    and the client is told (``connection.disconnected``), once."""
    if row.status == ConnectionStatus.DEAUTHORIZED:
        return
    now = datetime.now(UTC)
    row.status = ConnectionStatus.DEAUTHORIZED
    row.errors = [
        {
            "statusCode": "401",
            "statusText": "The platform de-authorized access to the connection.",
            "errorMessage": message,
            "erroredOnUtc": webhook_events.iso(now),
            "status": "Active",
        }
    ]
    session.flush()
    webhook_events.connection_disconnected(session, row, now)
