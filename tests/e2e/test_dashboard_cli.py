"""``expense-sync dashboard-users create``, run as a person would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from expense_sync.config import Settings
from expense_sync.services.dashboard_users import find_user
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.models import Client
from expense_sync.storage.uow import UnitOfWork


def create(data_dir: Path, email: str, typed: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "expense_sync", "dashboard-users", "create", "--client", "acme",
         "--email", email, "--data-dir", str(data_dir)],
        input=typed, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_creates_a_user_who_can_sign_in_and_refuses_a_short_password(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = create(data_dir, "ana@example.com", "a long passphrase\na long passphrase\n")
    assert made.returncode == 0, made.stdout + made.stderr
    said = made.stdout + made.stderr
    assert "ana@example.com" in said and "a long passphrase" not in said
    short = create(data_dir, "bo@example.com", "short\nshort\n")
    assert short.returncode == 1 and "at least 12" in short.stdout + short.stderr
    engine = make_engine(Settings(data_dir=data_dir).resolved_database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            user = find_user(uow.session, "ANA@example.com", "a long passphrase")
            assert user is not None
            client = uow.session.get(Client, user.client_id)
            assert client is not None and client.name == "acme"
            assert find_user(uow.session, "bo@example.com", "short") is None
    finally:
        engine.dispose()
