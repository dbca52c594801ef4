"""Beancount's verdict on entries about to be appended, without reloading the ledger.

The loader's work on a whole ledger is parse → book → plugins (documents, pad, balance)
→ validations. For new transactions and documents appended to a ledger that already
loads cleanly, everything that can fail is local to the new entries and the accounts
they touch, so this runs the same Beancount functions on just those:

- ``parser.parse_string`` on the new text, reported at the file and lines it will
  occupy (syntax, account names, metadata);
- ``booking.book`` on the new entries with the ``open`` directives of their accounts
  (interpolation and booking errors), unless every posting is complete (an amount, no
  cost, no price: what expense-sync writes), which booking returns unchanged (a test
  holds it to that); with no cost, no lot is matched against the ledger's inventory;
- ``validation.validate`` on those ``open``/``close`` directives plus the new entries:
  unknown, not yet open or closed accounts, currency constraints, balance of each
  transaction with the ledger's tolerance options, document paths;
- the documents plugin's check that a document's file exists.

Two things in a ledger can make an appended entry fail elsewhere, and then the caller
must check the whole ledger instead (``None`` is returned): a ``balance`` or ``pad``
directive, on the entry's account or a parent of it, dated on or after the entry (the
new posting changes what it asserts); and renamed root accounts (``option
"name_assets"``…), which change what the parser accepts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount.core import account, amount, data, getters
from beancount.ops import documents, validation
from beancount.parser import booking, options, parser

from expense_sync.connectors.base import ValidationConnectorError
from expense_sync.connectors.beancount.files import describe_error
from expense_sync.connectors.beancount.parsed import Loaded

ROOT_OPTIONS = ("name_assets", "name_liabilities", "name_equity", "name_income", "name_expenses")


def checked_entries(loaded: Loaded, text: str, filename: str, first_line: int) -> list[Any] | None:
    """The booked entries of ``text`` if Beancount accepts them appended to the ledger;
    ``None`` if only a full check can tell. Raise ``ValidationConnectorError`` with
    Beancount's messages if it refuses them."""
    if any(loaded.options.get(name) != options.OPTIONS_DEFAULTS[name] for name in ROOT_OPTIONS):
        return None
    parsed, errors, _ = parser.parse_string(
        text, report_filename=filename, report_firstline=first_line
    )
    _refuse_if(errors)
    if any(_may_change_an_assertion(loaded, entry) for entry in parsed):
        return None
    touched = {name for entry in parsed for name in getters.get_entry_accounts(entry)}
    context: list[Any] = [loaded.opened[name] for name in touched if name in loaded.opened]
    context += [loaded.closes[name] for name in touched if name in loaded.closes]
    # Beancount's booking and validation functions are not annotated.
    booked = sorted(context + parsed, key=data.entry_sortkey)
    if not all(complete(entry) for entry in parsed):
        booked, errors = booking.book(booked, loaded.options)  # type: ignore[no-untyped-call]
        _refuse_if(errors)
    errors = validation.validate(booked, loaded.options)  # type: ignore[no-untyped-call]
    _, missing = documents.verify_document_files_exist(booked, None)  # type: ignore[no-untyped-call]
    _refuse_if(errors + missing)
    return [e for e in booked if not isinstance(e, (data.Open, data.Close))]


def complete(entry: Any) -> bool:
    """Whether booking has nothing to do for ``entry``: every posting states its amount
    and carries no cost or price (what ``posting.render`` writes), so there is nothing to
    interpolate and no lot to match, and Beancount's booking returns it unchanged."""
    if not isinstance(entry, data.Transaction):
        return not isinstance(entry, data.Pad)
    return all(
        isinstance(p.units, amount.Amount)
        and isinstance(p.units.number, Decimal)
        and isinstance(p.units.currency, str)
        and p.cost is None
        and p.price is None
        for p in entry.postings
    )


def _may_change_an_assertion(loaded: Loaded, entry: Any) -> bool:
    if not isinstance(entry, data.Transaction) or not loaded.asserted:
        return False
    return any(
        parent in loaded.asserted and loaded.asserted[parent] >= entry.date
        for posting in entry.postings
        for parent in account.parents(posting.account)
    )


def _refuse_if(errors: list[Any]) -> None:
    if errors:
        shown = "; ".join(describe_error(error) for error in errors[:5])
        raise ValidationConnectorError(f"Beancount refused the ledger: {shown}")
