"""one live payment per department bill: payment_bills.live_key, unique while the bill is pending or paid

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before this revision keep a NULL key: the constraint holds from here on.  A unique index
    # (not a table constraint) so that SQLite adds it without copying the table.
    op.add_column("payment_bills", sa.Column("live_key", sa.String(length=200), nullable=True))
    op.create_index("uq_payment_bills_live_key", "payment_bills", ["live_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_payment_bills_live_key", table_name="payment_bills")
    with op.batch_alter_table("payment_bills", schema=None) as batch_op:
        batch_op.drop_column("live_key")
