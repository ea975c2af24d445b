"""CalDAV two-way sync (issue #13, part 2b): a provider's CalDAV account and its outbox.

``caldav_accounts``: one a provider (unique), the app password encrypted with
SLOTBOT_SECRET_KEY (Fernet), the chosen calendar, the writing side's error and a
lease (one process writes an account's events at a time, so they land in order).
Its busy times are those of an ordinary ``calendar_feeds`` row with the address
``caldav:<account id>`` (``feed_id``), so they block slots through ``calendar_busy``
as every feed's do, and no reading statement changes.

``caldav_outbox``: one row for each revision (appointment, sequence) to write to an
account; unique, so a revision is queued once however many processes scan.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caldav_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        # Fernet token of the app password: never the password itself.
        sa.Column("password_encrypted", sa.Text, nullable=False),
        sa.Column("calendar_url", sa.Text, nullable=False),
        sa.Column("calendar_name", sa.Text),
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("calendar_feeds.id", ondelete="SET NULL")
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_push_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("error_since", UTCDateTime),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("lease_token", sa.String(32)),
    )
    op.create_table(
        "caldav_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("caldav_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "appointment_id",
            sa.Integer,
            sa.ForeignKey("appointments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("stamp", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("done_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint(
            "account_id", "appointment_id", "sequence", name="ux_caldav_outbox_revision"
        ),
    )
    op.create_index(
        "ix_caldav_outbox_due", "caldav_outbox", ["account_id", "status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_caldav_outbox_due", "caldav_outbox")
    op.drop_table("caldav_outbox")
    op.drop_table("caldav_accounts")
