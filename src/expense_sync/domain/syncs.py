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
SUCCESS = (2000, 2040)
NO_CONNECTION = "connection"  # the validator of items failed for want of a linked connection
UNLINKED = "unlinked"  # ... because the company's connection was unlinked or de-authorized
LONG_RUNNING = timedelta(minutes=10)


def status_text(code: int) -> str:
    return "Complete" if code in SUCCESS else REASONS.get(code, "Unknown")


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
