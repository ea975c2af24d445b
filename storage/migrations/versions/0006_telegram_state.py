"""Telegram state shared by every bot process: conversations, user data, updates seen,
and which process is handling a chat right now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tg_conversations",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("conversation_key", sa.String(64), primary_key=True),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "tg_user_data",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "tg_updates_seen",
        sa.Column("update_id", sa.BigInteger, primary_key=True),
        sa.Column("seen_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_tg_updates_seen_at", "tg_updates_seen", ["seen_at"])
    op.create_table(
        "tg_chat_leases",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tg_chat_leases")
    op.drop_index("ix_tg_updates_seen_at", "tg_updates_seen")
    op.drop_table("tg_updates_seen")
    op.drop_table("tg_user_data")
    op.drop_table("tg_conversations")
