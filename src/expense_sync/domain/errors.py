"""The one exception tree of expense-sync.

    ExpenseSyncError
    ├── Unauthorized          no or unknown API key
    ├── NotFound              the resource does not exist for this client
    ├── InvalidRequest        the request breaks a rule; ``problems`` names each field
    │   └── MalformedQuery    a ``query`` or ``orderBy`` parameter could not be read
    ├── Conflict              the request clashes with the resource's current state
    ├── Unprocessable         well-formed, but cannot be carried out (e.g. no connector)
    └── QuotaExceeded         a client quota is spent; ``retry_after`` seconds to wait

The API turns each into Codat's ``ErrorMessage`` in one handler (``api/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which field, and what to do about it."""

    item: str
    message: str
    validator: str = "expense-sync"


class ExpenseSyncError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ExpenseSyncError):
    pass


class NotFound(ExpenseSyncError):
    def __init__(self, resource: str, identifier: object) -> None:
        super().__init__(f"{resource} '{identifier}' was not found.")
        self.resource = resource
        self.identifier = identifier


class InvalidRequest(ExpenseSyncError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    @classmethod
    def for_field(cls, item: str, message: str) -> InvalidRequest:
        return cls(message, [Problem(item, message)])


class MalformedQuery(InvalidRequest):
    pass


class Conflict(ExpenseSyncError):
    pass


class Unprocessable(ExpenseSyncError):
    pass


class QuotaExceeded(ExpenseSyncError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
