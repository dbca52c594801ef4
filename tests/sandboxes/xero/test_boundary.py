"""The sandboxes and the product stay apart: neither imports the other (lazy CLI imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src"
# The only places the product may reach a sandbox: inside `expense-sync sandbox <name>`.
ALLOWED_PRODUCT_IMPORTS = {
    ("expense_sync/cli.py", "sandbox_xero"),
    ("expense_sync/cli.py", "sandbox_quickbooks"),
    ("expense_sync/cli.py", "sandbox_business_central"),
    ("expense_sync/cli.py", "sandbox_freeagent"),
}
SANDBOXES = ("xero", "quickbooks", "business_central", "freeagent")
# What the sandboxes share; it must stay apart from the product as they do.
PACKAGES = (*SANDBOXES, "common")


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """Every module imported by ``path``, with the function it is imported in (None: top)."""
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text()), None)
    return found


@pytest.mark.parametrize("sandbox", PACKAGES)
def test_the_sandbox_imports_nothing_from_the_product(sandbox: str) -> None:
    files = sorted((SRC / "sandboxes" / sandbox).rglob("*.py"))
    assert len(files) > 2
    assert any(path.parent.name == sandbox for path in files)
    offending = [
        (str(path.relative_to(SRC)), module)
        for path in files
        for module, _ in _imports(path)
        if module.split(".")[0] == "expense_sync"
    ]
    assert offending == []


def test_the_product_does_not_import_the_sandbox() -> None:
    files = sorted((SRC / "expense_sync").rglob("*.py"))
    assert len(files) > 20
    offending = [
        (str(path.relative_to(SRC)), module, function)
        for path in files
        for module, function in _imports(path)
        if module.split(".")[0] == "sandboxes"
        and (str(path.relative_to(SRC)), function) not in ALLOWED_PRODUCT_IMPORTS
    ]
    assert offending == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from sandboxes.xero import run\n")
    assert _imports(sample) == [("os", None), ("sandboxes.xero", "f")]


def test_only_the_cli_commands_may_import_a_sandbox(tmp_path: Path) -> None:
    """The allowance names each command; another function of cli.py is not allowed."""
    cli = _imports(SRC / "expense_sync" / "cli.py")
    reached = {
        (module.split(".")[1], function)
        for module, function in cli
        if module.startswith("sandboxes.")
    }
    assert reached == {
        ("xero", "sandbox_xero"),
        ("quickbooks", "sandbox_quickbooks"),
        ("business_central", "sandbox_business_central"),
        ("freeagent", "sandbox_freeagent"),
    }


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_the_sandboxes_share_only_through_common(sandbox: str) -> None:
    """A sandbox reaches another sandbox's code only through ``sandboxes.common``."""
    others = {f"sandboxes.{name}" for name in PACKAGES} - {
        f"sandboxes.{sandbox}",
        "sandboxes.common",
    }
    offending = [
        (str(path.relative_to(SRC)), module)
        for path in sorted((SRC / "sandboxes" / sandbox).rglob("*.py"))
        for module, _ in _imports(path)
        if ".".join(module.split(".")[:2]) in others
    ]
    assert offending == []


def test_common_imports_no_sandbox() -> None:
    offending = [
        (str(path.relative_to(SRC)), module)
        for path in sorted((SRC / "sandboxes" / "common").rglob("*.py"))
        for module, _ in _imports(path)
        if module.startswith("sandboxes.") and not module.startswith("sandboxes.common")
    ]
    assert offending == []
