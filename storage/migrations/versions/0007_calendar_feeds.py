"""Calendar feeds (issue #13, part 1): a provider's own iCalendar feeds and the busy
intervals read from them, which block slots like appointments do.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # A secret (whoever has it reads the calendar): never logged, shown as its host.
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        # The validators the server sent, for the next conditional GET.
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_sync_at", UTCDateTime),
        # The end of the window the stored busy set was expanded to: a 304 is
        # trusted only while it still covers the booking horizon.
        sa.Column("expanded_until", UTCDateTime),
        sa.Column("event_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("busy_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("error_since", UTCDateTime),
        sa.Column("error_told_at", UTCDateTime),
        # One fetch of a feed at a time across processes: a lease taken by a
        # conditional UPDATE, given back when the result is stored.
        sa.Column("lease_until", UTCDateTime),
        sa.Column("lease_token", sa.String(32)),
    )
    op.create_index("ix_calendar_feeds_provider", "calendar_feeds", ["provider_id"])
    op.create_index("ix_calendar_feeds_attempt", "calendar_feeds", ["last_attempt_at"])
    op.create_table(
        "calendar_busy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id",
            sa.Integer,
            sa.ForeignKey("calendar_feeds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # Copied from the feed so that availability reads one index range; no
        # foreign key of its own: the feed's cascade removes the rows.
        sa.Column("provider_id", sa.Integer, nullable=False),
        sa.Column("uid", sa.Text, nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_calendar_busy_span"),
    )
    op.create_index(
        "ix_calendar_busy_provider_start", "calendar_busy", ["provider_id", "starts_at"]
    )
    op.create_index("ix_calendar_busy_feed", "calendar_busy", ["feed_id"])


def downgrade() -> None:
    op.drop_index("ix_calendar_busy_feed", "calendar_busy")
    op.drop_index("ix_calendar_busy_provider_start", "calendar_busy")
    op.drop_table("calendar_busy")
    op.drop_index("ix_calendar_feeds_attempt", "calendar_feeds")
    op.drop_index("ix_calendar_feeds_provider", "calendar_feeds")
    op.drop_table("calendar_feeds")
