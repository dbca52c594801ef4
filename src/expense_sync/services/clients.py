"""Clients (tenants) and their API keys. Keys are shown once and stored as SHA-256
hashes: they are 256-bit random tokens, so a fast hash is enough to make a leaked
database useless for signing in."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import ApiKey, Client

DEFAULT_CLIENT = "default"
MAX_KEYS_PER_CLIENT = 10
# 4 of a key's 43 random characters: enough to tell keys apart, 24 bits off the key's 256.
HINT_LENGTH = 4


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    record: ApiKey
    plaintext: str


CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def ensure_client(session: Session, name: str = DEFAULT_CLIENT) -> Client:
    """The client called ``name``, created if new. Names are also folder names."""
    if not CLIENT_NAME.fullmatch(name):
        raise InvalidRequest.for_field(
            "client",
            "Client names are 1-100 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit.",
        )
    client = session.scalar(select(Client).where(Client.name == name))
    if client is None:
        client = Client(name=name)
        session.add(client)
        session.flush()
    return client


def create_api_key(session: Session, client_id: uuid.UUID, name: str | None) -> NewApiKey:
    lock_row(session, Client, client_id)  # so two requests cannot both pass the cap
    count = len(list_api_keys(session, client_id))
    if count >= MAX_KEYS_PER_CLIENT:
        raise Conflict(
            f"A client may hold at most {MAX_KEYS_PER_CLIENT} API keys; delete an unused one first."
        )
    plaintext = secrets.token_urlsafe(32)
    record = ApiKey(
        client_id=client_id,
        name=name,
        key_hash=hash_key(plaintext),
        key_hint=plaintext[-HINT_LENGTH:],
    )
    session.add(record)
    session.flush()
    return NewApiKey(record, plaintext)


def list_api_keys(session: Session, client_id: uuid.UUID) -> list[ApiKey]:
    statement = select(ApiKey).where(ApiKey.client_id == client_id).order_by(ApiKey.created)
    return list(session.scalars(statement))


def delete_api_key(session: Session, client_id: uuid.UUID, key_id: str) -> None:
    try:
        parsed = uuid.UUID(key_id)
    except ValueError:
        raise NotFound("API key", key_id) from None
    record = session.get(ApiKey, parsed)
    if record is None or record.client_id != client_id:
        raise NotFound("API key", key_id)
    session.delete(record)


@dataclass(frozen=True)
class ListedKey:
    """An API key as an operator sees it: never the key, only its last characters."""

    id: uuid.UUID
    name: str | None
    client: str
    created: datetime
    hint: str | None


def all_api_keys(session: Session, client: str | None = None) -> list[ListedKey]:
    """Every client's keys (or one client's), oldest first: for the operator's command line."""
    statement = (
        select(ApiKey, Client.name)
        .join(Client, Client.id == ApiKey.client_id)
        .order_by(Client.name, ApiKey.created)
    )
    if client is not None:
        statement = statement.where(Client.name == client)
    return [
        ListedKey(key.id, key.name, client_name, key.created, key.key_hint)
        for key, client_name in session.execute(statement)
    ]


def revoke_api_key(session: Session, key_id: str) -> ListedKey:
    """Delete any client's key by id (the operator's revoke); the next request using it
    gets 401, since every request looks its key up."""
    try:
        record = session.get(ApiKey, uuid.UUID(key_id))
    except ValueError:
        record = None
    if record is None:
        raise NotFound("API key", key_id)
    owner = session.get(Client, record.client_id)
    listed = ListedKey(
        record.id, record.name, owner.name if owner else "?", record.created, record.key_hint
    )
    session.delete(record)
    return listed


def authenticate(session: Session, key: str) -> uuid.UUID:
    client_id = session.scalar(select(ApiKey.client_id).where(ApiKey.key_hash == hash_key(key)))
    if client_id is None:
        raise Unauthorized("The API key is not valid. Send 'Authorization: Basic <base64 key>'.")
    return client_id


def find_api_key(session: Session, key: str) -> ApiKey | None:
    """The key record a plaintext key matches, if any (for signing in to the dashboard,
    whose session remembers which key it came from, so deleting the key ends it)."""
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
