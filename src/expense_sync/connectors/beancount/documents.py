"""Receipts in a Beancount ledger: a copy of the file beside it and a ``document`` directive.

A receipt is copied (streamed) to ``documents/<date>/<document id>-<file name>`` in the
ledger's folder, where ``<date>`` is the transaction's date and the file name keeps only
letters, digits, ``.``, ``_`` and ``-``. The directive names that path relative to the
ledger, which Beancount resolves against the ledger's folder, so the folder can be moved
or copied whole (fava shows the receipt in the account's journal).

This is deliberately not the layout of Beancount's ``option "documents"``
(``<root>/<Account>/<Sub>/<date>.<name>``): the loader turns every file found there into
a directive of its own, so a customer who later adds that option would see each receipt
twice. A folder named by a date is never read as an account there.

The directive carries ``expense-sync-id`` (the transaction's key) and
``expense-sync-attachment`` (the document's id): the second makes attaching idempotent.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

from expense_sync.connectors.base import Document
from expense_sync.connectors.beancount.directives import quote
from expense_sync.connectors.beancount.parsed import ATTACHMENT_KEY
from expense_sync.connectors.beancount.posting import ID_KEY

FOLDER = "documents"
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100
CHUNK = 1024 * 1024


def safe_name(name: str) -> str:
    """A file name that is the same on every platform and cannot leave its folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return UNSAFE.sub("-", base).strip(".-")[-MAX_NAME:].lstrip(".-") or "document"


def relative_path(document: Document, date: dt.date) -> Path:
    return Path(
        FOLDER, date.isoformat(), f"{safe_name(document.id)}-{safe_name(document.file_name)}"
    )


def store(document: Document, folder: Path, relative: Path) -> None:
    """Copy the document to ``folder / relative``: whole or not at all."""
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with document.path.open("rb") as source, os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def directive(date: dt.date, account: str, relative: Path, key: str, document_id: str) -> str:
    return (
        f"{date.isoformat()} document {account} {quote(relative.as_posix())}\n"
        f"  {ID_KEY}: {quote(key)}\n"
        f"  {ATTACHMENT_KEY}: {quote(document_id)}\n"
    )
