"""api_keys.key_hint: the last characters of a key, so an operator can tell keys apart

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no batch copy of the table (see downgrade).
    op.add_column("api_keys", sa.Column("key_hint", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop the old
    # one, and SQLite's foreign keys would cascade that to every row that refers to it.
    op.drop_column("api_keys", "key_hint")
