"""syncs.waits: claims that ended waiting for the platform (a rate limit), not failing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no batch copy of the table (see downgrade).
    op.add_column(
        "syncs", sa.Column("waits", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop the old
    # one, and SQLite's foreign keys would cascade that to every row that refers to it.
    op.drop_column("syncs", "waits")
