"""Every answer of a cloud platform classified once, by its status, into the connector
error tree; the platform package only says how to read its own error body.

- 429, 408, 5xx: the platform is busy or down → ``RetriableConnectorError`` with the
  platform's ``Retry-After`` as ``retry_after``.
- 401, 403: access is gone or not enough (after a refresh was already tried) →
  ``FatalConnectorError``.
- other 4xx: the platform refused this input → ``ValidationConnectorError`` naming the
  field where the platform's answer does.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from expense_sync.connectors.base.cloud.limits import retry_after_seconds
from expense_sync.connectors.base.errors import (
    ConnectorError,
    FatalConnectorError,
    RetriableConnectorError,
    ValidationConnectorError,
)

# (message, field) read from an error answer's body by the platform's package.
ReadProblem = Callable[[httpx.Response], tuple[str, str | None]]


def classify(response: httpx.Response, read_problem: ReadProblem, platform: str) -> ConnectorError:
    status = response.status_code
    message, field = read_problem(response)
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem")
        detail = f" ({problem} limit)" if problem else ""
        return RetriableConnectorError(
            f"{platform} rate limit reached{detail}; waiting {retry_after or 60:.0f} s.",
            retry_after=retry_after or 60.0,
        )
    if status == 408 or status >= 500:
        return RetriableConnectorError(
            f"{platform} is unavailable (HTTP {status}): {message}", retry_after=retry_after
        )
    if status in (401, 403):
        return FatalConnectorError(f"{platform} refused access (HTTP {status}): {message}")
    return ValidationConnectorError(f"{platform}: {message}", field=field)


def transport_error(error: httpx.HTTPError, platform: str) -> RetriableConnectorError:
    """A timeout or a dropped connection: the call may or may not have landed, so the
    caller looks its key up before writing again."""
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "could not be reached"
    return RetriableConnectorError(f"{platform} {kind}: {error or type(error).__name__}")
