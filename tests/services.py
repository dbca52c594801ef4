"""Finding the machine's real services for tests, and saying clearly when one is missing.

Outside CI a missing service skips the tests that need it, naming the service and the
reason; under ``CI=true`` it is a failure, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "EXPENSE_SYNC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def missing_service(name: str, reason: str) -> None:
    message = f"{name} is not available: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(message)


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create a fresh PostgreSQL database and drop it afterwards; yield its SQLAlchemy URL."""
    name = f"expense_sync_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        missing_service("PostgreSQL at 127.0.0.1:5432", str(error).strip().splitlines()[0])
        raise AssertionError("unreachable") from error
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
