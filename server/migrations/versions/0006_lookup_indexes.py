"""indexes for the lookups a day-end batch makes: payments by kiosk and operation id, department records by bill

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_kiosk_id_operation_id", ["kiosk_id", "operation_id"], unique=False)
    with op.batch_alter_table("sim_biller_payments", schema=None) as batch_op:
        batch_op.create_index("ix_sim_biller_payments_biller_bill_no", ["biller", "bill_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sim_biller_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_sim_biller_payments_biller_bill_no")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_kiosk_id_operation_id")
