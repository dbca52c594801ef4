"""Sync Health dashboard: a sync's configuration snapshot and retry link, each
transaction's currency and total, day totals of finished syncs for the overview, and
the indexes the cross-company sync search needs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:40:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy of the table: on SQLite, a copy drops the old
    # table, and with foreign keys on that deletes every sync item and receipt (cascade).
    op.add_column("syncs", sa.Column("configuration", sa.JSON(), nullable=True))
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("syncs")}
    if bind.dialect.name == "sqlite" and "retry_of_id" in columns:
        pass  # kept by a downgrade on SQLite (see there)
    elif bind.dialect.name == "sqlite":  # SQLite adds a reference with the column
        op.execute(
            "ALTER TABLE syncs ADD COLUMN retry_of_id CHAR(32) "
            "CONSTRAINT fk_syncs_retry_of_id_syncs REFERENCES syncs (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("syncs", sa.Column("retry_of_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            "fk_syncs_retry_of_id_syncs", "syncs", "syncs", ["retry_of_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
    op.create_index("ix_syncs_requested", "syncs", ["requested"])
    op.create_index("ix_syncs_status_requested", "syncs", ["status_code", "requested"])
    op.create_index("ix_syncs_retry_of_id", "syncs", ["retry_of_id"])
    op.create_index(
        "ix_syncs_unfinished_requested",
        "syncs",
        ["requested"],
        postgresql_where=sa.text("completed IS NULL"),
        sqlite_where=sa.text("completed IS NULL"),
    )
    op.create_table(
        "sync_day_counts",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("platform_key", sa.String(length=4), nullable=False),
        sa.Column("syncs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_sync_day_counts_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "day", "status_code", "platform_key", name="pk_sync_day_counts"
        ),
    )  # fmt: skip
    op.create_table(
        "sync_day_items",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("completed_total_e4", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_sync_day_items_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "day", "currency", name="pk_sync_day_items"),
    )  # fmt: skip
    with op.batch_alter_table("expense_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("total_e4", sa.BigInteger(), nullable=True))
    op.create_table(
        "dashboard_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_dashboard_users_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dashboard_users"),
        sa.UniqueConstraint("email", name="uq_dashboard_users_email"),
    )  # fmt: skip
    op.create_index("ix_dashboard_users_client_id", "dashboard_users", ["client_id"])
    _fill_totals()
    from expense_sync.services.sync_totals import rebuild

    rebuild(op.get_bind())


def _fill_totals() -> None:
    """Existing transactions get their currency and total from their stored body."""
    from expense_sync.domain.expenses import read_transaction
    from expense_sync.storage.types import total_e4

    table = sa.table(
        "expense_transactions",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("transaction_id", sa.String()),
        sa.column("body", sa.JSON()),
        sa.column("currency", sa.String()),
        sa.column("total_e4", sa.BigInteger()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.kind, table.c.transaction_id, table.c.body))
    updates: list[dict[str, Any]] = []
    for row_id, kind, transaction_id, body in rows.all():
        transaction, _ = read_transaction(kind, body, transaction_id=transaction_id)
        if transaction is not None:
            updates.append(
                {"row": row_id, "c": transaction.currency, "t": total_e4(transaction.total)}
            )
        elif isinstance(body, dict) and isinstance(body.get("currency"), str):
            # A body today's rules refuse keeps its currency; its total stays unknown.
            updates.append({"row": row_id, "c": body["currency"][:3], "t": None})
    if updates:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row"))
            .values(currency=sa.bindparam("c"), total_e4=sa.bindparam("t")),
            updates,
        )


def downgrade() -> None:
    """Plain DROP COLUMN (SQLite 3.35+), never a batch copy (see upgrade). SQLite cannot
    drop a column that holds a reference, so there ``syncs.retry_of_id`` stays (unused
    by older code; the upgrade finds it and keeps it)."""
    op.drop_index("ix_dashboard_users_client_id", "dashboard_users")
    op.drop_table("dashboard_users")
    op.drop_table("sync_day_items")
    op.drop_table("sync_day_counts")
    op.drop_index("ix_syncs_unfinished_requested", "syncs")
    op.drop_column("expense_transactions", "total_e4")
    op.drop_column("expense_transactions", "currency")
    op.drop_index("ix_syncs_retry_of_id", "syncs")
    op.drop_index("ix_syncs_status_requested", "syncs")
    op.drop_index("ix_syncs_requested", "syncs")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_syncs_retry_of_id_syncs", "syncs", type_="foreignkey")
        op.drop_column("syncs", "retry_of_id")
    op.drop_column("syncs", "configuration")
