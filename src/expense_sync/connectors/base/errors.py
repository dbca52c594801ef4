"""Every upstream failure is classified once, where it happens.

ConnectorError
├── RetriableConnectorError   the platform is down or busy: try again later
├── FatalConnectorError       will not work until someone changes something
└── ValidationConnectorError  the platform refused this input; ``field`` says which
"""

from __future__ import annotations


class ConnectorError(Exception):
    can_be_retried = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RetriableConnectorError(ConnectorError):
    """``retry_after`` (seconds) is the platform's own hint (``Retry-After``, a rate-limit
    reset), when it gave one; the caller waits at least that long before trying again."""

    can_be_retried = True

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class FatalConnectorError(ConnectorError):
    pass


class ValidationConnectorError(ConnectorError):
    pass
