"""Ledger files on disk: Beancount's verdict on them, and atomic, checked writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from beancount import loader

from expense_sync.connectors.base import ValidationConnectorError

# Beancount's loader otherwise caches slow parses in ``.<file>.picklecache`` beside the
# ledger, and unpickles any such file it finds: a file left there by someone else would
# run code, and every checked write (a new temporary name each time) would leave one.
loader.initialize(use_cache=False)


def load(path: Path) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Beancount's loader on ``path``: entries, errors and options (never a pickle cache)."""
    return loader.load_file(str(path))


def ledger_errors(path: Path) -> list[str]:
    """Beancount's own complaints about a ledger file, as 'file:line: message' strings."""
    _, errors, _ = load(path)
    return [describe_error(error) for error in errors]


def describe_error(error: object) -> str:
    source = getattr(error, "source", None) or {}
    where = f"{Path(source.get('filename', '?')).name}:{source.get('lineno', '?')}"
    return f"{where}: {getattr(error, 'message', error)}"


def write_checked(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only if Beancount accepts it; replace atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".beancount")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        problems = ledger_errors(temp)
        if problems:
            raise ValidationConnectorError(
                "Beancount refused the ledger: " + "; ".join(problems[:5])
            )
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
