"""Recurring sessions (issue #14): a series row, each occurrence an appointment with
``series_id``, and the per-type settings.

``appointment_series`` keeps what was asked (first start, every N weeks, a count or
an end date), who asked and what was skipped (JSON): a repeat of the same request
finds the series again instead of booking a second one. Occurrences stay ordinary
appointments, so reminders, the waitlist, feeds and CalDAV need no change.

``appointment_types.allow_series`` (off by default: clients see "Repeat" only where
the provider allows it) and ``max_series_occurrences`` (12 by default).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_series",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("providers.id"), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("appointment_types.id"), nullable=False),
        sa.Column("first_start", UTCDateTime, nullable=False),
        sa.Column("every_weeks", sa.Integer, nullable=False),
        sa.Column("occurrence_count", sa.Integer),
        sa.Column("until_date", sa.Date),
        sa.Column("booked_by", sa.String(12), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("skipped", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_appointment_series_request", "appointment_series",
        ["client_id", "provider_id", "first_start"],
    )
    # A plain ADD COLUMN on both databases, so the appointments table is never
    # copied: SQLite accepts a REFERENCES clause on a nullable new column, but
    # Alembic would add the constraint apart, which SQLite cannot.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE appointments ADD COLUMN series_id INTEGER "
            "REFERENCES appointment_series (id)"
        )
    else:
        op.add_column(
            "appointments",
            sa.Column("series_id", sa.Integer, sa.ForeignKey("appointment_series.id")),
        )
    op.create_index("ix_appointments_series", "appointments", ["series_id"])
    with op.batch_alter_table("appointment_types") as batch:
        batch.add_column(
            sa.Column("allow_series", sa.Boolean, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "max_series_occurrences", sa.Integer, nullable=False, server_default="12"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_types") as batch:
        batch.drop_column("max_series_occurrences")
        batch.drop_column("allow_series")
    op.drop_index("ix_appointments_series", "appointments")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("series_id")
    op.drop_table("appointment_series")
