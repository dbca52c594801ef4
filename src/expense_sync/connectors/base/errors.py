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
    can_be_retried = True


class FatalConnectorError(ConnectorError):
    pass


class ValidationConnectorError(ConnectorError):
    pass
