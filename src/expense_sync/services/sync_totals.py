"""Day totals of finished syncs, for the overview (``SyncDayCount``, ``SyncDayItems``).

Summing a month of a busy client's syncs and items at each page load reads hundreds of
thousands of rows (about 1.4 s for 80,000 syncs on PostgreSQL); the totals are a few
rows a day. A sync is added once, when it finishes, in the transaction that finishes it
(``sync.engine``), with ``INSERT ... ON CONFLICT DO UPDATE`` adding to the day's row, so
concurrent finishes never lose a count. ``rebuild`` recomputes them from the syncs (the
migration that adds them, and the benchmark that fills syncs with SQL, call it).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Connection, case, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST
from expense_sync.domain.syncs import FAILED_ITEM
from expense_sync.services.sync_search import platform_of_company
from expense_sync.storage.models import (
    Company,
    ExpenseTransaction,
    Sync,
    SyncDayCount,
    SyncDayItems,
    SyncItem,
)


def add_finished_sync(session: Session, sync: Sync) -> None:
    """Count ``sync``, which has just finished, and its items into its day's totals."""
    client_id, platform = session.execute(
        select(Company.client_id, platform_of_company())
        .select_from(Sync)
        .join(Company, Company.id == Sync.company_id)
        .where(Sync.id == sync.id)
    ).one()
    day = sync.requested.astimezone(UTC).date()
    _add(
        session,
        SyncDayCount,
        {"client_id": client_id, "day": day, "status_code": sync.status_code,
         "platform_key": platform or ""},
        {"syncs": 1},
    )  # fmt: skip
    completed = SyncItem.status == "Completed"
    items = session.execute(
        select(
            ExpenseTransaction.currency,
            func.sum(case((completed, 1), else_=0)),
            func.sum(case((SyncItem.status.in_(FAILED_ITEM), 1), else_=0)),
            func.sum(case((completed, func.coalesce(ExpenseTransaction.total_e4, 0)), else_=0)),
        )
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(SyncItem.sync_id == sync.id)
        .group_by(ExpenseTransaction.currency)
    )
    for currency, posted, failed, total in items:
        _add(
            session,
            SyncDayItems,
            {"client_id": client_id, "day": day, "currency": currency or ""},
            {"completed": int(posted or 0), "failed": int(failed or 0),
             "completed_total_e4": int(total or 0)},
        )  # fmt: skip


def _add(session: Session, model: Any, keys: dict[str, Any], amounts: dict[str, int]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**keys, **amounts)
    columns = model.__table__.c
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: columns[name] + statement.excluded[name] for name in amounts},
        )
    )


def rebuild(connection: Connection) -> None:
    """Recompute every day total from the finished syncs and their items."""
    postgres = connection.dialect.name == "postgresql"
    day = "date(timezone('UTC', s.requested))" if postgres else "date(s.requested)"
    platform = (
        "COALESCE((SELECT c.platform_key FROM connections c WHERE c.company_id = s.company_id"
        f" AND c.platform_key <> '{PARTNER_EXPENSE_MANIFEST.key}' ORDER BY c.created LIMIT 1),"
        " '')"
    )
    connection.execute(text("DELETE FROM sync_day_counts"))
    connection.execute(text("DELETE FROM sync_day_items"))
    connection.execute(
        text(
            "INSERT INTO sync_day_counts (client_id, day, status_code, platform_key, syncs) "
            f"SELECT co.client_id, {day}, s.status_code, {platform}, count(*) "
            "FROM syncs s JOIN companies co ON co.id = s.company_id "
            "WHERE s.completed IS NOT NULL GROUP BY 1, 2, 3, 4"
        )
    )
    connection.execute(
        text(
            "INSERT INTO sync_day_items (client_id, day, currency, completed, failed, "
            "completed_total_e4) "
            f"SELECT co.client_id, {day}, COALESCE(t.currency, ''), "
            "SUM(CASE WHEN i.status = 'Completed' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.status IN ('ValidationError', 'PushError') THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.status = 'Completed' THEN COALESCE(t.total_e4, 0) ELSE 0 END) "
            "FROM sync_items i JOIN syncs s ON s.id = i.sync_id "
            "JOIN companies co ON co.id = s.company_id "
            "JOIN expense_transactions t ON t.id = i.transaction_row_id "
            "WHERE s.completed IS NOT NULL GROUP BY 1, 2, 3"
        )
    )
