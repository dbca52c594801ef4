"""Ledger files on disk: Beancount's verdict on them, and atomic, checked writes."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
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


def write_checked(path: Path, text: str) -> Written:
    """Write ``text`` to ``path`` only if Beancount accepts it; replace atomically.

    Returns the loader's parse of the new file, as if loaded from ``path`` itself, and
    the file's identity: a caller may keep it instead of parsing the file again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".beancount")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
            stat = os.fstat(out.fileno())  # the rename keeps the inode, size and mtime
        entries, errors, options = load(temp)
        if errors:
            problems = [describe_error(error) for error in errors]
            raise ValidationConnectorError(
                "Beancount refused the ledger: " + "; ".join(problems[:5])
            )
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _rename(entries, options, str(path.name))
    return Written(entries, options, (stat.st_ino, stat.st_size, stat.st_mtime_ns))


@dataclass(frozen=True)
class Written:
    """Beancount's parse of a file ``write_checked`` wrote, and the file's identity."""

    entries: list[Any]
    options: dict[str, Any]
    version: tuple[int, int, int]  # inode, size, mtime_ns


def _rename(entries: list[Any], options: dict[str, Any], name: str) -> None:
    """Report the entries parsed from the temporary file under the file's real name (in
    the same folder), as the loader would have from the real file."""
    temp = str(options["filename"])
    final = os.path.join(os.path.dirname(temp), name)
    for entry in entries:
        if entry.meta.get("filename") == temp:
            entry.meta["filename"] = final
        for posting in getattr(entry, "postings", None) or ():
            if posting.meta and posting.meta.get("filename") == temp:
                posting.meta["filename"] = final
    options["filename"] = final
    options["include"] = sorted(final if each == temp else each for each in options["include"])
