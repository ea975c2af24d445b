"""Booking core: providers, hours, overrides, types, clients, appointments, waitlist.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written by hand: autogenerate cannot see the PostgreSQL exclusion constraint
that keeps active appointments of one provider from overlapping.
"""

import sqlalchemy as sa
from alembic import op

from storage.orm import DecimalText, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_advance_days", sa.Integer, nullable=False, server_default="60"),
        sa.Column("min_notice_hours", sa.Integer, nullable=False, server_default="0"),
        sa.Column("auto_confirm", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("telegram_user_id", sa.BigInteger, unique=True),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "weekly_intervals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("day_of_week", sa.Integer, nullable=False),
        sa.Column("start_time", sa.Time, nullable=False),
        sa.Column("end_time", sa.Time, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.CheckConstraint("day_of_week BETWEEN 0 AND 6", name="ck_weekly_day"),
    )
    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("start_time", sa.Time),
        sa.Column("end_time", sa.Time),
    )
    op.create_index(
        "ix_schedule_overrides_provider_date", "schedule_overrides", ["provider_id", "date"]
    )
    op.create_table(
        "appointment_types",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("is_virtual", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("price", DecimalText),
        sa.Column("currency", sa.String(3)),
        sa.Column("max_participants", sa.Integer, nullable=False, server_default="1"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.CheckConstraint("duration_minutes > 0", name="ck_type_duration"),
        sa.CheckConstraint("max_participants >= 1", name="ck_type_capacity"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("telegram_user_id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("language", sa.String(16)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("providers.id"), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("appointment_types.id"), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("seat_group", sa.String(64)),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.Column("cancelled_at", UTCDateTime),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("cancelled_by", sa.String(12)),
        sa.Column("late_cancel", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("ends_at > starts_at", name="ck_appointment_span"),
    )
    op.create_index("ix_appointments_provider_start", "appointments", ["provider_id", "starts_at"])
    op.create_index("ix_appointments_client_start", "appointments", ["client_id", "starts_at"])
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer, primary_key=True),
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
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_waitlist_slot", "waitlist_entries", ["provider_id", "type_id", "date", "created_at"]
    )

    if op.get_bind().dialect.name == "postgresql":
        # Second line of defence behind the per-provider lock: active appointments
        # of a provider may not overlap, except bookings of one group session,
        # which share a seat_group (a lone booking's key is its own id).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            """
            ALTER TABLE appointments ADD CONSTRAINT ex_appointments_no_overlap
            EXCLUDE USING gist (
                provider_id WITH =,
                tstzrange(starts_at, ends_at, '[)') WITH &&,
                (COALESCE(seat_group, id::text)) WITH <>
            ) WHERE (status IN ('PENDING', 'CONFIRMED'))
            """
        )


def downgrade() -> None:
    for table in (
        "waitlist_entries",
        "appointments",
        "clients",
        "appointment_types",
        "schedule_overrides",
        "weekly_intervals",
        "providers",
    ):
        op.drop_table(table)
