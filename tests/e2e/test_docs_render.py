"""/docs and /redoc rendered by headless Chromium with every host but this one unknown:
the pages must build from the server's own assets."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def rendered(url: str) -> str:
    assert CHROMIUM
    return subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            # No internet: any host other than the server's does not resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=20000", "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to render the docs")
def test_docs_and_redoc_render_offline(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        swagger = rendered(f"{server.url}/docs")
        assert 'data-path="/companies/{companyId}/sync/expenses/expense-transactions"' in swagger
        assert "opblock" in swagger
        redoc = rendered(f"{server.url}/redoc")
        assert "api-content" in redoc and "expense-transactions" in redoc
