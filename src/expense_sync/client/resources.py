"""The resource groups, one per API tag, as tables of operations.

Each line declares a method and its ``_async`` twin. Names follow Codat's SDK where it has
the operation (``sdk.sync.get_latest_sync``, ``sdk.manage_data.refresh_all_data_types``),
so code written against it reads the same here. The path says which keyword arguments a
call takes: ``/companies/{companyId}`` takes ``company_id=``. In Codat's call style the same
names go inside ``request``, with the body under the name Codat's SDK gives it (the last
argument of a line, e.g. ``company_request_body``; ``request_body`` when not written).
"""

from __future__ import annotations

from typing import Any

from expense_sync.client import models as m
from expense_sync.client._operations import (
    LIST_QUERY,
    AsyncOperation,
    AsyncPagedOperation,
    Operation,
    PagedOperation,
    ResourceGroup,
    operation,
    paged,
    upload,
)

COMPANY = "/companies/{companyId}"
CONNECTION = COMPANY + "/connections/{connectionId}"
EXPENSES = COMPANY + "/sync/expenses"
SYNC = EXPENSES + "/syncs/{syncId}"
PUSH_QUERY = ("timeoutInMinutes", "allowSyncOnPushComplete")
UPDATE_QUERY = (*PUSH_QUERY, "forceUpdate")
Json = dict[str, Any]
# Module-level names: inside a group's class body, ``list`` is the group's own operation.
SyncStatuses = list[m.CompanySyncStatus]
TransactionStatuses = list[m.TransactionStatus]
ExpenseList = list[m.ExpenseTransaction]
Reimbursables = list[m.ReimbursableExpenseTransaction]
AdjustmentList = list[m.AdjustmentTransaction]


class Companies(ResourceGroup):
    """Create and manage your customers' companies."""

    list, list_async = paged("/companies", m.Company, (*LIST_QUERY, "tags"))
    create, create_async = operation("POST", "/companies", m.Company, m.CompanyRequestBody)
    get, get_async = operation("GET", COMPANY, m.Company)
    replace, replace_async = operation(
        "PUT", COMPANY, m.Company, m.CompanyRequestBody, body_field="company_request_body"
    )
    update, update_async = operation(
        "PATCH", COMPANY, m.Company, m.CompanyUpdateRequest, body_field="company_update_request"
    )
    delete, delete_async = operation("DELETE", COMPANY, None)


class Connections(ResourceGroup):
    """Connections from a company to its accounting platform."""

    list, list_async = paged(COMPANY + "/connections", m.Connection)
    create, create_async = operation(
        "POST", COMPANY + "/connections", m.Connection, m.CreateConnection
    )
    get, get_async = operation("GET", CONNECTION, m.Connection)
    delete, delete_async = operation("DELETE", CONNECTION, None)
    unlink, unlink_async = operation("PATCH", CONNECTION, m.Connection, m.UpdateConnection)
    update_authorization, update_authorization_async = operation(
        "PUT", CONNECTION + "/authorization", m.Connection, dict[str, str]
    )
    create_partner_expense_connection, create_partner_expense_connection_async = operation(
        "POST", EXPENSES + "/connections/partnerExpense", m.Connection
    )


class Integrations(ResourceGroup):
    """The accounting platforms this server connects to."""

    list, list_async = paged("/integrations", m.Integration)
    get, get_async = operation("GET", "/integrations/{platformKey}", m.Integration)


class Configuration(ResourceGroup):
    """Default bank account, supplier and customer for a company's expenses."""

    get, get_async = operation("GET", EXPENSES + "/config", m.CompanyConfiguration)
    set, set_async = operation(
        "POST",
        EXPENSES + "/config",
        m.CompanyConfiguration,
        m.CompanyConfiguration,
        body_field="company_configuration",
    )


class MappingOptions(ResourceGroup):
    """Accounts, tax rates and tracking categories expenses can be mapped to."""

    get_mapping_options, get_mapping_options_async = operation(
        "GET", EXPENSES + "/mappingOptions", m.MappingOptions
    )


class Sync(ResourceGroup):
    """The status of syncs; ``initiate`` syncs v1 datasets."""

    get, get_async = operation("GET", SYNC + "/status", m.CompanySyncStatus)
    list, list_async = operation("GET", EXPENSES + "/syncs/list/status", SyncStatuses)
    get_latest_sync, get_latest_sync_async = operation(
        "GET", EXPENSES + "/syncs/latest/status", m.CompanySyncStatus
    )
    get_last_successful_sync, get_last_successful_sync_async = operation(
        "GET", EXPENSES + "/syncs/lastSuccessful/status", m.CompanySyncStatus
    )
    initiate, initiate_async = operation(
        "POST", EXPENSES + "/syncs", m.SyncCreated, m.InitiateSync, body_field="post_sync"
    )


class Expenses(ResourceGroup):
    """Card spend: payments, refunds, rewards, chargebacks."""

    create, create_async = operation(
        "POST", EXPENSES + "/expense-transactions", m.SyncCreated, ExpenseList
    )
    update, update_async = operation(
        "PUT",
        EXPENSES + "/expense-transactions/{transactionId}",
        m.SyncCreated,
        m.UpdateExpenseRequest,
        body_field="update_expense_request",
    )
    create_dataset, create_dataset_async = operation(
        "POST",
        EXPENSES + "/data/expense-transactions",
        m.DatasetCreated,
        m.ExpenseDataset,
        body_field="create_expense_request",
    )


class Transfers(ResourceGroup):
    """Money moved between two of a company's accounts."""

    create, create_async = operation(
        "PUT",
        EXPENSES + "/transfer-transactions/{transactionId}",
        m.SyncCreated,
        m.TransferTransaction,
        body_field="transfer_transaction_request",
    )


class Reimbursements(ResourceGroup):
    """Out-of-pocket spend owed back to employees."""

    create, create_async = operation(
        "POST",
        EXPENSES + "/reimbursable-expense-transactions",
        m.SyncCreated,
        Reimbursables,
    )
    update, update_async = operation(
        "PUT",
        EXPENSES + "/reimbursable-expense-transactions/{transactionId}",
        m.SyncCreated,
        m.ReimbursableExpenseTransaction,
        body_field="update_reimbursable_expense_transaction_request",
    )


class Adjustments(ResourceGroup):
    """Journal adjustments between accounts."""

    create, create_async = operation(
        "POST",
        EXPENSES + "/adjustment-transactions",
        m.SyncCreated,
        AdjustmentList,
    )


class Attachments(ResourceGroup):
    """Receipts attached to a synced transaction."""

    upload, upload_async = upload(SYNC + "/transactions/{transactionId}/attachments", m.Attachment)


class TransactionStatus(ResourceGroup):
    """How each transaction of a sync ended."""

    list, list_async = paged(SYNC + "/transactions", m.TransactionStatus)
    get, get_async = operation("GET", SYNC + "/transactions/{transactionId}", TransactionStatuses)


class ManageData(ResourceGroup):
    """Refreshing the platform data cached for validation and mapping."""

    get, get_async = operation("GET", COMPANY + "/dataStatus", dict[str, m.DataStatus])
    list_pull_operations, list_pull_operations_async = paged(
        COMPANY + "/data/history", m.PullOperation
    )
    get_pull_operation, get_pull_operation_async = operation(
        "GET", COMPANY + "/data/history/{datasetId}", m.PullOperation
    )
    refresh_all_data_types, refresh_all_data_types_async = operation(
        "POST", COMPANY + "/data/all", None
    )
    refresh_data_type, refresh_data_type_async = operation(
        "POST", COMPANY + "/data/queue/{dataType}", m.PullOperation, query=("connectionId",)
    )


class PushOperations(ResourceGroup):
    """Every write made to a company's platform."""

    list, list_async = paged(COMPANY + "/push", m.PushOperation)
    get, get_async = operation("GET", COMPANY + "/push/{pushOperationKey}", m.PushOperation)


class Accounts(ResourceGroup):
    """Create accounts in the platform's chart of accounts."""

    create, create_async = operation(
        "POST",
        CONNECTION + "/push/accounts",
        m.PushOperation,
        Json,
        PUSH_QUERY,
        "account_prototype",
    )
    get_create_model, get_create_model_async = operation(
        "GET", CONNECTION + "/options/chartOfAccounts", Json
    )


class BankAccounts(ResourceGroup):
    """Create bank accounts in the platform."""

    create, create_async = operation(
        "POST", CONNECTION + "/push/bankAccounts", m.PushOperation, Json, PUSH_QUERY, "bank_account"
    )
    get_create_model, get_create_model_async = operation(
        "GET", CONNECTION + "/options/bankAccounts", Json
    )


ContactOperations = tuple[
    PagedOperation[m.Record], AsyncPagedOperation[m.Record],
    Operation[m.Record], AsyncOperation[m.Record],
    Operation[m.PushOperation], AsyncOperation[m.PushOperation],
    Operation[m.PushOperation], AsyncOperation[m.PushOperation],
]  # fmt: skip


def _contacts(data_type: str, id_name: str) -> ContactOperations:
    """Customers and suppliers: the same four operations on two data types."""
    record = f"/{data_type}/{{{id_name}}}"
    body = data_type.removesuffix("s")  # Codat's request objects: ``customer``, ``supplier``
    push = CONNECTION + "/push"
    return (
        *paged(COMPANY + f"/data/{data_type}", m.Record),
        *operation("GET", COMPANY + "/data" + record, m.Record),
        *operation("POST", push + f"/{data_type}", m.PushOperation, Json, PUSH_QUERY, body),
        *operation("PUT", push + record, m.PushOperation, Json, UPDATE_QUERY, body),
    )


class Customers(ResourceGroup):
    """The platform's customers: ``list``, ``get``, ``create``, ``update`` (and ``_async``)."""

    list, list_async, get, get_async, create, create_async, update, update_async = _contacts(
        "customers", "customerId"
    )


class Suppliers(ResourceGroup):
    """The platform's suppliers: ``list``, ``get``, ``create``, ``update`` (and ``_async``)."""

    list, list_async, get, get_async, create, create_async, update, update_async = _contacts(
        "suppliers", "supplierId"
    )


class CompanyInfo(ResourceGroup):
    """The company's details as its accounting platform holds them."""

    get, get_async = operation("GET", COMPANY + "/data/info", m.CompanyInformation)


class Webhooks(ResourceGroup):
    """Webhook consumers: where sync events are delivered (Standard Webhooks signed)."""

    list, list_async = paged("/webhooks", m.WebhookConsumer, ())
    create, create_async = operation(
        "POST", "/webhooks", m.CreatedWebhookConsumer, m.WebhookConsumerPrototype
    )
    delete, delete_async = operation("DELETE", "/webhooks/{webhookId}", None)
    # expense-sync's delivery log: every event sent to a consumer, its attempts, a retry
    list_deliveries, list_deliveries_async = paged(
        "/webhooks/{webhookId}/deliveries", m.WebhookDelivery
    )
    get_delivery, get_delivery_async = operation(
        "GET", "/webhooks/{webhookId}/deliveries/{deliveryId}", m.WebhookDeliveryWithAttempts
    )
    retry_delivery, retry_delivery_async = operation(
        "POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/retry", m.WebhookDelivery
    )


class ApiKeys(ResourceGroup):
    """API keys of your client: list, create (the key is shown once), delete."""

    list, list_async = paged("/apiKeys", m.ApiKeyDetails, ())
    create, create_async = operation("POST", "/apiKeys", m.ApiKeyDetails, m.CreateApiKey)
    delete, delete_async = operation("DELETE", "/apiKeys/{apiKeyId}", None)
