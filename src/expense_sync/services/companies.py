"""Companies: each is one of the client's customers, whose books we sync into."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from expense_sync.domain.companies import check_tags, clean_company_name
from expense_sync.domain.errors import NotFound
from expense_sync.domain.query import Comparison, malformed, parse_query
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import (
    Company,
    CompanyTag,
    Connection,
    PullOperation,
    PushOperation,
    Sync,
)
from expense_sync.storage.query_sql import (
    Page,
    PageRequest,
    QueryField,
    compile_query,
    fetch_page,
)

PRODUCTS = ["expenses"]

COMPANY_FIELDS = {
    "id": QueryField(Company.id, "uuid"),
    "name": QueryField(Company.name),
    "description": QueryField(Company.description),
    "created": QueryField(Company.created, "datetime"),
    "lastSync": QueryField(Company.last_sync, "datetime"),
    "createdByUserName": QueryField(Company.created_by_user_name),
}


@dataclass(frozen=True)
class CompanyChanges:
    name: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None


def create_company(
    session: Session, client_id: uuid.UUID, changes: CompanyChanges, created_by: str | None
) -> Company:
    company = Company(
        client_id=client_id,
        name=clean_company_name(changes.name or ""),
        description=changes.description,
        created_by_user_name=created_by,
        products=list(PRODUCTS),
    )
    company.tags = _tag_rows(changes.tags or {})
    session.add(company)
    session.flush()
    return company


def get_company(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, *, for_update: bool = False
) -> Company:
    """The caller's company, or NotFound; ``for_update`` locks its row until commit."""
    return _owned(session, select(Company), client_id, company_id, for_update)


def owned_company_id(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, *, for_update: bool = False
) -> uuid.UUID:
    """``get_company`` for callers that need only to know the company is the caller's:
    its id, without loading the company and its eagerly loaded relations."""
    return _owned(session, select(Company.id), client_id, company_id, for_update)


Found = TypeVar("Found")


def _owned(
    session: Session,
    statement: Select[Found],
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    for_update: bool,
) -> Found:
    if for_update:
        lock_row(session, Company, company_id)
    found = session.scalar(
        statement.where(Company.id == company_id, Company.client_id == client_id)
    )
    if found is None:
        raise NotFound("Company", company_id)
    return found


Owned = TypeVar("Owned", Connection, PullOperation, PushOperation, Sync)


def get_company_row(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    model: type[Owned],
    row_id: uuid.UUID,
    label: str,
) -> Owned:
    """A row that belongs to one of the caller's companies (a connection, an operation)."""
    owned_company_id(session, client_id, company_id)
    row = session.get(model, row_id)
    if row is None or row.company_id != company_id:
        raise NotFound(label, row_id)
    return row


Operation = TypeVar("Operation", PullOperation, PushOperation)


def list_operations(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    model: type[Operation],
    fields: dict[str, QueryField],
    request: PageRequest,
) -> Page[Operation]:
    """A page of one of the caller's companies' pull or push operations, newest first."""
    owned_company_id(session, client_id, company_id)
    return fetch_page(
        session,
        select(model),
        request,
        fields,
        [model.requested.desc(), model.id],
        [model.company_id == company_id],
    )


def list_companies(
    session: Session, client_id: uuid.UUID, request: PageRequest, tags: str | None
) -> Page[Company]:
    filters = [Company.client_id == client_id]
    if tags is not None:
        filters.append(_tags_filter(tags))
    return fetch_page(
        session, select(Company), request, COMPANY_FIELDS, [Company.created, Company.id], filters
    )


def replace_company(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, changes: CompanyChanges
) -> Company:
    """PUT: every field is replaced, absent ones are cleared (as the contract says)."""
    company = get_company(session, client_id, company_id, for_update=True)
    company.name = clean_company_name(changes.name or "")
    company.description = changes.description
    _replace_tags(session, company, changes.tags or {})
    return company


def update_company(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, changes: CompanyChanges
) -> Company:
    """PATCH: only the fields given (and not null) change."""
    company = get_company(session, client_id, company_id, for_update=True)
    if changes.name is not None:
        company.name = clean_company_name(changes.name)
    if changes.description is not None:
        company.description = changes.description
    if changes.tags is not None:
        _replace_tags(session, company, changes.tags)
    return company


def delete_company(session: Session, client_id: uuid.UUID, company_id: uuid.UUID) -> None:
    session.delete(get_company(session, client_id, company_id))


def tags_of(company: Company) -> dict[str, str]:
    return {tag.key: tag.value for tag in company.tags}


def _tag_rows(tags: dict[str, str]) -> list[CompanyTag]:
    return [CompanyTag(key=key, value=value) for key, value in check_tags(tags).items()]


def _replace_tags(session: Session, company: Company, tags: dict[str, str]) -> None:
    rows = _tag_rows(tags)
    company.tags.clear()
    session.flush()  # remove the old rows before re-adding a key they held
    company.tags.extend(rows)


def _tags_filter(text: str) -> ColumnElement[bool]:
    """``tags=region=uk&&team~fin``: every field name is a tag key; = != ~ apply."""

    def tag_test(node: Comparison) -> ColumnElement[bool]:
        if node.operator not in ("=", "!=", "~"):
            raise malformed(
                f"Tags support =, != and ~ only; '{node.operator}' was used on '{node.field}'.",
                "tags",
            )
        key_matches = (CompanyTag.company_id == Company.id) & (CompanyTag.key == node.field)
        if node.operator == "~":
            value_test = func.lower(CompanyTag.value).contains(node.value.lower(), autoescape=True)
        else:
            value_test = CompanyTag.value == node.value
        present = exists().where(key_matches & value_test)
        return ~present if node.operator == "!=" else present

    return compile_query(parse_query(text), tag_test)
