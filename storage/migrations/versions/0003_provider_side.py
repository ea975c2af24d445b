"""The provider side: invites, client blocks, policies, language and morning digest.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("language", sa.String(16)))
        batch.add_column(
            sa.Column("late_cancel_policy", sa.String(12), nullable=False, server_default="ALLOW")
        )
        batch.add_column(sa.Column("late_cancel_message", sa.Text))
        batch.add_column(
            sa.Column("reschedule_lock_hours", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("max_active_bookings", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("digest_time", sa.Time))
        batch.add_column(sa.Column("digest_sent_on", sa.Date))
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
        sa.Column("used_by", sa.BigInteger),
    )
    op.create_table(
        "client_blocks",
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "client_id",
            sa.Integer,
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("client_blocks")
    op.drop_table("invites")
    with op.batch_alter_table("providers") as batch:
        for column in (
            "digest_sent_on",
            "digest_time",
            "max_active_bookings",
            "reschedule_lock_hours",
            "late_cancel_message",
            "late_cancel_policy",
            "language",
        ):
            batch.drop_column(column)
