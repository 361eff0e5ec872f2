"""payments, bills, cheques, simulated departments

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("contact_mobile", sa.String(length=10), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("receipt_no", sa.String(length=32), nullable=True),
        sa.Column("txn_id", sa.String(length=40), nullable=False),
        sa.Column("debit_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("from_wallet_paise", sa.BigInteger(), nullable=False),
        sa.Column("from_credit_paise", sa.BigInteger(), nullable=False),
        sa.Column("reversed_paise", sa.BigInteger(), nullable=False),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("cheque_no", sa.String(length=12), nullable=True),
        sa.Column("cheque_bank", sa.String(length=100), nullable=True),
        sa.Column("cheque_date", sa.Date(), nullable=True),
        sa.Column("cheque_status", sa.String(length=16), nullable=True),
        sa.Column("offline", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debit_entry_id"], ["journal_entries.id"], name=op.f("fk_payments_debit_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_payments_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["operation_pk"], ["operations.id"], name=op.f("fk_payments_operation_pk_operations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("operation_pk", name=op.f("uq_payments_operation_pk")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_payments_receipt_no")),
        sa.UniqueConstraint("txn_id", name=op.f("uq_payments_txn_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_kiosk_id_created_at", ["kiosk_id", "created_at"], unique=False)

    op.create_table(
        "micro_atm_entries",
        sa.Column("rrn", sa.String(length=12), nullable=False),
        sa.Column("payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_micro_atm_entries_payment_id_payments")),
        sa.PrimaryKeyConstraint("rrn", name=op.f("pk_micro_atm_entries")),
    )
    op.create_table(
        "payment_bills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("biller", sa.String(length=40), nullable=False),
        sa.Column("consumer_no", sa.String(length=64), nullable=False),
        sa.Column("consumer_name", sa.String(length=200), nullable=False),
        sa.Column("bill_no", sa.String(length=64), nullable=True),
        sa.Column("bill_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount_due_paise", sa.BigInteger(), nullable=True),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("biller_ref", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reversal_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_payment_bills_payment_id_payments")),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payment_bills_reversal_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_bills")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_bills_reference")),
    )
    with op.batch_alter_table("payment_bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_bills_payment_id"), ["payment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_bills_payment_id"))

    op.drop_table("payment_bills")
    op.drop_table("micro_atm_entries")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_kiosk_id_created_at")

    op.drop_table("payments")
    op.drop_table("sim_biller_payments")
    op.drop_table("biller_faults")
