"""a paid bill's approval number from its department

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Bills paid before this have none: their receipts print no approval line.
    with op.batch_alter_table("payment_bills") as batch:
        batch.add_column(sa.Column("approval_no", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_bills") as batch:
        batch.drop_column("approval_no")
