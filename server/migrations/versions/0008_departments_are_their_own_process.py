"""the simulated departments leave the server's database: they are their own program (emitra-departments)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What the in-process simulator recorded was the simulated departments' own books, not ours: they keep
    # them in their own database now (docs/DEPARTMENTS.md).
    op.drop_table("sim_biller_payments")
    op.drop_table("biller_faults")


def downgrade() -> None:
    op.create_table(
        "biller_faults",
        sa.Column("biller", sa.String(length=40), nullable=False),
        sa.Column("fault", sa.String(length=16), nullable=False),
        sa.Column("applies_to", sa.String(length=8), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("delay_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("biller", name=op.f("pk_biller_faults")),
    )
    op.create_table(
        "sim_biller_payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("biller", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("consumer_no", sa.String(length=64), nullable=False),
        sa.Column("bill_no", sa.String(length=64), nullable=True),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("biller_ref", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_biller_payments")),
        sa.UniqueConstraint("biller", "reference", name="uq_sim_biller_payments_biller_reference"),
    )
    op.create_index("ix_sim_biller_payments_biller_bill_no", "sim_biller_payments", ["biller", "bill_no"])
