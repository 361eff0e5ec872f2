"""auth throttles: per source and per typed SSO ID, in the database; no more account lock columns

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_throttles",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttles")),
    )
    with op.batch_alter_table("auth_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_throttles_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_throttles_updated_at"), ["updated_at"], unique=False)
    # SQLite rebuilds the table, reflecting the kiosks table it refers to, whose lower(email) index it cannot read.
    with warnings.catch_warnings(), op.batch_alter_table("kiosk_credentials", schema=None) as batch_op:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        batch_op.drop_column("failed_count")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("window_start")
        batch_op.drop_column("window_failures")


def downgrade() -> None:
    with op.batch_alter_table("kiosk_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("window_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("auth_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_throttles_updated_at"))
        batch_op.drop_index(batch_op.f("ix_auth_throttles_subject"))
    op.drop_table("auth_throttles")
