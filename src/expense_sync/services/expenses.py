"""Intake: expense, reimbursable, transfer and adjustment transactions in; a sync out.

A request is checked whole before anything is stored (shape, domain rules, and the ids it
points at against the cached books), then every transaction is stored under the client's
id with its new revision, and one sync with one item per transaction is created in the
same database transaction. The sync is handed to the executor after the commit.

The v1 flow splits that in two: a dataset stores transactions, and a later request syncs
one or more datasets.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.currencies import check_against_books
from expense_sync.domain.errors import InvalidRequest, NotFound, Problem
from expense_sync.domain.expenses import (
    References,
    Transaction,
    canonical_id,
    read_batch,
    read_transaction,
    references_from,
    with_defaults,
)
from expense_sync.services.books import find_accounting_connection
from expense_sync.services.cached_data import read_types, records_by_type
from expense_sync.services.companies import owned_company_id
from expense_sync.storage.bulk import insert_rows
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import (
    Company,
    ExpenseConfiguration,
    ExpenseDataset,
    ExpenseTransaction,
    Sync,
    SyncItem,
)
from expense_sync.storage.types import total_e4

REFERENCE_TYPES = (
    "chartOfAccounts",
    "taxRates",
    "trackingCategories",
    "suppliers",
    "customers",
    "company",
)
ENDPOINT = {
    "expense": "expense-transactions",
    "reimbursable": "reimbursable-expense-transactions",
    "transfer": "transfer-transactions",
    "adjustment": "adjustment-transactions",
}


def submit(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    kind: str,
    body: Any,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
    transaction_id: str | None = None,
) -> Sync:
    """Store the transactions and queue their sync; ``transaction_id`` for a PUT."""
    owned_company_id(session, client_id, company_id)
    stored = _accept(session, company_id, kind, body, transaction_id)
    return queue_sync(session, company_id, stored, on_commit, enqueue)


def _accept(
    session: Session,
    company_id: uuid.UUID,
    kind: str,
    body: Any,
    transaction_id: str | None,
    *,
    field: str = "",
) -> list[tuple[uuid.UUID, int]]:
    """Check a request whole (shape, rules, ids against the cached books), then store
    each transaction's new revision. ``field`` prefixes problem paths (v1's ``items``).

    The checks, most of a request's work, only read, so they run before the company's
    row is locked: on SQLite that lock is the database's one writer, which every other
    request's writes wait for while it is held."""
    if transaction_id is None:
        transactions, problems = read_batch(kind, body)
    else:
        one, problems = read_transaction(kind, body, transaction_id=transaction_id)
        transactions = [one] if one else []
    _raise_if(problems, field)
    # As sent, under the canonical id: the body is what a later sync re-reads.
    sent = body if transaction_id is None else [body]
    bodies = [{**item, "id": t.id} for item, t in zip(sent, transactions, strict=True)]
    references = cached_references(session, company_id)
    defaults = configuration_defaults(session, company_id)
    many = transaction_id is None
    for index, transaction in enumerate(transactions):
        prefix = f"[{index}]" if many else ""
        problems += check_against_books(with_defaults(transaction, defaults), references, prefix)
    _raise_if(problems, field)
    lock_row(session, Company, company_id)  # one request at a time from here
    return _store(session, company_id, kind, transactions, bodies, replace=not many)


def _raise_if(problems: list[Problem], field: str) -> None:
    if field:
        problems = [replace(p, item=_under(field, p.item)) for p in problems]
    if problems:
        raise InvalidRequest(_summary(problems), problems)


def _under(field: str, item: str) -> str:
    if item == "body":
        return field
    return f"{field}{item}" if item.startswith("[") else f"{field}.{item}"


def queue_sync(
    session: Session,
    company_id: uuid.UUID,
    items: list[tuple[uuid.UUID, int]],
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
    retry_of: uuid.UUID | None = None,
) -> Sync:
    """A new sync of these transaction revisions (row id, revision), handed to the
    executor after commit, with the configuration it starts from; ``retry_of`` names
    the sync whose failed items it retries."""
    sync = Sync(
        company_id=company_id,
        status_code=1000,
        configuration=configuration_snapshot(session, company_id),
        retry_of_id=retry_of,
    )
    session.add(sync)
    session.flush()
    sync_id = sync.id
    insert_rows(
        session,
        SyncItem,
        [
            {"sync_id": sync_id, "transaction_row_id": row_id, "position": position,
             "revision": revision, "status": "Pending"}
            for position, (row_id, revision) in enumerate(items)
        ],
    )  # fmt: skip
    on_commit(lambda: enqueue(sync_id))
    return sync


# -- the v1 flow: datasets first, their sync later ----------------------------------------


def create_dataset(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, body: Any
) -> ExpenseDataset:
    """v1's ``POST .../data/expense-transactions`` (``{"items": [...]}``): store the
    transactions as a dataset; nothing syncs until ``sync_datasets`` names it."""
    owned_company_id(session, client_id, company_id)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise InvalidRequest.for_field(
            "items", 'Send {"items": [...]}: a list of 1 to 50 expense transactions.'
        )
    stored = _accept(session, company_id, "expense", body["items"], None, field="items")
    dataset = ExpenseDataset(
        company_id=company_id, items=[[str(row_id), revision] for row_id, revision in stored]
    )
    session.add(dataset)
    session.flush()
    return dataset


def sync_datasets(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    body: Any,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> Sync:
    """v1's ``POST .../syncs`` (``{"datasetIds": [...]}``): one sync of every transaction
    in the named datasets, each at the revision its dataset holds."""
    owned_company_id(session, client_id, company_id, for_update=True)
    wanted = body.get("datasetIds") if isinstance(body, dict) else None
    if not isinstance(wanted, list) or not wanted:
        raise InvalidRequest.for_field(
            "datasetIds", 'Send {"datasetIds": ["…"]}: the ids that creating datasets returned.'
        )
    problems: list[Problem] = []
    datasets: list[ExpenseDataset] = []
    for index, value in enumerate(wanted):
        where = f"datasetIds[{index}]"
        dataset_id = canonical_id(value) if isinstance(value, str) else None
        dataset = session.get(ExpenseDataset, uuid.UUID(dataset_id)) if dataset_id else None
        if dataset is None or dataset.company_id != company_id:
            problems.append(Problem(where, f"No dataset {str(value)[:60]!r} for this company."))
        elif dataset in datasets:
            problems.append(Problem(where, f"Dataset {dataset.id} is named twice."))
        elif dataset.sync_id is not None:
            problems.append(
                Problem(
                    where,
                    f"Dataset {dataset.id} was already synced (sync {dataset.sync_id}); "
                    "to change a transaction, PUT .../expense-transactions/{id}.",
                )
            )
        else:
            datasets.append(dataset)
    _raise_if(problems, "")
    row_ids = [uuid.UUID(row_id) for d in datasets for row_id, _ in d.items]
    present = set(
        session.scalars(select(ExpenseTransaction.id).where(ExpenseTransaction.id.in_(row_ids)))
    )
    items = [
        (uuid.UUID(row_id), revision)
        for d in datasets
        for row_id, revision in d.items
        if uuid.UUID(row_id) in present
    ]
    sync = queue_sync(session, company_id, items, on_commit, enqueue)
    for dataset in datasets:
        dataset.sync_id = sync.id
    return sync


def _summary(problems: list[Problem]) -> str:
    first = problems[0]
    more = (
        f" (and {len(problems) - 1} more problem(s), listed in validation)"
        if len(problems) > 1
        else ""
    )
    return f"{first.item}: {first.message}{more}"


def _store(
    session: Session,
    company_id: uuid.UUID,
    kind: str,
    transactions: list[Transaction],
    bodies: list[dict[str, Any]],
    *,
    replace: bool,
) -> list[tuple[uuid.UUID, int]]:
    """Each transaction's new revision, stored: (row id, revision) in the order given.
    New transactions are appended in bulk; updates go through the ORM."""
    ids = [t.id for t in transactions]
    existing = {
        row.transaction_id: row
        for row in session.scalars(
            select(ExpenseTransaction).where(
                ExpenseTransaction.company_id == company_id,
                ExpenseTransaction.transaction_id.in_(ids),
            )
        )
    }
    problems = []
    for index, transaction in enumerate(transactions):
        row = existing.get(transaction.id)
        where = f"[{index}].id" if len(transactions) > 1 or not replace else "transactionId"
        if row is None and replace and kind != "transfer":
            raise NotFound(f"{ENDPOINT[kind]} transaction", transaction.id)
        if row is not None and not replace:
            problems.append(
                Problem(
                    where,
                    f"Transaction {transaction.id} was already submitted "
                    f"({row.status}); to change it, PUT .../{ENDPOINT[row.kind]}/"
                    f"{transaction.id}. Nothing is posted twice.",
                )
            )
        elif row is not None and row.kind != kind:
            problems.append(
                Problem(
                    where,
                    f"Transaction {transaction.id} is a {row.kind} "
                    f"transaction; update it at .../{ENDPOINT[row.kind]}.",
                )
            )
    if problems:
        raise InvalidRequest(_summary(problems), problems)
    now = datetime.now(UTC)
    stored, added = [], []
    for transaction, body in zip(transactions, bodies, strict=True):
        row = existing.get(transaction.id)
        if row is None:
            row_id = uuid.uuid4()
            added.append(
                {"id": row_id, "company_id": company_id, "transaction_id": transaction.id,
                 "kind": kind, "body": body, "revision": 1, "status": "Pending",
                 "created": now, "modified": now, "currency": transaction.currency,
                 "total_e4": total_e4(transaction.total)}
            )  # fmt: skip
            stored.append((row_id, 1))
        else:
            row.body = body
            row.revision += 1
            row.status = "Pending"
            row.modified = now
            row.currency = transaction.currency
            row.total_e4 = total_e4(transaction.total)
            stored.append((row.id, row.revision))
    session.flush()
    insert_rows(session, ExpenseTransaction, added)
    return stored


def cached_references(session: Session, company_id: uuid.UUID) -> References:
    """What the cache knows of the company's books (types never refreshed stay unknown)."""
    connection = find_accounting_connection(session, company_id)
    if connection is None:
        return References()
    cached = records_by_type(session, connection.id, REFERENCE_TYPES)
    return references_from({t: cached.get(t) for t in REFERENCE_TYPES})


# -- configuration -----------------------------------------------------------------------

CONFIG_FIELDS = {
    "bankAccount": "bank_account_id",
    "supplier": "supplier_id",
    "customer": "customer_id",
}


def configuration_defaults(session: Session, company_id: uuid.UUID) -> dict[str, str | None]:
    row = session.get(ExpenseConfiguration, company_id)
    return {name: getattr(row, column) if row else None for name, column in CONFIG_FIELDS.items()}


def configuration_snapshot(session: Session, company_id: uuid.UUID) -> dict[str, Any]:
    """What a new sync starts from: the company's configuration in the contract's shape
    and the accounting connection it will post to, kept on the sync so the dashboard
    shows the mapping as it was, not as it is now."""
    connection = find_accounting_connection(session, company_id)
    return {
        "configuration": _configuration_body(configuration_defaults(session, company_id)),
        "connection": None
        if connection is None
        else {"id": str(connection.id), "platformKey": connection.platform_key},
    }


def get_configuration(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID
) -> dict[str, Any]:
    owned_company_id(session, client_id, company_id)
    return _configuration_body(configuration_defaults(session, company_id))


def _configuration_body(values: dict[str, str | None]) -> dict[str, Any]:
    """The contract's shape: ``{"id": …}`` when set, ``{}`` when not (ids are never null)."""
    return {name: {"id": value} if value else {} for name, value in values.items()}


def set_configuration(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, body: Any
) -> dict[str, Any]:
    owned_company_id(session, client_id, company_id, for_update=True)
    if not isinstance(body, dict):
        raise InvalidRequest.for_field(
            "body", 'Send {"bankAccount": {"id": …}, "supplier": {"id": …}, "customer": {"id": …}}.'
        )
    values: dict[str, str | None] = {}
    problems = []
    for name in CONFIG_FIELDS:
        part = body.get(name)
        if not isinstance(part, dict):
            problems.append(Problem(name, f'{name} is required: an object such as {{"id": "…"}}.'))
            continue
        value = part.get("id")
        if value is not None and (not isinstance(value, str) or not value or len(value) > 200):
            problems.append(
                Problem(f"{name}.id", f"{name}.id must be a string of 1 to 200 characters.")
            )
            continue
        values[name] = value
    if not problems:
        problems = _unknown_in_books(session, company_id, values)
    if problems:
        raise InvalidRequest(_summary(problems), problems)
    row = session.get(ExpenseConfiguration, company_id)
    if row is None:
        row = ExpenseConfiguration(company_id=company_id)
        session.add(row)
    for name, column in CONFIG_FIELDS.items():
        setattr(row, column, values[name])
    session.flush()
    return _configuration_body(values)


# The data type each default is looked up in (a bank account is an account of the chart
# whose isBankAccount is true, as the sync checks it).
CONFIG_SOURCES = {
    "bankAccount": "chartOfAccounts",
    "supplier": "suppliers",
    "customer": "customers",
}


def _unknown_in_books(
    session: Session, company_id: uuid.UUID, values: dict[str, str | None]
) -> list[Problem]:
    """Each default must be in the books as the cache holds them, or every sync that uses
    it fails; a default the books cannot vouch for is refused, not stored.

    When the books cannot be asked yet (no linked accounting connection, or the default's
    data type never read), the default is refused too, with the step that makes it work:
    the ids a client sets come from the books' data (``mappingOptions``, ``.../data/…``),
    which are served from the same cache, so an unread cache means the id was not picked
    from these books. Reading the platform here instead would make a configuration call
    hang on (and spend the rate limit of) a cloud platform, and answer differently from
    the mapping options next to it. Clearing a default (``"id": null``) needs no books.
    """
    wanted = {name: value for name, value in values.items() if value is not None}
    if not wanted:
        return []
    connection = find_accounting_connection(session, company_id)
    if connection is None:
        return [
            Problem(
                f"{name}.id",
                f"{name}.id {value!r} cannot be checked: the company has no linked accounting "
                "connection. Link one (PUT .../connections/{connectionId}/authorization), "
                f"refresh its data (POST /companies/{company_id}/data/all), then set the "
                "configuration again.",
            )
            for name, value in wanted.items()
        ]
    sources = {CONFIG_SOURCES[name] for name in wanted}
    read = read_types(session, connection.id, sources)
    cached = records_by_type(session, connection.id, read)
    problems = []
    for name, value in wanted.items():
        data_type = CONFIG_SOURCES[name]
        records = {str(r["id"]): r for r in cached.get(data_type, [])}
        if data_type not in read:
            message = (
                f"{name}.id {value!r} cannot be checked yet: the books' {data_type} have not "
                f"been read. Refresh them (POST /companies/{company_id}/data/all, or "
                f".../data/queue/{data_type}), wait for the pull to complete, then set the "
                "configuration again."
            )
        elif name == "bankAccount" and not records.get(value, {}).get("isBankAccount"):
            message = (
                f"bankAccount.id {value!r} is not a bank or card account in the books; pick an "
                "account whose isBankAccount is true (GET .../sync/expenses/mappingOptions), "
                "or create one with POST .../push/bankAccounts."
            )
        elif value in records:
            continue
        else:
            message = (
                f"{name}.id {value!r} is not one of the company's {data_type} in the books; "
                f"pick one from GET /companies/{company_id}/data/{data_type}, or create it "
                f"with POST .../push/{data_type}."
            )
        problems.append(Problem(f"{name}.id", message))
    return problems
