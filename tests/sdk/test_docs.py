"""docs/sdk.md's Python examples, run in order against a real server, twice: as written
(keyword arguments), and with every call rewritten into Codat's style, where one
``request`` holds the path and query parameters and the body."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from expense_sync.client import ExpenseSync
from expense_sync.client._operations import OPTIONS, Endpoint
from tests.e2e.server import RunningServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def _endpoints() -> dict[tuple[str, str], Endpoint[Any]]:
    """Every operation of the SDK by (group attribute, method name), ``_async`` included."""
    sdk = ExpenseSync(api_key="unused")
    found = {}
    for group, resource in vars(sdk).items():
        for name, member in vars(type(resource)).items():
            if hasattr(member, "endpoint"):
                found[group, name] = member.endpoint
    return found


class CodatStyle(ast.NodeTransformer):
    """``sdk.g.op(company_id=c, page_size=1, request=body, retries=r)`` becomes
    ``sdk.g.op(request={"company_id": c, "page_size": 1, "<body_field>": body}, retries=r)``
    for every operation Codat's SDK calls with one request object."""

    def __init__(self) -> None:
        self.endpoints = _endpoints()
        self.rewritten = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        function = node.func
        if not (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Attribute)):
            return node
        endpoint = self.endpoints.get((function.value.attr, function.attr))
        if endpoint is None or not endpoint.takes_envelope:
            return node
        options = [k for k in node.keywords if k.arg in OPTIONS and k.arg != "request"]
        moved = [k for k in node.keywords if k.arg not in OPTIONS]
        body = [k.value for k in node.keywords if k.arg == "request"]
        if not moved:
            return node
        keys: list[ast.expr | None] = [ast.Constant(k.arg) for k in moved]
        values = [k.value for k in moved]
        if body:
            keys.append(ast.Constant(endpoint.body_field))
            values.append(body[0])
        envelope = ast.keyword("request", ast.Dict(keys=keys, values=values))
        self.rewritten += 1
        return ast.copy_location(ast.Call(function, node.args, [envelope, *options]), node)


@pytest.mark.parametrize("style", ["keywords", "codat"])
def test_every_python_example_runs(
    style: str, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 9
    monkeypatch.setenv("EXPENSE_SYNC_URL", server.url)
    monkeypatch.setenv("EXPENSE_SYNC_API_KEY", server.first_key)
    namespace: dict[str, object] = {"__name__": "sdk_docs"}
    codat = CodatStyle()
    for number, block in enumerate(blocks, 1):
        tree = ast.parse(block)
        if style == "codat":
            tree = ast.fix_missing_locations(codat.visit(tree))
        try:
            exec(compile(tree, f"docs/sdk.md block {number}", "exec"), namespace)
        except Exception as error:
            shown = ast.unparse(tree) if style == "codat" else block
            failed = f"docs/sdk.md block {number} ({style}) failed:\n{shown}"
            raise AssertionError(failed) from error
    if style == "codat":
        assert codat.rewritten >= 12, "the docs' calls were not rewritten into Codat's style"
