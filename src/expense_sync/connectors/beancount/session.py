"""A session on one Beancount ledger: read it as Codat records, write checked changes.

Writes take an exclusive lock on the ledger (a sidecar ``.lock`` file), first finish or
undo an append whose writer died (``appending.recover``), and never write on top of a
ledger Beancount rejects. Then:

- **Postings and documents are appended.** The new text is checked by Beancount's own
  functions against the kept parse of the ledger (``checking``), appended through a
  journal (``appending``), and added to that parse (``parsed``): a write costs what it
  writes, whatever the size of the ledger. If a ``balance`` or ``pad`` directive could
  be affected, the whole new ledger goes through Beancount's loader instead.
- **Everything else is rewritten**: new accounts and contacts, a contact's update, a
  posting's newer revision replacing the old one in place. The new text goes through
  ``write_checked`` (the loader on the whole text, then an atomic rename), so these cost
  a full load (kept as the ledger's parse); they are rare next to postings.

Either way a refused write leaves the file byte-for-byte as it was. The kept parse is
only used while the files' identity (inode, size, mtime) is the one we parsed or wrote,
so an edit by hand is always read again (and, if Beancount refuses it, reported before
anything is written).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from beancount.core import data

from expense_sync.connectors.base import (
    Document,
    Posted,
    Posting,
    Record,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.beancount import appending, documents, mapping, posting
from expense_sync.connectors.beancount.checking import checked_entries
from expense_sync.connectors.beancount.directives import quote
from expense_sync.connectors.beancount.files import write_checked
from expense_sync.connectors.beancount.parsed import (
    EARLIEST_OPEN,
    Loaded,
    MainFile,
    forget,
    keep_written,
    load_ledger,
)

# Metadata carrying the idempotency key of the write that created a directive.
PUSH_KEY = "expense-sync-key"


class BeancountSession:
    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root  # the client's ledger folder: includes may not leave it
        self._holding_lock = False

    # -- reading -------------------------------------------------------------------------

    def check(self) -> None:
        self._load()

    def _load(self) -> Loaded:
        # The kept parse is checked against the files' identity: a stat() per file when
        # nothing changed, a fresh parse after anyone else's write.
        if not self._holding_lock and appending.journal_of(self.path).exists():
            with self._locked() as loaded:  # an append is under way, or its writer died
                return loaded
        return load_ledger(self.path, self.root)

    def read(self, data_type: str) -> list[Record]:
        return self._records(self._load(), data_type)

    def _records(self, loaded: Loaded, data_type: str) -> list[Record]:
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
        first = loaded.first_date
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
            # Codat's place for what a platform knows beyond the standard fields: the
            # currencies the ledger has, which intake checks a transaction against.
            "supplementalData": {"content": {"expenseSync": {"currencies": loaded.currencies}}},
        }

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[Loaded]:
        """Hold the ledger's lock; yield the ledger (loaded, so never one Beancount
        rejects) after finishing or undoing an append whose writer died."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._holding_lock = True
            try:
                try:
                    appending.recover(self.path)
                except OSError as error:
                    raise RetriableConnectorError(f"Could not check the ledger: {error}") from None
                yield load_ledger(self.path, self.root)
            finally:
                self._holding_lock = False
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        with self._locked() as loaded:
            # A retry of a write that already happened returns what it wrote.
            landed = _written_with(loaded, key) if key else []
            ids = landed or self._add_records(loaded, data_type, records, key)
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[record_id] for record_id in ids]

    def _add_records(
        self, loaded: Loaded, data_type: str, records: list[Record], key: str | None
    ) -> list[str]:
        date = min(loaded.first_date, EARLIEST_OPEN).isoformat()
        existing = {r["id"] for r in self._records(loaded, data_type)} if records else set()
        ids, blocks = [], []
        for index, record in enumerate(records):
            record_id, block = self._render_new(data_type, record, date, existing, loaded)
            if key:
                block += f"  {PUSH_KEY}: {quote(f'{key}/{index}')}\n"
            existing.add(record_id)
            ids.append(record_id)
            blocks.append(block)
        self._write(self._text().rstrip("\n") + "\n\n" + "\n".join(blocks))
        return ids

    def _render_new(
        self, data_type: str, record: Record, date: str, existing: set[str], loaded: Loaded
    ) -> tuple[str, str]:
        if data_type == "chartOfAccounts":
            record_id, block = mapping.account_text(date, record, loaded.currency)
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
        with self._locked() as loaded:
            entry = next(
                (
                    e
                    for e in loaded.customs
                    if e.type == kind and str(e.values[0].value) == record_id
                ),
                None,
            )
            if entry is None or not self._is_main_file(entry.meta["filename"]):
                raise ValidationConnectorError(f"No {kind} {record_id} in this ledger file.")
            lines = self._text().splitlines(keepends=True)
            start = int(entry.meta["lineno"]) - 1
            end = _block_end(lines, start)
            block = mapping.contact_text(entry.date.isoformat(), data_type, record_id, record)
            self._write("".join(lines[:start]) + block + "".join(lines[end:]))
        return next(r for r in self.read(data_type) if r["id"] == record_id)

    # -- postings and documents ------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        with self._locked() as loaded:
            taxes = {
                str(e.values[0].value): str(e.meta["account"])
                for e in loaded.customs
                if e.type == "tax-rate" and "account" in e.meta
            }
            replaced: dict[int, str] = {}
            appended, landed = [], []
            for item in postings:
                found = loaded.postings.get(item.key)
                reference = posting.reference(self.path.name, item.key)
                if found is not None and found.revision >= item.revision:  # landed before
                    landed.append(Posted(item.key, reference, found.revision))  # a crash
                    continue
                landed.append(Posted(item.key, reference, item.revision))
                block = posting.render(item, taxes, loaded.currency)
                if found is None:
                    appended.append(block)
                elif self._is_main_file(found.filename):
                    replaced[found.lineno - 1] = block
                else:
                    raise ValidationConnectorError(
                        f"Transaction {item.key} was posted to {found.filename}, "
                        "a file this connection does not write; change it there."
                    )
            if replaced:
                self._replace(replaced, appended)
            elif appended:
                self._append(loaded, appended)
        return landed

    def attach(self, key: str, document: Document) -> str:
        with self._locked() as loaded:
            done = loaded.attachments.get(document.id)
            if done is not None:  # a retry: the first attach landed
                return Path(os.path.relpath(done.filename, self.path.parent)).as_posix()
            found = loaded.postings.get(key)
            if found is None:
                raise ValidationConnectorError(
                    f"Nothing was posted under {key} in {self.path.name}: post the "
                    "transaction before attaching a document to it."
                )
            relative = documents.relative_path(document, found.date)
            try:
                documents.store(document, self.path.parent, relative)
            except OSError as error:
                raise RetriableConnectorError(f"Could not copy {document.id}: {error}") from None
            block = documents.directive(found.date, found.account, relative, key, document.id)
            try:
                self._append(loaded, [block])
            except ValidationConnectorError:
                (self.path.parent / relative).unlink(missing_ok=True)  # nothing points at it
                raise
        return relative.as_posix()

    def _is_main_file(self, filename: str) -> bool:
        return Path(filename).resolve() == self.path.resolve()

    def _append(self, loaded: Loaded, blocks: list[str]) -> None:
        """Append the blocks if Beancount accepts them (see the module docstring)."""
        main = loaded.main
        text = ("" if main.ends_with_newline else "\n") + "\n" + "\n".join(blocks)
        entries = checked_entries(loaded, text, os.path.abspath(self.path), main.lines + 1)
        if entries is None:  # an assertion may see the new postings: the full check
            self._write(self._text() + text)
            return
        raw = text.encode("utf-8")
        size = main.version[1] if main.version else -1
        try:
            stat = appending.append(self.path, raw, size)
        except OSError as error:
            forget(self.path)
            raise RetriableConnectorError(f"Could not write the ledger: {error}") from error
        if stat.st_size != size + len(raw):  # someone else wrote too: read it all again
            forget(self.path)
            return
        version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        loaded.appended(entries, MainFile(version, main.lines + text.count("\n"), True))

    def _replace(self, replaced: dict[int, str], appended: list[str]) -> None:
        """Rewrite the file with blocks replaced in place (keyed by their first line,
        0-based) and others appended; Beancount's loader checks the whole new text."""
        lines = self._text().splitlines(keepends=True)
        for start in sorted(replaced, reverse=True):
            lines[start : _block_end(lines, start)] = [replaced[start]]
        new_text = "".join(lines).rstrip("\n") + "\n"
        if appended:
            new_text += "\n" + "\n".join(appended)
        self._write(new_text)

    def _write(self, text: str) -> None:
        try:
            written = write_checked(self.path, text)
        except OSError as error:
            raise RetriableConnectorError(f"Could not write the ledger: {error}") from error
        keep_written(self.path, self.root, text, written)


def _written_with(loaded: Loaded, key: str) -> list[str]:
    """Ids of the records an earlier write with this key created, in order."""
    found: dict[int, str] = {}
    for entry in loaded.entries:
        mark = str(entry.meta.get(PUSH_KEY, ""))
        if mark.startswith(key + "/"):
            record_id = entry.account if isinstance(entry, data.Open) else entry.values[0].value
            found[int(mark.rsplit("/", 1)[1])] = str(record_id)
    return [found[i] for i in sorted(found)]


def _block_end(lines: list[str], start: int) -> int:
    """The line after a directive that starts at ``start`` (its indented lines included)."""
    end = start + 1
    while end < len(lines) and lines[end].startswith((" ", "\t")) and lines[end].strip():
        end += 1
    return end
