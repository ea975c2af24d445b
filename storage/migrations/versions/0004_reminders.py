"""Reminders: an outbox of claimed messages, when each start was chosen, unreachable clients.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("start_set_at", UTCDateTime))
    # Existing bookings: their start was chosen when they were made.
    op.execute("UPDATE appointments SET start_set_at = created_at")
    with op.batch_alter_table("providers") as batch:
        batch.add_column(
            sa.Column("remind_provider", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("unreachable_at", UTCDateTime))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedup_key", sa.String(120), nullable=False, unique=True),
        sa.Column(
            "appointment_id",
            sa.Integer,
            sa.ForeignKey("appointments.id", ondelete="CASCADE"),
        ),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_appointments_status_start", "appointments", ["status", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_appointments_status_start", "appointments")
    op.drop_table("outbox")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("unreachable_at")
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("remind_provider")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("start_set_at")
