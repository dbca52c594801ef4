"""Sync Health dashboard: a sync's configuration snapshot and retry link, each
transaction's currency and total, day totals of finished syncs for the overview, and
the indexes the cross-company sync search needs

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 04:40:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("syncs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("configuration", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("retry_of_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_syncs_retry_of_id_syncs", "syncs", ["retry_of_id"], ["id"], ondelete="SET NULL"
        )
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
    if updates:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row"))
            .values(currency=sa.bindparam("c"), total_e4=sa.bindparam("t")),
            updates,
        )


def downgrade() -> None:
    op.drop_index("ix_dashboard_users_client_id", "dashboard_users")
    op.drop_table("dashboard_users")
    op.drop_table("sync_day_items")
    op.drop_table("sync_day_counts")
    op.drop_index("ix_syncs_unfinished_requested", "syncs")
    with op.batch_alter_table("expense_transactions", schema=None) as batch_op:
        batch_op.drop_column("total_e4")
        batch_op.drop_column("currency")
    op.drop_index("ix_syncs_retry_of_id", "syncs")
    op.drop_index("ix_syncs_status_requested", "syncs")
    op.drop_index("ix_syncs_requested", "syncs")
    with op.batch_alter_table("syncs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_syncs_retry_of_id_syncs", type_="foreignkey")
        batch_op.drop_column("retry_of_id")
        batch_op.drop_column("configuration")
