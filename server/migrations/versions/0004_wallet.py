"""wallet: refill orders, legacy transfers, bank credits, payouts, simulated old portal

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sim_legacy_codes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("old_emitra_id", sa.String(length=64), nullable=False),
        sa.Column("used_reference", sa.String(length=40), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sim_legacy_codes")),
    )
    with op.batch_alter_table("sim_legacy_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sim_legacy_codes_old_emitra_id"), ["old_emitra_id"], unique=False)

    op.create_table(
        "sim_legacy_limits",
        sa.Column("old_emitra_id", sa.String(length=64), nullable=False),
        sa.Column("limit_paise", sa.BigInteger(), nullable=False),
        sa.Column("admin_name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("old_emitra_id", name=op.f("pk_sim_legacy_limits")),
    )
    op.create_table(
        "bank_credits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("utr", sa.String(length=32), nullable=False),
        sa.Column("account_no", sa.String(length=34), nullable=False),
        sa.Column("ifsc", sa.String(length=11), nullable=True),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("remitter_name", sa.String(length=140), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("assigned_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_bank_credits_assigned_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_bank_credits_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_bank_credits_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_credits")),
        sa.UniqueConstraint("utr", name=op.f("uq_bank_credits_utr")),
    )
    with op.batch_alter_table("bank_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_credits_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index("ix_bank_credits_status", ["status"], unique=False)

    op.create_table(
        "credit_payouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("interest_paise", sa.BigInteger(), nullable=False),
        sa.Column("principal_paise", sa.BigInteger(), nullable=False),
        sa.Column("to_wallet_paise", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_credit_payouts_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_credit_payouts_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_payouts")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_credit_payouts_entry_id")),
    )
    with op.batch_alter_table("credit_payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_payouts_kiosk_id"), ["kiosk_id"], unique=False)

    op.create_table(
        "legacy_transfers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("cug_code", sa.String(length=32), nullable=False),
        sa.Column("old_emitra_id", sa.String(length=64), nullable=False),
        sa.Column("legacy_ref", sa.String(length=40), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_legacy_transfers_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_legacy_transfers_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["operation_pk"], ["operations.id"], name=op.f("fk_legacy_transfers_operation_pk_operations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_transfers")),
        sa.UniqueConstraint("cug_code", name=op.f("uq_legacy_transfers_cug_code")),
        sa.UniqueConstraint("operation_pk", name=op.f("uq_legacy_transfers_operation_pk")),
    )
    with op.batch_alter_table("legacy_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legacy_transfers_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index("ix_legacy_transfers_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "refill_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("confirmed_paise", sa.BigInteger(), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_refill_orders_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_refill_orders_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["operation_pk"], ["operations.id"], name=op.f("fk_refill_orders_operation_pk_operations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refill_orders")),
        sa.UniqueConstraint("operation_pk", name=op.f("uq_refill_orders_operation_pk")),
        sa.UniqueConstraint("order_id", name=op.f("uq_refill_orders_order_id")),
    )
    with op.batch_alter_table("refill_orders", schema=None) as batch_op:
        batch_op.create_index("ix_refill_orders_kiosk_id_created_at", ["kiosk_id", "created_at"], unique=False)
        batch_op.create_index("ix_refill_orders_status_expires_at", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refill_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_refill_orders_status_expires_at")
        batch_op.drop_index("ix_refill_orders_kiosk_id_created_at")

    op.drop_table("refill_orders")
    with op.batch_alter_table("legacy_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_legacy_transfers_status_due_at")
        batch_op.drop_index(batch_op.f("ix_legacy_transfers_kiosk_id"))

    op.drop_table("legacy_transfers")
    with op.batch_alter_table("credit_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_payouts_kiosk_id"))

    op.drop_table("credit_payouts")
    with op.batch_alter_table("bank_credits", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_credits_status")
        batch_op.drop_index(batch_op.f("ix_bank_credits_kiosk_id"))

    op.drop_table("bank_credits")
    op.drop_table("sim_legacy_limits")
    with op.batch_alter_table("sim_legacy_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sim_legacy_codes_old_emitra_id"))

    op.drop_table("sim_legacy_codes")
