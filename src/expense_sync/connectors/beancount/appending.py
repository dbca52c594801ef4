"""Appending checked text to a ledger so that no crash leaves half of it behind.

An append is the one write whose cost does not grow with the ledger, but a process
killed in the middle of ``write`` (or a full disk) would leave a torn entry that
Beancount refuses, and a refused ledger blocks every later write. So each append is
journalled first:

1. ``.<ledger>.append`` is written and fsynced: the ledger's size before the append and
   the exact bytes about to be added.
2. The bytes are written at that offset and fsynced; on any error the file is truncated
   back to its old size (byte-for-byte what it was) and the error raised.
3. The journal is removed.

Whoever next takes the ledger's lock calls ``recover``: a journal still there means a
writer died between 1 and 3. If the ledger holds every journalled byte, the append landed
(it was checked before it was written) and stays; if it holds a prefix of them, the torn
tail is cut off; if it holds anything else, the file was changed by hand since, and is
left as it is for Beancount to judge. The engine asks the books which keys landed before
writing again, so a cut-off append is posted once more, never twice.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("expense_sync.connectors.beancount")


def journal_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.append")


def append(path: Path, text: bytes, size: int) -> os.stat_result:
    """Add ``text`` at offset ``size`` (the ledger's size, which the caller checked);
    return the file's new status."""
    journal = journal_of(path)
    header = json.dumps({"size": size, "length": len(text)}).encode() + b"\n"
    with path.open("r+b") as ledger:
        if os.fstat(ledger.fileno()).st_size != size:  # someone else's edit: never cut it
            raise OSError(f"{path.name} changed while it was being written; try again")
        _write_synced(journal, header + text)
        try:
            ledger.seek(size)
            ledger.write(text)
            ledger.flush()
            os.fsync(ledger.fileno())
        except BaseException:
            ledger.truncate(size)
            ledger.flush()
            os.fsync(ledger.fileno())
            journal.unlink(missing_ok=True)
            raise
        stat = os.fstat(ledger.fileno())
    journal.unlink()
    return stat


def recover(path: Path) -> None:
    """Finish or undo an append whose writer died (call with the ledger's lock held)."""
    journal = journal_of(path)
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return
    first, _, text = raw.partition(b"\n")
    try:
        header = json.loads(first)
        size, length = int(header["size"]), int(header["length"])
    except (ValueError, KeyError, TypeError):
        size, length = -1, -1
    if length == len(text) and size >= 0:  # a journal torn itself means no append began
        with path.open("r+b") as ledger:
            ledger.seek(size)
            tail = ledger.read(len(text) + 1)
            if tail and tail != text and text.startswith(tail):
                ledger.truncate(size)
                ledger.flush()
                os.fsync(ledger.fileno())
                log.warning("cut a torn append of %d bytes off %s", len(tail), path.name)
            elif tail and tail != text:
                log.warning("%s changed after an unfinished append; left as it is", path.name)
    journal.unlink(missing_ok=True)


def _write_synced(path: Path, content: bytes) -> None:
    with path.open("wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the journal's name must survive a power cut, like its bytes
    finally:
        os.close(directory)
