"""``expense_sync.client`` imports in a virtual environment holding only httpx and pydantic."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"
PROBE = """
import json, sys
import expense_sync.client as sdk
from expense_sync.client import ExpenseSync
ExpenseSync(api_key="k").close()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
SERVER_ONLY = {
    *("beancount", "sqlalchemy", "fastapi", "starlette", "alembic", "dramatiq", "typer"),
    *("jinja2", "trytond", "psycopg", "uvicorn", "cryptography", "orjson"),
}


def test_the_sdk_needs_only_httpx_and_pydantic(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(UV), "venv", "--quiet", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "httpx", "pydantic"],
        check=True,
    )
    done = subprocess.run(
        [str(python), "-c", PROBE],
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "httpx" in loaded and "pydantic" in loaded and "expense_sync" in loaded
    assert not loaded & SERVER_ONLY, loaded & SERVER_ONLY
