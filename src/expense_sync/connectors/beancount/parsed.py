"""One parse of a ledger, kept in process while the files are the ones we parsed or wrote.

A full parse (Beancount's loader on the whole ledger) is the expensive step, so a parse is
kept per ledger path together with the identity of every file it read: inode, size and
mtime (ns). Any change to a file by anyone else (an editor, ``git checkout``, another
process) changes that identity, and the next use parses again from scratch.

Our own appends do not throw the parse away: ``Loaded.appended`` adds the entries just
written (checked by Beancount's parser, booking and validations, see ``checking``) and
the main file's new identity, so the next write costs what it writes, not what the ledger
holds. Rewrites in place (an update of a contact or of a posting's older revision) replace
the file with one Beancount's loader checked; that parse of it is kept (``keep_written``),
so the file is not parsed a second time.

Each parse also holds the views the writers need, built once per parse: the postings
expense-sync wrote (by key), the documents it attached (by id), the accounts' ``open``
and ``close`` directives, and the latest balance assertion or pad per account.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from beancount.core import data

from expense_sync.connectors.base import FatalConnectorError, ValidationConnectorError
from expense_sync.connectors.beancount.files import Written, describe_error, load
from expense_sync.connectors.beancount.posting import ID_KEY, REVISION_KEY
from expense_sync.connectors.beancount.safety import check_ledger_tree

EARLIEST_OPEN = dt.date(2000, 1, 1)
ATTACHMENT_KEY = "expense-sync-attachment"
Version = tuple[int, int, int] | None  # (inode, size, mtime_ns); None: missing


@dataclass(frozen=True)
class Landed:
    """A transaction expense-sync posted: which revision, where, and on which account a
    receipt for it is filed (its last posting: the card, bank or payable account)."""

    revision: int
    filename: str
    lineno: int
    date: dt.date
    account: str


@dataclass
class MainFile:
    """What an append needs to know about the ledger's own file, without reading it."""

    version: Version
    lines: int  # newline characters in the file
    ends_with_newline: bool


@dataclass
class Loaded:
    """One parse of a ledger (its main file plus includes), with the views built from it."""

    entries: list[Any]
    options: dict[str, Any]
    files: list[str]  # the main file first, then every include
    versions: tuple[Version, ...]
    main: MainFile
    first_date: dt.date = field(default=EARLIEST_OPEN)

    @cached_property
    def currency(self) -> str:
        return str((self.options.get("operating_currency") or ["USD"])[0])

    @cached_property
    def currencies(self) -> list[str]:
        """Every currency the ledger names: its operating currencies, its ``commodity``
        directives, and the currencies its accounts are opened for."""
        named = set(self.options.get("operating_currency") or [])
        named.update(e.currency for e in self.entries if isinstance(e, data.Commodity))
        named.update(c for e in self.opens for c in e.currencies or ())
        return sorted(named)

    @cached_property
    def opens(self) -> list[data.Open]:
        return [e for e in self.entries if isinstance(e, data.Open)]

    @cached_property
    def opened(self) -> dict[str, data.Open]:
        return {e.account: e for e in self.opens}

    @cached_property
    def closes(self) -> dict[str, data.Close]:
        return {e.account: e for e in self.entries if isinstance(e, data.Close)}

    @cached_property
    def closed(self) -> set[str]:
        return set(self.closes)

    @cached_property
    def customs(self) -> list[data.Custom]:
        return [e for e in self.entries if isinstance(e, data.Custom) and e.values]

    @cached_property
    def asserted(self) -> dict[str, dt.date]:
        """The latest ``balance`` or ``pad`` date per account: a posting dated on or
        before it can change what that assertion finds."""
        latest: dict[str, dt.date] = {}
        for entry in self.entries:
            if isinstance(entry, (data.Balance, data.Pad)):
                latest[entry.account] = max(latest.get(entry.account, entry.date), entry.date)
        return latest

    @cached_property
    def postings(self) -> dict[str, Landed]:
        """Every transaction expense-sync posted, by key."""
        found: dict[str, Landed] = {}
        for entry in self.entries:
            self._index(entry, found)
        return found

    @cached_property
    def attachments(self) -> dict[str, data.Document]:
        """Every document expense-sync attached, by the attachment's id."""
        return {
            str(e.meta[ATTACHMENT_KEY]): e
            for e in self.entries
            if isinstance(e, data.Document) and ATTACHMENT_KEY in e.meta
        }

    @staticmethod
    def _index(entry: Any, found: dict[str, Landed]) -> None:
        if isinstance(entry, data.Transaction) and ID_KEY in entry.meta and entry.postings:
            found[str(entry.meta[ID_KEY])] = Landed(
                revision=int(str(entry.meta.get(REVISION_KEY, "1"))),
                filename=str(entry.meta["filename"]),
                lineno=int(entry.meta["lineno"]),
                date=entry.date,
                account=entry.postings[-1].account,
            )

    def appended(self, entries: list[Any], main: MainFile) -> None:
        """Take in entries just appended to the main file (transactions and documents
        only, which change none of the account, contact or assertion views)."""
        assert not any(isinstance(e, (data.Open, data.Close, data.Custom)) for e in entries)
        self.entries = self.entries + entries  # a new list: readers may be iterating
        self.main = main
        self.versions = (main.version, *self.versions[1:])
        self.first_date = min([self.first_date, *(e.date for e in entries)])
        for entry in entries:
            self._index(entry, self.postings)
            if isinstance(entry, data.Document) and ATTACHMENT_KEY in entry.meta:
                self.attachments[str(entry.meta[ATTACHMENT_KEY])] = entry


# Parsed ledgers by path. A refresh of seven data types parses once; a sync's writes
# append to the parse instead of repeating it.
_PARSED: dict[Path, Loaded] = {}
_PARSED_LOCK = threading.Lock()


def version_of(name: str) -> Version:
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _main_file(path: Path) -> MainFile:
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        text = handle.read()
    return MainFile(
        version=(stat.st_ino, stat.st_size, stat.st_mtime_ns),
        lines=text.count(b"\n"),
        ends_with_newline=text.endswith(b"\n") or not text,
    )


def cached(path: Path) -> Loaded | None:
    """The kept parse of ``path`` if none of its files changed since, else None."""
    with _PARSED_LOCK:
        loaded = _PARSED.get(path)
    if loaded and tuple(version_of(name) for name in loaded.files) == loaded.versions:
        return loaded
    return None


def forget(path: Path) -> None:
    """Drop the kept parse (after a failure that may have left it out of step)."""
    with _PARSED_LOCK:
        _PARSED.pop(path, None)


def load_ledger(path: Path, root: Path) -> Loaded:
    """The ledger as Beancount's loader sees it, parsed again only if a file changed."""
    loaded = cached(path)  # a missing file is never the one kept
    if loaded is not None:
        return loaded
    if not path.is_file():
        raise FatalConnectorError(f"The ledger file {path.name} is missing.")
    try:  # a ledger may have been edited since it was linked: the same rules as at link
        check_ledger_tree(path, root)
    except ValidationConnectorError as error:
        raise FatalConnectorError(error.message) from None
    main = _main_file(path)  # its identity is taken before the parse: a change during it
    entries, errors, options = load(path)  # makes the next use parse again
    if errors:
        shown = "; ".join(describe_error(e) for e in errors[:5])
        raise FatalConnectorError(
            f"Beancount reports {len(errors)} error(s) in the ledger, so nothing is "
            f"read or written until it is fixed: {shown}"
        )
    return _keep(path, entries, options, main)


def keep_written(path: Path, root: Path, text: str, written: Written) -> None:
    """Keep the parse ``write_checked`` made of the ``text`` it wrote to ``path``, so the
    next use does not parse the ledger again; unless the ledger now breaks the rules
    ``load_ledger`` checks first, which then reports it."""
    try:
        check_ledger_tree(path, root)
    except (ValidationConnectorError, OSError):
        forget(path)
        return
    main = MainFile(written.version, text.count("\n"), text.endswith("\n") or not text)
    _keep(path, written.entries, written.options, main)


def _keep(path: Path, entries: list[Any], options: dict[str, Any], main: MainFile) -> Loaded:
    includes = [name for name in options.get("include", []) if name != str(path)]
    loaded = Loaded(
        entries=entries,
        options=options,
        files=[str(path), *includes],
        versions=(main.version, *(version_of(name) for name in includes)),
        main=main,
        first_date=min((e.date for e in entries), default=EARLIEST_OPEN),
    )
    with _PARSED_LOCK:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[path] = loaded
    return loaded
