"""Connections: a company's link to one accounting platform, and the link flow."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.config import Settings
from expense_sync.connectors.base import LinkContext, PlatformManifest
from expense_sync.connectors.catalog import (
    PARTNER_EXPENSE_MANIFEST,
    connector_for,
    listed_manifests,
    manifest_for,
)
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.domain.errors import Conflict, InvalidRequest, Problem
from expense_sync.domain.text import require_storable
from expense_sync.services.cloud import cloud_access
from expense_sync.services.companies import get_company_row, owned_company_id
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.models import Client, Company, Connection
from expense_sync.storage.query_sql import Page, PageRequest, QueryField, fetch_page

CONNECTION_FIELDS = {
    "id": QueryField(Connection.id, "uuid"),
    "integrationKey": QueryField(Connection.platform_key),
    "status": QueryField(Connection.status, "enum", tuple(s.value for s in ConnectionStatus)),
    "created": QueryField(Connection.created, "datetime"),
    "lastSync": QueryField(Connection.last_sync, "datetime"),
}


def manifest_of(connection: Connection) -> PlatformManifest:
    manifest = manifest_for(connection.platform_key)
    assert manifest is not None, f"unknown platform {connection.platform_key} in storage"
    return manifest


def linkable_platform(platform_key: str) -> PlatformManifest:
    """The manifest for ``platform_key`` if it can be linked; a 400 naming the options if not."""
    linkable = [m.key for m in listed_manifests() if m.connector_available]
    manifest = manifest_for(platform_key)
    if manifest is None or manifest is PARTNER_EXPENSE_MANIFEST:
        known = ", ".join(f"{m.key} ({m.name})" for m in listed_manifests())
        raise InvalidRequest.for_field(
            "platformKey",
            f"Unknown platformKey '{platform_key}'. Valid keys: {known}. "
            f"Those with a working connector: {', '.join(linkable)}.",
        )
    if not manifest.connector_available:
        raise InvalidRequest.for_field(
            "platformKey",
            f"{manifest.name} ({manifest.key}) has no working connector yet, so it cannot be "
            f"linked. Platforms you can link: {', '.join(linkable)}.",
        )
    return manifest


def list_connections(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, request: PageRequest
) -> Page[Connection]:
    owned_company_id(session, client_id, company_id)
    return fetch_page(
        session,
        select(Connection),
        request,
        CONNECTION_FIELDS,
        [Connection.created, Connection.id],
        [Connection.company_id == company_id],
    )


def create_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, platform_key: str
) -> Connection:
    owned_company_id(session, client_id, company_id)
    manifest = linkable_platform(platform_key)
    connection = Connection(
        company_id=company_id, platform_key=manifest.key, status=ConnectionStatus.PENDING_AUTH
    )
    session.add(connection)
    session.flush()
    return connection


def create_partner_expense_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID
) -> Connection:
    """The card platform's own side of the sync; linked from the start, one per company."""
    owned_company_id(session, client_id, company_id, for_update=True)
    existing = session.scalar(
        select(Connection).where(
            Connection.company_id == company_id,
            Connection.platform_key == PARTNER_EXPENSE_MANIFEST.key,
        )
    )
    if existing is not None:
        return existing
    connection = Connection(
        company_id=company_id,
        platform_key=PARTNER_EXPENSE_MANIFEST.key,
        status=ConnectionStatus.LINKED,
    )
    session.add(connection)
    session.flush()
    return connection


def get_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection:
    return get_company_row(session, client_id, company_id, Connection, connection_id, "Connection")


def delete_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, connection_id: uuid.UUID
) -> None:
    session.delete(get_connection(session, client_id, company_id, connection_id))


def unlink_connection(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    connection_id: uuid.UUID,
    status: str | None,
) -> Connection:
    connection = get_connection(session, client_id, company_id, connection_id)
    if status not in (None, ConnectionStatus.UNLINKED):
        raise InvalidRequest.for_field(
            "status",
            f"Only 'Unlinked' can be set here (got '{status}'); link again through the "
            "connection's linkUrl or PUT .../authorization.",
        )
    connection.status = ConnectionStatus.UNLINKED
    return connection


def authorize_connection(
    session: Session,
    settings: Settings,
    connection: Connection,
    fields: dict[str, str],
) -> Connection:
    """Check the customer's answers with the platform's connector and link the connection."""
    require_storable(fields, "")
    manifest = manifest_of(connection)
    connector = connector_for(manifest.key)
    if connector is None:
        raise InvalidRequest.for_field(
            "platformKey", f"{manifest.name} has no working connector; it cannot be linked."
        )
    missing = [f.name for f in manifest.link_fields if f.required and not fields.get(f.name)]
    if missing:
        raise InvalidRequest(
            f"{manifest.name} needs {', '.join(missing)} to link.",
            [Problem(name, f"{name} is required to link {manifest.name}.") for name in missing],
        )
    client = session.get(Client, connection.company.client_id)
    assert client is not None
    # Each client has its own ledger folder, so no client can link another's books.
    ledger_root = settings.resolved_ledger_root / client.name
    ledger_root.mkdir(parents=True, exist_ok=True)
    context = LinkContext(
        company_id=connection.company_id,
        connection_id=connection.id,
        data_dir=settings.resolved_data_dir,
        ledger_root=ledger_root,
        company_name=connection.company.name,
        cloud=cloud_access(session, settings, connection.platform_key, connection.id),
    )
    authorization = connector.authorize(context, fields)
    _refuse_shared_books(session, client.id, connection, authorization.connection_info)
    connection.connection_info = authorization.connection_info
    if authorization.secrets:
        connection.encrypted_secrets = SecretBox(settings.secret_key_bytes).seal(
            authorization.secrets
        )
        connection.secrets_version = (connection.secrets_version or 0) + 1
    connection.status = ConnectionStatus.LINKED
    connection.errors = None
    return connection


def _refuse_shared_books(
    session: Session, client_id: uuid.UUID, connection: Connection, info: dict[str, str]
) -> None:
    """Two linked connections writing the same books would post every expense twice."""
    others = session.scalars(
        select(Connection)
        .join(Company, Company.id == Connection.company_id)
        .where(
            Company.client_id == client_id,
            Connection.id != connection.id,
            Connection.platform_key == connection.platform_key,
            Connection.status == ConnectionStatus.LINKED,
        )
    )
    for other in others:
        if other.connection_info and other.connection_info == info:
            raise Conflict(
                f"These books are already linked to connection {other.id} of company "
                f"{other.company_id}; unlink that connection first."
            )
