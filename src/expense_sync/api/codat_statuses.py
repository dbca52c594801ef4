"""The status codes Codat's documents declare for each operation we serve, and the one
rule that keeps our answers among them.

Codat's clients (its SDKs first) treat an undeclared status as an unexpected error, so an
operation of Codat's answers only with a code its document lists. Our errors mostly map
one to one (400, 404, 409, 429, 503); the exception is 422 (``Unprocessable``: well-formed
but cannot be done now, e.g. the connection is not linked or the company's data has not
been read yet), which few Codat operations declare. Where 422 is not declared it is
answered, with the same message, as the first declared of:

- 409, Codat's "the data type's dataset has not been requested or is still syncing";
- 400, the request cannot be carried out as sent;
- 404, Codat's "your company or data connection id is wrong" (no usable connection).

The table holds the codes beyond those every operation declares (401, 402, 403, 429, 500,
503), read from ``sync-for-expenses.openapi.json``, its v1 predecessor and
``platform.openapi.json`` (where two documents list one operation, the union). Our own
extensions are not in it and answer as they document in ``/openapi.json``.
"""

from __future__ import annotations

DECLARED: dict[str, set[int]] = {
    "GET /apiKeys": {200},
    "POST /apiKeys": {201, 400, 409},
    "DELETE /apiKeys/{apiKeyId}": {204, 404},
    "GET /companies": {200, 400, 404},
    "POST /companies": {200, 400},
    "DELETE /companies/{companyId}": {204, 404},
    "GET /companies/{companyId}": {200, 404},
    "PATCH /companies/{companyId}": {200, 404},
    "PUT /companies/{companyId}": {200, 404},
    "GET /companies/{companyId}/connections": {200, 400, 404},
    "POST /companies/{companyId}/connections": {200, 404},
    "DELETE /companies/{companyId}/connections/{connectionId}": {200, 404},
    "GET /companies/{companyId}/connections/{connectionId}": {200, 404},
    "PATCH /companies/{companyId}/connections/{connectionId}": {200, 404},
    "PUT /companies/{companyId}/connections/{connectionId}/authorization": {200, 404},
    "GET /companies/{companyId}/connections/{connectionId}/options/bankAccounts": {200, 404},
    "GET /companies/{companyId}/connections/{connectionId}/options/chartOfAccounts": {200, 404},
    "POST /companies/{companyId}/connections/{connectionId}/push/accounts": {200, 400, 404},
    "POST /companies/{companyId}/connections/{connectionId}/push/bankAccounts": {200, 400, 404},
    "POST /companies/{companyId}/connections/{connectionId}/push/customers": {200, 400, 404},
    "PUT /companies/{companyId}/connections/{connectionId}/push/customers/{customerId}": {
        200,
        400,
        404,
    },
    "POST /companies/{companyId}/connections/{connectionId}/push/suppliers": {200, 400, 404},
    "PUT /companies/{companyId}/connections/{connectionId}/push/suppliers/{supplierId}": {
        200,
        400,
        404,
    },
    "POST /companies/{companyId}/data/all": {204, 400, 404},
    "GET /companies/{companyId}/data/customers": {200, 400, 404, 409},
    "GET /companies/{companyId}/data/customers/{customerId}": {200, 404, 409},
    "GET /companies/{companyId}/data/history": {200, 400, 404},
    "GET /companies/{companyId}/data/history/{datasetId}": {200, 404},
    "GET /companies/{companyId}/data/info": {200, 404, 409},
    "POST /companies/{companyId}/data/queue/{dataType}": {200, 400, 404},
    "GET /companies/{companyId}/data/suppliers": {200, 400, 404, 409},
    "GET /companies/{companyId}/data/suppliers/{supplierId}": {200, 404, 409},
    "GET /companies/{companyId}/dataStatus": {200, 404},
    "GET /companies/{companyId}/push": {200, 400, 404},
    "GET /companies/{companyId}/push/{pushOperationKey}": {200, 404},
    "POST /companies/{companyId}/sync/expenses/adjustment-transactions": {200, 400, 404},
    "GET /companies/{companyId}/sync/expenses/config": {200, 404},
    "POST /companies/{companyId}/sync/expenses/config": {200, 400, 404},
    "POST /companies/{companyId}/sync/expenses/connections/partnerExpense": {200, 400, 404},
    "POST /companies/{companyId}/sync/expenses/data/expense-transactions": {200, 400, 404},
    "POST /companies/{companyId}/sync/expenses/expense-transactions": {200, 400, 404},
    "PUT /companies/{companyId}/sync/expenses/expense-transactions/{transactionId}": {
        202,
        400,
        404,
        422,
    },
    "GET /companies/{companyId}/sync/expenses/mappingOptions": {200, 404},
    "POST /companies/{companyId}/sync/expenses/reimbursable-expense-transactions": {200, 400, 404},
    "PUT /companies/{companyId}/sync/expenses/reimbursable-expense-transactions/{transactionId}": {
        200,
        400,
        404,
    },
    "POST /companies/{companyId}/sync/expenses/syncs": {400, 404, 422},
    "GET /companies/{companyId}/sync/expenses/syncs/lastSuccessful/status": {200, 404},
    "GET /companies/{companyId}/sync/expenses/syncs/latest/status": {200, 404},
    "GET /companies/{companyId}/sync/expenses/syncs/list/status": {200, 404},
    "GET /companies/{companyId}/sync/expenses/syncs/{syncId}/status": {200, 404},
    "GET /companies/{companyId}/sync/expenses/syncs/{syncId}/transactions": {200, 400, 404},
    "GET /companies/{companyId}/sync/expenses/syncs/{syncId}/transactions/{transactionId}": {
        200,
        404,
    },
    "POST /companies/{companyId}/sync/expenses/syncs/{syncId}/transactions/{transactionId}/attachments": {  # noqa: E501
        200,
        400,
        404,
    },
    "PUT /companies/{companyId}/sync/expenses/transfer-transactions/{transactionId}": {
        200,
        400,
        404,
    },
    "GET /integrations": {200, 400},
    "GET /integrations/{platformKey}": {200, 404},
    "GET /webhooks": {200, 400},
    "POST /webhooks": {201, 400},
    "DELETE /webhooks/{webhookId}": {204, 404},
}
UNPROCESSABLE_FALLBACKS = (409, 400, 404)


def codat_status(operation: str, status: int) -> int:
    """The status to answer ``operation`` (``"METHOD /path/{template}"``) with, for an
    error that would be ``status``."""
    declared = DECLARED.get(operation)
    if declared is None or status != 422 or status in declared:
        return status
    return next((code for code in UNPROCESSABLE_FALLBACKS if code in declared), status)
