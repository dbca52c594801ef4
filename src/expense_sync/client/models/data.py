"""Data pulled from and pushed to the accounting platform: pull and push operations,
data status, records (accounts, bank accounts, customers, suppliers), company info.

Records keep every field the platform returned (``extra="allow"``); their shapes differ
by data type and platform, so only the id is typed.
"""

from __future__ import annotations

from typing import Any

from expense_sync.client.models._base import Model, Validation


class Record(Model):
    """A customer, supplier, account or bank account, in Codat's shape."""

    id: str | None = None


class PullOperation(Model):
    id: str
    company_id: str
    connection_id: str
    data_type: str
    status: str
    status_description: str | None = None
    error_message: str | None = None
    requested: str
    completed: str | None = None
    progress: int = 0
    is_completed: bool
    is_errored: bool


class DataStatus(Model):
    data_type: str
    current_status: str
    last_successful_sync: str | None = None
    latest_sync_id: str | None = None
    latest_successful_sync_id: str | None = None
    error_message: str | None = None


class PushChange(Model):
    type: str
    record_ref: dict[str, Any]
    attachment_id: str | None = None


class PushOperation(Model):
    push_operation_key: str
    company_id: str
    data_connection_key: str
    data_type: str | None = None
    requested_on_utc: str
    completed_on_utc: str | None = None
    timeout_in_minutes: int | None = None
    status: str
    status_code: int
    error_message: str | None = None
    validation: Validation | None = None
    changes: list[PushChange] | None = None
    data: dict[str, Any] | None = None


class CompanyInformation(Model):
    company_name: str | None = None
    base_currency: str | None = None
