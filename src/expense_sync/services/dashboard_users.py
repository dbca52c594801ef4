"""Dashboard users: people who sign in to Sync Health with an email and a password
instead of an API key (``expense-sync dashboard-users create``), so a support person
need not hold a key that can also write through the API. A user sees exactly what its
client's API keys see.

Passwords are stored as scrypt hashes (the standard library's, memory-hard, n=2^14,
r=8, p=1, a random 16-byte salt each), compared in constant time; a sign-in for an
unknown email still hashes once, so timing does not tell which emails exist.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import Conflict, InvalidRequest
from expense_sync.storage.models import DashboardUser

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")
MIN_PASSWORD = 12
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        assert kind == "scrypt"
        found = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, AssertionError):
        return False
    return hmac.compare_digest(found.hex(), digest)


def create_user(session: Session, client_id: uuid.UUID, email: str, password: str) -> DashboardUser:
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise InvalidRequest.for_field("email", "Give an email address such as ana@example.com.")
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest.for_field(
            "password", f"Use a password of at least {MIN_PASSWORD} characters."
        )
    if session.scalar(select(DashboardUser.id).where(DashboardUser.email == email)):
        raise Conflict(f"A dashboard user {email} exists already.")
    user = DashboardUser(client_id=client_id, email=email, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str, password: str) -> DashboardUser | None:
    """The user these credentials belong to, if they are right."""
    user = session.scalar(select(DashboardUser).where(DashboardUser.email == email.strip().lower()))
    if user is None:
        password_matches(password, hash_password("not a user"))  # the same time either way
        return None
    return user if password_matches(password, user.password_hash) else None
