"""cached records keyed by (connection, data type, record id)

The surrogate id, the unique constraint and two company indexes become one primary key,
so filling the cache maintains one index instead of four. Cached rows are copied across.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import expense_sync.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = "connection_id, data_type, record_id, data, modified"


def upgrade() -> None:
    op.rename_table("cached_records", "cached_records_old")
    if op.get_bind().dialect.name == "postgresql":  # index names are schema-wide there
        op.execute("ALTER INDEX pk_cached_records RENAME TO pk_cached_records_old")
    op.create_table(
        "cached_records",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(length=50), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "modified", expense_sync.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_cached_records_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "data_type", "record_id", name=op.f("pk_cached_records")
        ),
    )
    op.execute(f"INSERT INTO cached_records ({COLUMNS}) SELECT {COLUMNS} FROM cached_records_old")
    op.drop_table("cached_records_old")


def downgrade() -> None:
    raise NotImplementedError("The cache can be rebuilt with a refresh; no downgrade is kept.")
