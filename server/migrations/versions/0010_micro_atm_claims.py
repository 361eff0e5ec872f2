"""micro-ATM withdrawal entries are claims the acquirer confirms: the kiosk's terminal id; one claim per live key

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kiosks", sa.Column("micro_atm_terminal_id", sa.String(length=16), nullable=True))
    op.create_index("uq_kiosks_micro_atm_terminal_id", "kiosks", ["micro_atm_terminal_id"], unique=True)
    # A claim is a payment_bills row now (its live_key is the terminal and the RRN).
    op.drop_table("micro_atm_entries")


def downgrade() -> None:
    op.create_table(
        "micro_atm_entries",
        sa.Column("rrn", sa.String(length=12), nullable=False),
        sa.Column("payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_micro_atm_entries_payment_id_payments")),
        sa.PrimaryKeyConstraint("rrn", name=op.f("pk_micro_atm_entries")),
    )
    op.drop_index("uq_kiosks_micro_atm_terminal_id", table_name="kiosks")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("micro_atm_terminal_id")
