"""Expense, reimbursable, transfer and adjustment transactions; configuration; syncs.

Dates are strings passed through as given (``2026-11-02`` or ``2026-11-02T00:00:00Z``):
the server checks them and says what to fix, so the SDK never reformats a date.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from expense_sync.client.models._base import Model, Money, Ref


class TrackingRef(Model):
    id: str
    data_type: str | None = None


class InvoiceTo(Model):
    id: str | None = None
    data_type: str | None = None


class ExpenseTransactionLine(Model):
    net_amount: Money
    tax_amount: Money | None = None
    tax_rate_ref: Ref | None = None
    account_ref: Ref | None = None
    item_ref: Ref | None = None
    tracking_refs: list[TrackingRef] | None = None
    invoice_to: InvoiceTo | None = None


class ContactRef(Model):
    id: str
    type: str | None = None


class UpdateExpenseRequest(Model):
    """An expense transaction's fields, for an update (the id is in the path)."""

    type: str
    issue_date: str
    currency: str
    currency_rate: Money | None = None
    contact_ref: ContactRef | None = None
    bank_account_ref: Ref | None = None
    merchant_name: str | None = None
    lines: list[ExpenseTransactionLine] | None = None
    notes: str | None = None


class ExpenseTransaction(UpdateExpenseRequest):
    """One card transaction (``type``: Payment, Refund, Reward, Chargeback, ...)."""

    id: str
    reference: str | None = None
    post_as_draft: bool | None = None


class ReimbursableExpenseTransactionLine(ExpenseTransactionLine):
    description: str | None = None


class ReimbursableExpenseTransaction(Model):
    """An employee's out-of-pocket expense, owed back to them."""

    id: str | None = None
    reference: str | None = None
    contact_ref: ContactRef
    ap_account_ref: Ref | None = None
    issue_date: str
    due_date: str
    currency: str
    currency_rate: Money | None = None
    notes: str | None = None
    lines: list[ReimbursableExpenseTransactionLine] | None = None


class TransferEnd(Model):
    account_ref: Ref
    amount: Money


class TransferTransaction(Model):
    description: str | None = None
    date: str
    from_: TransferEnd = Field(alias="from")
    to: TransferEnd


class AdjustmentTransactionLine(Model):
    amount: Money
    account_ref: Ref
    description: str | None = None
    tracking_refs: list[TrackingRef] | None = None
    invoice_to: InvoiceTo | None = None


class AdjustmentTransaction(Model):
    id: str
    date: str
    currency: str
    currency_rate: Money | None = None
    reference: str | None = None
    lines: list[AdjustmentTransactionLine]


class CompanyConfiguration(Model):
    """Where expenses post by default: the card's bank account, a supplier, a customer."""

    bank_account: Ref
    supplier: Ref
    customer: Ref


class MappingOptions(Model):
    expense_provider: str | None = None
    accounts: list[dict[str, Any]] = []
    tracking_categories: list[dict[str, Any]] = []
    tax_rates: list[dict[str, Any]] = []


class SyncCreated(Model):
    sync_id: str


class DatasetCreated(Model):
    dataset_id: str


class CompanySyncStatus(Model):
    company_id: str
    sync_id: str
    sync_status_code: int
    sync_status: str
    error_message: str | None = None
    sync_exception_message: str | None = None
    sync_utc: str | None = None
    data_pushed: bool = False

    @property
    def is_finished(self) -> bool:
        """1000 and 1010 mean the sync is still running; every other code is final."""
        return self.sync_status_code not in (1000, 1010)

    @property
    def is_successful(self) -> bool:
        return self.sync_status_code in (2000, 2040)


class TransactionStatus(Model):
    """How one transaction of a sync ended: Completed, ValidationError, PushError, ..."""

    transaction_id: str
    status: str
    message: str | None = None
    integration_type: str | None = None


class Attachment(Model):
    id: str
    company_id: str | None = None
    transaction_id: str | None = None


class ExpenseDataset(Model):
    """v1 flow: transactions stored as a dataset, synced later by ``sync.initiate``."""

    items: list[ExpenseTransaction]


class InitiateSync(Model):
    dataset_ids: list[str]
