"""Waitlist: the zone an entry's date belongs to, one entry per date, offers of freed slots;
and the outbox's claim token, which tells whose claim a row is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32)))
    with op.batch_alter_table("waitlist_entries") as batch:
        batch.add_column(sa.Column("zone", sa.String(64), nullable=False, server_default="UTC"))
    op.create_index(
        "ux_waitlist_client_date",
        "waitlist_entries",
        ["client_id", "provider_id", "type_id", "date"],
        unique=True,
    )
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        # No foreign key: the winner's entry is deleted, its offer stays as history.
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "type_id",
            sa.Integer,
            sa.ForeignKey("appointment_types.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "client_id",
            sa.Integer,
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("notified_at", UTCDateTime),
        sa.Column("chat_id", sa.BigInteger),
        sa.Column("message_id", sa.BigInteger),
        # A client is offered one slot once, however many passes race to offer it.
        sa.UniqueConstraint("client_id", "provider_id", "starts_at", name="ux_offer_client_slot"),
    )
    op.create_index("ix_offers_status", "waitlist_offers", ["status", "provider_id"])


def downgrade() -> None:
    op.drop_index("ix_offers_status", "waitlist_offers")
    op.drop_table("waitlist_offers")
    op.drop_index("ux_waitlist_client_date", "waitlist_entries")
    with op.batch_alter_table("waitlist_entries") as batch:
        batch.drop_column("zone")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claim_token")
