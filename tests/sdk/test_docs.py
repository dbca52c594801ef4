"""docs/sdk.md's Python examples, run in order against a real server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.server import RunningServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def test_every_python_example_runs(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 8
    monkeypatch.setenv("EXPENSE_SYNC_URL", server.url)
    monkeypatch.setenv("EXPENSE_SYNC_API_KEY", server.first_key)
    namespace: dict[str, object] = {"__name__": "sdk_docs"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"docs/sdk.md block {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"docs/sdk.md block {number} failed:\n{block}") from error
