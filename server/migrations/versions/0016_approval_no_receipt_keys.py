"""a paid bill's approval number from its department; each kiosk's receipt key

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
    # The public key that checks a kiosk's PROVISIONAL receipts (server.payments.receipt_keys).
    op.create_table(
        "kiosk_receipt_keys",
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_receipt_keys_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_kiosk_receipt_keys")),
    )


def downgrade() -> None:
    op.drop_table("kiosk_receipt_keys")
    with op.batch_alter_table("payment_bills") as batch:
        batch.drop_column("approval_no")
