"""The provider's subscription feed (issue #13, part 2): a revision counter on every
appointment, and the hash of the provider's secret feed link.

``appointments.sequence`` is the event's SEQUENCE in the feed: storage raises it
whenever the start, end or status changes (``SqlAppointmentRepository.save``).
Existing rows start at 0, which is what they would have shown so far.
``cancelled_at`` exists since 0001 and serves the feed as it is.

``providers.calendar_token_hash`` is the SHA-256 hex of the feed URL's secret
(``core/feed_tokens.py``); NULL until the provider makes a link. Unique: the feed
route finds the provider by it, and two providers never share one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding columns only: SQLite's batch mode does it with ALTER TABLE, without
    # copying the table; PostgreSQL (11+) adds a column with a constant default
    # without rewriting the table either.
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(
            sa.Column("sequence", sa.Integer, nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("calendar_token_hash", sa.String(64)))
    op.create_index(
        "ux_providers_calendar_token_hash", "providers", ["calendar_token_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_providers_calendar_token_hash", "providers")
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("calendar_token_hash")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("sequence")
