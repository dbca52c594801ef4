"""The Python SDK of expense-sync: ``from expense_sync.client import ExpenseSync``.

Needs only httpx and pydantic (a test imports it in a virtual environment with nothing
else). Guide and examples: docs/sdk.md.
"""

from expense_sync.client import models
from expense_sync.client._operations import Upload
from expense_sync.client.errors import (
    APIError,
    ErrorMessage,
    ErrorMessageData,
    ExpenseSyncError,
    SDKError,
    SyncTimeout,
    WebhookVerificationError,
)
from expense_sync.client.paging import Page
from expense_sync.client.retries import NO_RETRIES, BackoffStrategy, RetryConfig
from expense_sync.client.sdk import ExpenseSync, Security
from expense_sync.client.waiting import SyncOutcome
from expense_sync.client.webhooks import sign_webhook, verify_webhook

__all__ = [
    "NO_RETRIES",
    "APIError",
    "BackoffStrategy",
    "ErrorMessage",
    "ErrorMessageData",
    "ExpenseSync",
    "ExpenseSyncError",
    "Page",
    "RetryConfig",
    "SDKError",
    "Security",
    "SyncOutcome",
    "SyncTimeout",
    "Upload",
    "WebhookVerificationError",
    "models",
    "sign_webhook",
    "verify_webhook",
]
