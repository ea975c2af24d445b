"""Calendar conflicts (issue #13): the bookings a provider was told a busy time of their
own calendar falls on, so that each is told once, across restarts and processes.

A row is the claim: inserted by a statement that does nothing when its key exists
(feed, appointment, the appointment's start then), as the reminders' outbox. The start
is in the key because a moved booking is another booking time. ``decision`` is the
provider's answer (KEEP or CANCEL), NULL until then. The feed's or the appointment's
removal removes the rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_conflicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id",
            sa.Integer,
            sa.ForeignKey("calendar_feeds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # Copied from the feed (as calendar_busy does): the decision checks it.
        sa.Column("provider_id", sa.Integer, nullable=False),
        sa.Column(
            "appointment_id",
            sa.Integer,
            sa.ForeignKey("appointments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("told_at", UTCDateTime, nullable=False),
        sa.Column("decision", sa.String(8)),
        sa.Column("decided_at", UTCDateTime),
    )
    # The claim's key; its feed_id prefix also serves "what was told for this feed".
    op.create_index(
        "ux_calendar_conflicts_key",
        "calendar_conflicts",
        ["feed_id", "appointment_id", "starts_at"],
        unique=True,
    )
    # For the cascade from appointments (PostgreSQL does not index foreign keys itself).
    op.create_index("ix_calendar_conflicts_appointment", "calendar_conflicts", ["appointment_id"])


def downgrade() -> None:
    op.drop_index("ix_calendar_conflicts_appointment", "calendar_conflicts")
    op.drop_index("ux_calendar_conflicts_key", "calendar_conflicts")
    op.drop_table("calendar_conflicts")
