"""Codat's sync status codes, and which one a finished sync gets.

The codes and their reasons are Codat's (docs.codat.io, "Sync status codes"). The
contract's examples give ``syncStatus`` "Complete" for both success codes; every other
code carries its documented reason as ``syncStatus``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from expense_sync.domain.expenses import CONFIGURATION

REASONS = {
    1000: "In progress",
    1010: "In progress (Long running - over ten minutes)",
    2000: "Success (Data written)",
    2040: "Success (No data written)",
    4000: "Configuration error",
    4040: "Company deleted/de-authorized",
    4220: "Company deleted/de-authorized",
    4260: "Accounting software billing expiry",
    5000: "Generic server error",
    5080: "Duplication protection",
    5120: "Data processing error",
    5130: "Data write error",
}
# What each code means for the person who asked why their spend is not in the books,
# and what to do next (the Sync Health dashboard shows it beside the code).
NOTES = {
    1000: "The sync is queued or running; its transactions are being checked and posted.",
    1010: "The sync has been running for over ten minutes; it is still working, "
    "usually because the books answer slowly.",
    2000: "Every transaction was written to the books.",
    2040: "Nothing needed writing: the sync had no transactions to post.",
    4000: "The company's expense configuration is missing or wrong (bank account, "
    "supplier or customer); fix it, then retry the failed items.",
    4040: "The company has no linked accounting software; link it, then retry.",
    4220: "The company's accounting software was disconnected or its access withdrawn; "
    "link it again, then retry.",
    4260: "The accounting software's subscription has expired; renew it, then retry.",
    5000: "Something went wrong on our side or in the books; retrying usually succeeds.",
    5080: "Some transactions were already in the books, so they were not written twice.",
    5120: "Some transactions could not be mapped to the books (an account, tax rate or "
    "contact they name is missing); fix them, then retry the failed items.",
    5130: "The books refused some transactions; read each message, fix the cause, "
    "then retry the failed items.",
}
FAILED_ITEM = ("ValidationError", "PushError")
SUCCESS = (2000, 2040)
IN_PROGRESS = (1000, 1010)
NO_CONNECTION = "connection"  # the validator of items failed for want of a linked connection
UNLINKED = "unlinked"  # ... because the company's connection was unlinked or de-authorized
LONG_RUNNING = timedelta(minutes=10)


def status_text(code: int) -> str:
    return "Complete" if code in SUCCESS else REASONS.get(code, "Unknown")


def status_note(code: int) -> str:
    return NOTES.get(code, "An unknown status code; contact support.")


def visible_code(code: int, started: datetime | None, now: datetime) -> int:
    """A sync still running after ten minutes reads as 1010."""
    if code == 1000 and started is not None and now - started > LONG_RUNNING:
        return 1010
    return code


def status_code_for(results: list[tuple[str, str | None, str]]) -> tuple[int, str | None]:
    """The code of a finished sync from its items' ``(status, message, validator)``, and an
    error message that says how many failed and why the first one did."""
    failed = [
        (status, message, validator)
        for status, message, validator in results
        if status != "Completed"
    ]
    if not results:
        return 2040, None
    if not failed:
        return 2000, None
    summary = (
        f"{len(failed)} of {len(results)} transaction(s) were not posted; first: {failed[0][1]}"
    )
    validators = {validator for _, _, validator in failed}
    if UNLINKED in validators:
        return 4220, summary
    if NO_CONNECTION in validators:
        return 4040, summary
    if any(status == "PushError" for status, _, _ in failed):
        return 5130, summary
    if CONFIGURATION in validators:
        return 4000, summary
    return 5120, summary
