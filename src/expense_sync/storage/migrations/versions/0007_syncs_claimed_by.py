"""syncs.claimed_by: the process that made a sync's latest claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no batch copy of the table (see downgrade).
    op.add_column("syncs", sa.Column("claimed_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop the old
    # one, and SQLite's foreign keys would cascade that to every row that refers to it.
    op.drop_column("syncs", "claimed_by")
