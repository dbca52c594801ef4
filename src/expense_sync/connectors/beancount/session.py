"""A session on one Beancount ledger: read it as Codat records, write checked changes.

Writes take an exclusive lock on the ledger (a sidecar ``.lock`` file), re-read the file,
render the new directives, and go through ``write_checked``: Beancount's loader accepts
the whole new text or nothing changes on disk.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from beancount.core import data

from expense_sync.connectors.base import (
    Document,
    FatalConnectorError,
    Posted,
    Posting,
    Record,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.beancount import mapping, posting
from expense_sync.connectors.beancount.directives import quote
from expense_sync.connectors.beancount.files import describe_error, load, write_checked
from expense_sync.connectors.beancount.safety import check_ledger_tree

EARLIEST_OPEN = dt.date(2000, 1, 1)
# Metadata carrying the idempotency key of the write that created a directive.
PUSH_KEY = "expense-sync-key"


@dataclass
class Loaded:
    """One parse of a ledger, with the views reads need, each built once per parse."""

    entries: list[Any]
    options: dict[str, Any]

    @cached_property
    def currency(self) -> str:
        return str((self.options.get("operating_currency") or ["USD"])[0])

    @cached_property
    def opens(self) -> list[data.Open]:
        return [e for e in self.entries if isinstance(e, data.Open)]

    @cached_property
    def closed(self) -> set[str]:
        return {e.account for e in self.entries if isinstance(e, data.Close)}

    @cached_property
    def customs(self) -> list[data.Custom]:
        return [e for e in self.entries if isinstance(e, data.Custom) and e.values]


# Parsed ledgers by path, kept while none of their files changed (same inode, size and
# mtime of the ledger and of every file it includes), so a refresh of seven data types
# parses once. Our writes replace the file atomically, which changes the inode, so a stale
# parse is never served.
Versions = tuple[tuple[int, int, int] | None, ...]
_PARSED: dict[Path, tuple[list[str], Versions, Loaded]] = {}
_PARSED_LOCK = threading.Lock()


def _versions(files: list[str]) -> Versions:
    found: list[tuple[int, int, int] | None] = []
    for name in files:
        try:
            stat = Path(name).stat()
        except OSError:
            found.append(None)
        else:
            found.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _load_ledger(path: Path, root: Path) -> Loaded:
    if not path.is_file():
        raise FatalConnectorError(f"The ledger file {path.name} is missing.")
    with _PARSED_LOCK:
        cached = _PARSED.get(path)
    if cached and _versions(cached[0]) == cached[1]:
        return cached[2]
    try:  # a ledger may have been edited since it was linked: the same rules as at link
        check_ledger_tree(path, root)
    except ValidationConnectorError as error:
        raise FatalConnectorError(error.message) from None
    files = [str(path)]
    versions = _versions(files)
    entries, errors, options = load(path)
    if errors:
        shown = "; ".join(describe_error(e) for e in errors[:5])
        raise FatalConnectorError(
            f"Beancount reports {len(errors)} error(s) in the ledger, so nothing is "
            f"read or written until it is fixed: {shown}"
        )
    files = [str(path), *(name for name in options.get("include", []) if name != str(path))]
    versions = (*versions, *_versions(files[1:]))
    loaded = Loaded(entries, options)
    with _PARSED_LOCK:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[path] = (files, versions, loaded)
    return loaded


class BeancountSession:
    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root  # the client's ledger folder: includes may not leave it

    # -- reading -------------------------------------------------------------------------

    def check(self) -> None:
        self._load()

    def _load(self) -> Loaded:
        # The parse cache is keyed on the file's version, so this is a stat() when the
        # file is unchanged and a fresh parse after any write, ours or someone else's.
        return _load_ledger(self.path, self.root)

    def read(self, data_type: str) -> list[Record]:
        loaded = self._load()
        currency, closed, opens, customs = (
            loaded.currency,
            loaded.closed,
            loaded.opens,
            loaded.customs,
        )
        if data_type == "chartOfAccounts":
            return [mapping.account_record(e, closed, currency) for e in opens]
        if data_type == "bankAccounts":
            return [
                mapping.bank_account_record(e, closed, currency)
                for e in opens
                if "bank-account-type" in e.meta
            ]
        if data_type in mapping.CONTACT_KINDS:
            kind, _ = mapping.CONTACT_KINDS[data_type]
            return [mapping.contact_record(e, data_type) for e in customs if e.type == kind]
        if data_type == "taxRates":
            return [mapping.tax_rate_record(e) for e in customs if e.type == "tax-rate"]
        if data_type == "trackingCategories":
            tracking = [e for e in customs if e.type == "tracking-category"]
            parents = {str(e.meta["parent"]) for e in tracking if e.meta.get("parent")}
            return [mapping.tracking_record(e, parents) for e in tracking]
        if data_type == "company":
            return [self._company(loaded, currency)]
        raise ValidationConnectorError(f"Beancount does not hold {data_type}.")

    def _company(self, loaded: Loaded, currency: str) -> Record:
        first = min((e.date for e in loaded.entries), default=EARLIEST_OPEN)
        return {
            "id": self.path.name,
            "companyName": loaded.options.get("title") or self.path.stem,
            "companyLegalName": loaded.options.get("title") or self.path.stem,
            "accountingPlatformRef": self.path.name,
            "baseCurrency": currency,
            "createdDate": f"{first.isoformat()}T00:00:00Z",
            "financialYearStartDate": f"{dt.date.today().year}-01-01T00:00:00Z",
            "ledgerLockDate": None,
            "addresses": [],
            "phoneNumbers": [],
            "webLinks": [],
        }

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[str]:
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._load()  # never write on top of a ledger Beancount rejects
                yield self.path.read_text(encoding="utf-8")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _open_date(self) -> str:
        loaded = self._load()
        first = min((e.date for e in loaded.entries), default=EARLIEST_OPEN)
        return min(first, EARLIEST_OPEN).isoformat()

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        with self._locked() as text:
            # A retry of a write that already happened returns what it wrote.
            landed = self._written_with(key) if key else []
            ids = landed or self._append(text, data_type, records, key)
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[record_id] for record_id in ids]

    def _written_with(self, key: str) -> list[str]:
        """Ids of the records an earlier write with this key created, in order."""
        found: dict[int, str] = {}
        for entry in self._load().entries:
            mark = str(entry.meta.get(PUSH_KEY, ""))
            if mark.startswith(key + "/"):
                record_id = entry.account if isinstance(entry, data.Open) else entry.values[0].value
                found[int(mark.rsplit("/", 1)[1])] = str(record_id)
        return [found[i] for i in sorted(found)]

    def _append(
        self, text: str, data_type: str, records: list[Record], key: str | None
    ) -> list[str]:
        date = self._open_date()
        existing = {r["id"] for r in self.read(data_type)} if records else set()
        ids, blocks = [], []
        for index, record in enumerate(records):
            record_id, block = self._render_new(data_type, record, date, existing)
            if key:
                block += f"  {PUSH_KEY}: {quote(f'{key}/{index}')}\n"
            existing.add(record_id)
            ids.append(record_id)
            blocks.append(block)
        self._write(text.rstrip("\n") + "\n\n" + "\n".join(blocks))
        return ids

    def _render_new(
        self, data_type: str, record: Record, date: str, existing: set[str]
    ) -> tuple[str, str]:
        if data_type == "chartOfAccounts":
            record_id, block = mapping.account_text(date, record)
        elif data_type == "bankAccounts":
            record_id, block = mapping.bank_account_text(date, record)
        elif data_type in mapping.CONTACT_KINDS:
            prefix = "SUP" if data_type == "suppliers" else "CUS"
            numbers = [
                int(i[4:]) for i in existing if i.startswith(prefix + "-") and i[4:].isdigit()
            ]
            record_id = f"{prefix}-{max(numbers, default=0) + 1:04d}"
            block = mapping.contact_text(date, data_type, record_id, record)
        else:
            raise ValidationConnectorError(f"Beancount cannot create {data_type}.")
        if record_id in existing:
            raise ValidationConnectorError(
                f"{record_id} already exists in the ledger.",
                field="fullyQualifiedName" if data_type == "chartOfAccounts" else "accountName",
            )
        return record_id, block

    def update(self, data_type: str, record_id: str, record: Record) -> Record:
        if data_type not in mapping.CONTACT_KINDS:
            raise ValidationConnectorError(f"Beancount cannot update {data_type}.")
        kind, _ = mapping.CONTACT_KINDS[data_type]
        with self._locked() as text:
            entry = next(
                (
                    e
                    for e in self._load().customs
                    if e.type == kind and str(e.values[0].value) == record_id
                ),
                None,
            )
            if entry is None or Path(entry.meta["filename"]) != self.path.resolve():
                raise ValidationConnectorError(f"No {kind} {record_id} in this ledger file.")
            lines = text.splitlines(keepends=True)
            start = int(entry.meta["lineno"]) - 1
            end = _block_end(lines, start)
            block = mapping.contact_text(entry.date.isoformat(), data_type, record_id, record)
            self._write("".join(lines[:start]) + block + "".join(lines[end:]))
        return next(r for r in self.read(data_type) if r["id"] == record_id)

    # -- postings ------------------------------------------------------------------------

    def _postings(self) -> dict[str, tuple[int, Any]]:
        """Every transaction expense-sync posted, by key: its revision and its entry."""
        found = {}
        for entry in self._load().entries:
            if isinstance(entry, data.Transaction) and posting.ID_KEY in entry.meta:
                revision = int(str(entry.meta.get(posting.REVISION_KEY, "1")))
                found[str(entry.meta[posting.ID_KEY])] = (revision, entry)
        return found

    def attach(self, key: str, document: Document) -> str:
        raise ValidationConnectorError("Attaching documents to Beancount is not built yet.")

    def post(self, postings: list[Posting]) -> list[Posted]:
        with self._locked() as text:
            loaded = self._load()
            already = self._postings()
            currency = loaded.currency
            taxes = {
                str(e.values[0].value): str(e.meta["account"])
                for e in loaded.customs
                if e.type == "tax-rate" and "account" in e.meta
            }
            lines = text.splitlines(keepends=True)
            replaced: dict[int, tuple[int, str]] = {}
            appended, landed = [], []
            for item in postings:
                revision, entry = already.get(item.key, (0, None))
                reference = posting.reference(self.path.name, item.key)
                if entry is not None and revision >= item.revision:  # landed before a crash
                    landed.append(Posted(item.key, reference, revision))
                    continue
                landed.append(Posted(item.key, reference, item.revision))
                block = posting.render(item, taxes, currency)
                if entry is None:
                    appended.append(block)
                    continue
                if Path(entry.meta["filename"]) != self.path.resolve():
                    raise ValidationConnectorError(
                        f"Transaction {item.key} was posted to {entry.meta['filename']}, "
                        "a file this connection does not write; change it there."
                    )
                start = int(entry.meta["lineno"]) - 1
                replaced[start] = (_block_end(lines, start), block)
            if appended or replaced:
                for start in sorted(replaced, reverse=True):
                    end, block = replaced[start]
                    lines[start:end] = [block]
                new_text = "".join(lines).rstrip("\n") + "\n"
                if appended:
                    new_text += "\n" + "\n".join(appended)
                self._write(new_text)
        return landed

    def _write(self, text: str) -> None:
        try:
            write_checked(self.path, text)
        except OSError as error:
            raise RetriableConnectorError(f"Could not write the ledger: {error}") from error


def _block_end(lines: list[str], start: int) -> int:
    """The line after a directive that starts at ``start`` (its indented lines included)."""
    end = start + 1
    while end < len(lines) and lines[end].startswith((" ", "\t")) and lines[end].strip():
        end += 1
    return end
