"""kiosk health: the latest report of each kiosk and a short history

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _facts() -> list[Any]:
    return [
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("os", sa.String(length=80), nullable=False),
        sa.Column("printer_profile", sa.String(length=80), nullable=False),
        sa.Column("printer_status", sa.String(length=16), nullable=False),
        sa.Column("queue_length", sa.Integer(), nullable=False),
        sa.Column("oldest_queued_seconds", sa.BigInteger(), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=False),
        sa.Column("free_disk_bytes", sa.BigInteger(), nullable=False),
        sa.Column("print_failures", sa.Integer(), nullable=False),
        sa.Column("refused_operations", sa.Integer(), nullable=False),
        sa.Column("sync_failures", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kiosk_health",
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        *_facts(),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_health_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_kiosk_health")),
    )
    op.create_table(
        "kiosk_health_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kiosk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        *_facts(),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_health_reports_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_health_reports")),
    )
    op.create_index("ix_kiosk_health_reports_kiosk_id_received_at", "kiosk_health_reports", ["kiosk_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_kiosk_health_reports_kiosk_id_received_at", table_name="kiosk_health_reports")
    op.drop_table("kiosk_health_reports")
    op.drop_table("kiosk_health")
