"""Beancount postings and documents: appended without reloading, checked by Beancount,
exactly once across hand edits, refusals and crashes. Every ledger is read back with
Beancount's own loader."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from expense_sync.connectors.base import (
    Document,
    FatalConnectorError,
    LinkContext,
    LinkedBooks,
    Posting,
    PostingLine,
    ValidationConnectorError,
)
from expense_sync.connectors.beancount import BeancountConnector, appending, parsed
from expense_sync.connectors.beancount.posting import render
from expense_sync.connectors.beancount.session import BeancountSession

CARD = "Liabilities:CreditCard:Corporate"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    context = LinkContext(uuid.uuid4(), uuid.uuid4(), tmp_path, tmp_path, "Writes Ltd")
    return Path(BeancountConnector().authorize(context, {}).connection_info["ledgerPath"])


@pytest.fixture
def books(ledger: Path, tmp_path: Path) -> BeancountSession:
    return BeancountConnector().open(LinkedBooks({"ledgerPath": str(ledger)}, {}, tmp_path))


def payment(
    number: int = 1,
    *,
    revision: int = 1,
    key: str | None = None,
    currency: str = "USD",
    account: str = "Expenses:Travel",
    date: dt.date = dt.date(2026, 11, 2),
) -> Posting:
    return Posting(
        key=key or str(uuid.uuid4()),
        revision=revision,
        kind="expense",
        type="Payment",
        date=date,
        currency=currency,
        currency_rate=None,
        lines=(
            PostingLine(
                account,
                Decimal(100 + number),
                Decimal(20),
                "VAT20",
                (("trackingCategories", "DEPT-ENG"),),
                "Flight",
            ),
        ),
        counter_account=CARD,
        payee=f"Merchant {number}",
    )


def loaded(ledger: Path) -> dict[str, list[Any]]:
    """Beancount's loader on the ledger (which must load clean): postings by key."""
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    found: dict[str, list[Any]] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and "expense-sync-id" in entry.meta:
            found.setdefault(entry.meta["expense-sync-id"], []).append(entry)
    return found


def kept(ledger: Path) -> parsed.Loaded | None:
    return parsed.cached(ledger)


def test_postings_are_appended_to_the_kept_parse_and_the_loader_accepts_them(
    books: BeancountSession, ledger: Path
) -> None:
    books.check()
    before = kept(ledger)
    assert before is not None
    first = [payment(n) for n in range(3)]
    later = payment(9)
    books.post(first)
    books.post([later])
    assert kept(ledger) is before  # no reload: the same parse, grown by the appends
    assert set(before.postings) == {p.key for p in [*first, later]}
    found = loaded(ledger)
    assert len(found) == 4 and all(len(v) == 1 for v in found.values())
    legs = {p.account: p.units.number for p in found[first[1].key][0].postings}
    assert legs == {"Expenses:Travel": 101, "Assets:Tax:InputTax": 20, CARD: -121}
    # The kept parse says where each posting is, as a fresh parse would.
    fresh = {
        e.meta["expense-sync-id"]: e.meta["lineno"] for values in found.values() for e in values
    }
    assert {key: landed.lineno for key, landed in before.postings.items()} == fresh


def test_a_posting_already_there_is_not_written_again(
    books: BeancountSession, ledger: Path
) -> None:
    item = payment()
    (landed,) = books.post([item])
    size = ledger.stat().st_size
    assert books.post([item]) == [landed]
    assert ledger.stat().st_size == size


def test_a_rejected_batch_leaves_the_file_byte_for_byte(
    books: BeancountSession, ledger: Path
) -> None:
    books.post([payment(1)])
    before = ledger.read_bytes()
    refused = [
        [payment(2), payment(3, currency="JPY")],  # the account allows USD, EUR, GBP
        [payment(4, account="Expenses:Nowhere")],  # never opened
        [payment(5, date=dt.date(1999, 12, 31))],  # before the accounts were opened
    ]
    for batch in refused:
        with pytest.raises(ValidationConnectorError, match="Beancount refused"):
            books.post(batch)
        assert ledger.read_bytes() == before
    books.post([payment(6)])  # the kept parse is still in step with the file
    assert len(loaded(ledger)) == 2


def test_a_hand_edit_is_read_before_the_next_write(books: BeancountSession, ledger: Path) -> None:
    books.post([payment(1)])
    by_hand = payment(2)
    with ledger.open("a") as out:  # someone adds a posting and an account in an editor
        out.write("\n" + render(by_hand, {}, "USD"))
        out.write("\n2026-01-01 open Expenses:Training USD\n")
    books.post([by_hand, payment(3, account="Expenses:Training")])
    found = loaded(ledger)
    assert len(found[by_hand.key]) == 1 and len(found) == 3


def test_a_ledger_edited_into_an_invalid_state_blocks_writes(
    books: BeancountSession, ledger: Path
) -> None:
    books.post([payment(1)])
    with ledger.open("a") as out:
        out.write('\n2026-01-01 * "x"\n  Expenses:Nope 1 USD\n  Assets:Bank:Checking\n')
    broken = ledger.read_bytes()
    with pytest.raises(FatalConnectorError, match="Expenses:Nope"):
        books.post([payment(2)])
    assert ledger.read_bytes() == broken


def test_a_ledger_without_a_final_newline_takes_appends(
    books: BeancountSession, ledger: Path
) -> None:
    ledger.write_text(ledger.read_text() + "; a comment without a newline")
    books.post([payment(1)])
    books.post([payment(2)])
    assert len(loaded(ledger)) == 2


def test_a_write_that_crashed_before_the_parse_was_updated_lands_once(
    books: BeancountSession, ledger: Path
) -> None:
    item = payment()
    text = "\n" + render(item, {}, "USD")
    appending.append(ledger, text.encode(), ledger.stat().st_size)  # written, then the
    parsed._PARSED.clear()  # process dies before it records anything
    (landed,) = books.post([item])
    assert landed.revision == 1
    assert len(loaded(ledger)[item.key]) == 1


def test_an_append_torn_by_a_crash_is_cut_off_and_posted_again(
    books: BeancountSession, ledger: Path
) -> None:
    books.post([payment(1)])
    item = payment(2)
    text = ("\n" + render(item, {}, "USD")).encode()
    size = ledger.stat().st_size
    journal = appending.journal_of(ledger)
    journal.write_bytes(f'{{"size": {size}, "length": {len(text)}}}\n'.encode() + text)
    with ledger.open("ab") as out:  # killed half-way through the write
        out.write(text[: text.index(b"expense-sync-id") + 20])
    assert loader.load_file(str(ledger))[1] != []  # Beancount refuses the torn tail
    parsed._PARSED.clear()
    assert len(books.read("chartOfAccounts")) > 0  # a read finishes the recovery too
    assert not journal.exists() and ledger.stat().st_size == size
    books.post([item])
    assert len(loaded(ledger)[item.key]) == 1


def test_a_complete_append_whose_journal_was_left_behind_is_kept(
    books: BeancountSession, ledger: Path
) -> None:
    item = payment()
    text = ("\n" + render(item, {}, "USD")).encode()
    size = ledger.stat().st_size
    appending.journal_of(ledger).write_bytes(
        f'{{"size": {size}, "length": {len(text)}}}\n'.encode() + text
    )
    with ledger.open("ab") as out:
        out.write(text)
    books.post([item])
    assert len(loaded(ledger)[item.key]) == 1
    assert not appending.journal_of(ledger).exists()


def test_a_balance_assertion_after_the_posting_is_checked_by_the_full_loader(
    books: BeancountSession, ledger: Path
) -> None:
    with ledger.open("a") as out:
        out.write(f"\n2026-12-01 balance {CARD} 0 USD\n")
    before = ledger.read_bytes()
    with pytest.raises(ValidationConnectorError, match="Balance failed"):
        books.post([payment(1)])  # it would move the card's balance away from 0
    assert ledger.read_bytes() == before
    books.post([payment(2, date=dt.date(2026, 12, 1))])  # on the assertion's day: after it
    assert len(loaded(ledger)) == 1


def test_a_newer_revision_replaces_the_posting_in_place(
    books: BeancountSession, ledger: Path
) -> None:
    first = payment(1)
    books.post([first, payment(2)])
    newer = payment(50, key=first.key, revision=2)
    (landed,) = books.post([newer])
    assert landed.revision == 2
    found = loaded(ledger)[first.key]
    assert len(found) == 1 and found[0].meta["expense-sync-revision"] == "2"
    assert {p.units.number for p in found[0].postings} == {150, 20, -170}
    books.post([payment(3)])  # appends after a rewrite see the file as rewritten
    assert len(loaded(ledger)) == 3


def test_a_rewrite_keeps_the_parse_it_checked(books: BeancountSession, ledger: Path) -> None:
    first = payment(1)
    books.post([first])
    books.post([payment(5, key=first.key, revision=2)])  # a rewrite in place
    after = kept(ledger)
    assert after is not None  # the loader's check of the new file is the parse kept
    entries, errors, options = loader.load_file(str(ledger))
    assert errors == [] and after.entries == entries  # named as the ledger, not its temp
    assert after.options["filename"] == options["filename"] == str(ledger)
    assert after.main.lines == ledger.read_text().count("\n")
    books.post([payment(7, key=first.key, revision=3)])  # the kept parse finds it in place
    found = loaded(ledger)[first.key]
    assert len(found) == 1 and found[0].meta["expense-sync-revision"] == "3"


def receipt(tmp_path: Path, name: str = "Receipt (March) ä.pdf") -> Document:
    source = tmp_path / "stored-upload"
    source.write_bytes(b"%PDF-1.4 receipt " + uuid.uuid4().bytes * 1000)
    content = source.read_bytes()
    return Document(
        id=str(uuid.uuid4()),
        file_name=name,
        content_type="application/pdf",
        path=source,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def test_attach_files_a_document_the_loader_reads(
    books: BeancountSession, ledger: Path, tmp_path: Path
) -> None:
    item = payment()
    books.post([item])
    document = receipt(tmp_path)
    reference = books.attach(item.key, document)
    assert reference.startswith("documents/2026-11-02/") and reference.endswith(".pdf")
    assert "/" not in reference.removeprefix("documents/2026-11-02/")
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    (filed,) = [e for e in entries if isinstance(e, data.Document)]
    assert filed.account == CARD and filed.date == item.date
    assert filed.meta["expense-sync-id"] == item.key
    assert filed.meta["expense-sync-attachment"] == document.id
    assert Path(filed.filename) == ledger.parent / reference
    assert Path(filed.filename).read_bytes() == document.path.read_bytes()


def test_attach_is_idempotent_on_the_document_id(
    books: BeancountSession, ledger: Path, tmp_path: Path
) -> None:
    item = payment()
    books.post([item])
    document = receipt(tmp_path)
    first = books.attach(item.key, document)
    after = ledger.read_bytes()
    assert books.attach(item.key, document) == first
    parsed._PARSED.clear()  # and after a restart, from the ledger alone
    assert books.attach(item.key, document) == first
    assert ledger.read_bytes() == after
    other = books.attach(item.key, receipt(tmp_path, "second.png"))
    assert other != first
    documents = [e for e in loader.load_file(str(ledger))[0] if isinstance(e, data.Document)]
    assert len(documents) == 2


def test_attach_to_a_key_never_posted_is_refused(
    books: BeancountSession, ledger: Path, tmp_path: Path
) -> None:
    before = ledger.read_bytes()
    with pytest.raises(ValidationConnectorError, match="Nothing was posted"):
        books.attach("no-such-key", receipt(tmp_path))
    assert ledger.read_bytes() == before
    assert not (ledger.parent / "documents").exists()


def test_booking_returns_what_expense_sync_writes_unchanged(ledger: Path) -> None:
    """Why ``checking`` may skip booking for complete postings: Beancount's booking,
    run on them with the ledger's options, changes nothing that matters and reports
    nothing."""
    from beancount.parser import booking, parser

    from expense_sync.connectors.beancount.checking import complete

    _, _, options = loader.load_file(str(ledger))
    refund = replace(payment(2, currency="EUR"), type="Refund", currency_rate=Decimal("0.92"))
    transfer = Posting(str(uuid.uuid4()), 1, "transfer", "Transfer", dt.date(2026, 1, 5), None,
                       None, (PostingLine("Assets:Bank:Savings", Decimal("-12.345")),
                              PostingLine("Assets:Bank:Checking", Decimal("12.345"))))  # fmt: skip
    text = "\n".join(render(p, {}, "USD") for p in (payment(1), refund, transfer))
    entries, errors, _ = parser.parse_string(text)
    assert errors == [] and len(entries) == 3
    assert all(complete(entry) for entry in entries)
    booked, errors = booking.book(entries, options)
    assert errors == []
    # Booking only records the tolerances it inferred (metadata nothing in Beancount reads).
    for entry in booked:
        del entry.meta["__tolerances__"]
    assert booked == entries
    incomplete, _, _ = parser.parse_string('2026-01-01 * "x"\n  Expenses:Travel 1 USD\n'
                                           "  Assets:Bank:Checking\n")  # fmt: skip
    assert not complete(incomplete[0])
