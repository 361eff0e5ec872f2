"""department settlement files and what each line came to; payment_bills.last_sent_at

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payment_bills", sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "department_settlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("biller", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_settlements")),
        sa.UniqueConstraint("biller", "business_date", name="uq_department_settlements_biller_date"),
    )
    op.create_table(
        "settlement_findings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("settlement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("department_ref", sa.String(length=64), nullable=True),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("finding", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["department_settlements.id"],
            name=op.f("fk_settlement_findings_settlement_id_department_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_findings")),
    )
    op.create_index(op.f("ix_settlement_findings_settlement_id"), "settlement_findings", ["settlement_id"])
    op.create_index(op.f("ix_settlement_findings_reference"), "settlement_findings", ["reference"])


def downgrade() -> None:
    op.drop_index(op.f("ix_settlement_findings_reference"), table_name="settlement_findings")
    op.drop_index(op.f("ix_settlement_findings_settlement_id"), table_name="settlement_findings")
    op.drop_table("settlement_findings")
    op.drop_table("department_settlements")
    with op.batch_alter_table("payment_bills", schema=None) as batch_op:
        batch_op.drop_column("last_sent_at")
