"""The customer's side of linking: reached with a link token, not an API key."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from expense_sync.config import Settings
from expense_sync.connectors.base import PlatformManifest
from expense_sync.connectors.catalog import listed_manifests
from expense_sync.domain.errors import NotFound
from expense_sync.services import connections
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.models import Company, Connection


def company_by_token(
    session: Session, box: SecretBox, company_id: uuid.UUID, token: str
) -> Company:
    company = session.get(Company, company_id)
    if company is None or not box.check_link_token(str(company_id), token):
        raise NotFound("Link", company_id)
    return company


def connection_by_token(
    session: Session, box: SecretBox, company_id: uuid.UUID, connection_id: uuid.UUID, token: str
) -> Connection:
    connection = session.get(Connection, connection_id)
    if (
        connection is None
        or connection.company_id != company_id
        or not box.check_link_token(str(connection_id), token)
    ):
        raise NotFound("Link", connection_id)
    return connection


def linkable_platforms() -> list[PlatformManifest]:
    return [m for m in listed_manifests() if m.connector_available]


def start_connection(session: Session, company: Company, platform_key: str) -> Connection:
    """The company's open connection to this platform, or a new one: a customer clicking
    Connect twice (or replaying the link) never piles up connections."""
    for existing in company.connections:
        if existing.platform_key == platform_key and existing.status != "Unlinked":
            return existing
    return connections.create_connection(session, company.client_id, company.id, platform_key)


def complete_link(
    session: Session, settings: Settings, connection: Connection, answers: dict[str, str]
) -> Connection:
    manifest = connections.manifest_of(connection)
    fields = {f.name: answers[f.name].strip() for f in manifest.link_fields if answers.get(f.name)}
    return connections.authorize_connection(session, settings, connection, fields)
