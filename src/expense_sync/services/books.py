"""Opening a company's linked books: which connection, which connector, which secrets."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.config import Settings
from expense_sync.connectors.base import Connector, LedgerSession, LinkedBooks
from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST, connector_for
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.domain.errors import InvalidRequest, Unprocessable
from expense_sync.services.cloud import cloud_access
from expense_sync.services.companies import owned_company_id
from expense_sync.services.connections import get_connection
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.models import Client, Company, Connection


def accounting_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID
) -> Connection:
    """The company's linked accounting connection, or a 4xx saying how to get one."""
    owned_company_id(session, client_id, company_id)  # one query: no relations loaded
    connection = find_accounting_connection(session, company_id)
    if connection is None:
        raise Unprocessable(
            "The company has no linked accounting connection: create one with POST "
            f"/companies/{company_id}/connections and link it first."
        )
    return connection


def find_accounting_connection(
    session: Session,
    company_id: uuid.UUID,
    statuses: tuple[ConnectionStatus, ...] = (ConnectionStatus.LINKED,),
) -> Connection | None:
    """The company's first linked (or ``statuses``) accounting connection, not the
    partner expense one."""
    statement = (
        select(Connection)
        .where(
            Connection.company_id == company_id,
            Connection.status.in_(statuses),
            Connection.platform_key != PARTNER_EXPENSE_MANIFEST.key,
        )
        .order_by(Connection.created)
    )
    return session.scalars(statement).first()


def linked_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection:
    connection = get_connection(session, client_id, company_id, connection_id)
    if connection.status != ConnectionStatus.LINKED:
        raise Unprocessable(
            f"Connection {connection_id} is {connection.status}; link it before reading or "
            "writing its books."
        )
    if connector_for(connection.platform_key) is None:
        raise InvalidRequest.for_field(
            "connectionId", "This connection's platform has no books to read or write."
        )
    return connection


def connector_of(connection: Connection) -> Connector:
    connector = connector_for(connection.platform_key)
    if connector is None:
        raise Unprocessable(f"Platform {connection.platform_key} has no working connector.")
    return connector


def open_books(session: Session, settings: Settings, connection: Connection) -> LedgerSession:
    connector = connector_of(connection)
    client_name = session.scalar(  # one query: loading the Company would load its relations
        select(Client.name).join(Company).where(Company.id == connection.company_id)
    )
    assert client_name is not None
    secrets = (
        SecretBox(settings.secret_key_bytes).open(connection.encrypted_secrets)
        if connection.encrypted_secrets
        else {}
    )
    books = LinkedBooks(
        connection_info=dict(connection.connection_info or {}),
        secrets=secrets,
        ledger_root=settings.resolved_ledger_root / client_name,
        cloud=cloud_access(session, settings, connection.platform_key, connection.id),
    )
    return connector.open(books)
