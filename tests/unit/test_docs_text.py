"""The README and docs/ as a reader follows them: the README links nothing outside the
repository, and every shell variable an example uses is one the README's quickstart (or
the same page, earlier) sets, under the same name."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
SHELL_BLOCK = re.compile(r"```(?:sh|bash)\n(.*?)```", re.DOTALL)
ASSIGNED = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)
USED = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# Placeholders and this machine: not links to anywhere.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "host", ""}


def shell_blocks(page: Path) -> list[str]:
    return SHELL_BLOCK.findall(page.read_text())


def test_readme_links_only_inside_the_repository() -> None:
    text = README.read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets, "the README links its docs"
    for target in targets:
        assert "://" not in target and not target.startswith(".."), target
        assert (ROOT / target.split("#", 1)[0]).exists(), f"{target} is not in the repository"
    for host in re.findall(r"https?://([^/\s\"'`)<>:]*)", text):
        assert host in LOCAL_HOSTS, f"the README points at {host}"


def test_docs_shell_examples_use_the_readme_variables() -> None:
    readme_names = {name for block in shell_blocks(README) for name in ASSIGNED.findall(block)}
    assert {"KEY", "AUTH", "COMPANY", "CONNECTION", "TRANSACTION", "SYNC"} <= readme_names
    for page in [README, *DOCS]:
        known = set(readme_names)
        for block in shell_blocks(page):
            for line in block.splitlines():
                known |= set(ASSIGNED.findall(line))
                unknown = set(USED.findall(line)) - known
                assert not unknown, f"{page.name}: {sorted(unknown)} not set before: {line}"
