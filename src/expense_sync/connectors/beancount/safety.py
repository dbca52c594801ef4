"""What a ledger may contain before we let Beancount's loader run it.

The loader follows ``include`` directives and imports ``plugin`` modules, so a ledger a
customer points us at could read files outside its ledger folder (and echo them back in
an error) or run code. Before loading, every file of the ledger is *parsed* only, never
executed: plugins are refused, and every include must stay inside the client's folder.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from beancount.parser import parser

from expense_sync.connectors.base import ValidationConnectorError

MAX_FILES = 1000
# Any line that could be an include or a plugin directive; a file without one needs no
# parse (a false alarm only costs the parse that follows).
MAY_LOAD_MORE = re.compile(rb"^(\xef\xbb\xbf)?[ \t]*(include|plugin)\b", re.MULTILINE)


def confined(root: Path, candidate: Path) -> Path:
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ValidationConnectorError(
            "ledgerPath must be a file inside the ledger folder; '..' and links that lead "
            "outside it are refused.",
            field="ledgerPath",
        )
    return resolved


def check_ledger_tree(path: Path, root: Path) -> list[Path]:
    """Parse ``path`` and everything it includes; return the files, or refuse the ledger."""
    pending, seen = [confined(root, path)], []
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        if len(seen) > MAX_FILES:
            raise ValidationConnectorError(
                f"The ledger includes more than {MAX_FILES} files.", field="ledgerPath"
            )
        if not MAY_LOAD_MORE.search(current.read_bytes()):
            continue  # no include or plugin line at all: nothing to parse for
        _, _, options = parser.parse_file(str(current))
        if options.get("plugin"):
            names = ", ".join(name for name, _ in options["plugin"])
            raise ValidationConnectorError(
                f"The ledger loads Beancount plugins ({names}); expense-sync does not run "
                "plugins. Remove the plugin lines or link a ledger without them.",
                field="ledgerPath",
            )
        for pattern in options.get("include", []):
            target = current.parent / pattern
            matches = glob.glob(str(target)) if glob.has_magic(str(target)) else [str(target)]
            pending.extend(confined(root, Path(match)) for match in matches)
    return seen
