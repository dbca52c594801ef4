"""OAuth link states, a version on connection secrets, shared rate-limit budgets

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from expense_sync.storage.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no batch copy of the table (see downgrade).
    op.add_column(
        "connections",
        sa.Column("secrets_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "oauth_link_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_verifier", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("expires", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_oauth_link_states_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_link_states")),
    )
    op.create_index(
        op.f("ix_oauth_link_states_connection_id"), "oauth_link_states", ["connection_id"]
    )
    op.create_table(
        "rate_limit_scopes",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("blocked_until", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_rate_limit_scopes")),
    )
    op.create_table(
        "rate_limit_calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_calls")),
    )
    op.create_index("ix_rate_limit_calls_scope_at", "rate_limit_calls", ["scope", "at"])
    op.create_table(
        "rate_limit_leases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("expires", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_leases")),
    )
    op.create_index(op.f("ix_rate_limit_leases_scope"), "rate_limit_leases", ["scope"])


def downgrade() -> None:
    op.drop_table("rate_limit_leases")
    op.drop_index("ix_rate_limit_calls_scope_at", table_name="rate_limit_calls")
    op.drop_table("rate_limit_calls")
    op.drop_table("rate_limit_scopes")
    op.drop_table("oauth_link_states")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop the old
    # one, and SQLite's foreign keys would cascade that to every row that refers to it.
    op.drop_column("connections", "secrets_version")
