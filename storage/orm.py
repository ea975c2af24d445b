"""Tables. The schema itself is owned by the Alembic migrations in ``storage/migrations``.

Times are ``UTCDateTime``: aware UTC in Python, ``timestamptz`` on PostgreSQL and
an ISO text that sorts correctly on SQLite (which has no time zone type).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores text: keep it offset-free so that ranges compare as strings.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        # SQLite's text in one C call: SQLAlchemy's DATETIME formats it field by
        # field (~6 µs a value, ten values a booking). The same text, which
        # tests/unit/test_utc_text.py pins against SQLAlchemy's own.
        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_text

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimal amounts (prices) without SQLite's float conversion."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    pass


class ProviderRow(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    type: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_advance_days: Mapped[int] = mapped_column(Integer, default=60)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=0)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    address: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    late_cancel_policy: Mapped[str] = mapped_column(String(12), default="ALLOW")
    late_cancel_message: Mapped[str | None] = mapped_column(Text)
    reschedule_lock_hours: Mapped[int] = mapped_column(Integer, default=0)
    max_active_bookings: Mapped[int] = mapped_column(Integer, default=0)
    digest_time: Mapped[time | None] = mapped_column(Time)
    digest_sent_on: Mapped[date | None] = mapped_column(Date)
    remind_provider: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # SHA-256 hex of the secret in the provider's feed URL (core/feed_tokens.py); never
    # mapped into core.model.Provider, so the hash travels no further than storage.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ux_providers_calendar_token_hash", "calendar_token_hash", unique=True),
    )


class InviteRow(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class ClientBlockRow(Base):
    __tablename__ = "client_blocks"

    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )


class WeeklyIntervalRow(Base):
    __tablename__ = "weekly_intervals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    day_of_week: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ScheduleOverrideRow(Base):
    __tablename__ = "schedule_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)

    __table_args__ = (Index("ix_schedule_overrides_provider_date", "provider_id", "date"),)


class AppointmentTypeRow(Base):
    __tablename__ = "appointment_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[Decimal | None] = mapped_column(DecimalText)
    currency: Mapped[str | None] = mapped_column(String(3))
    max_participants: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_series: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    max_series_occurrences: Mapped[int] = mapped_column(
        Integer, default=12, server_default=text("12")
    )


class ClientRow(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppointmentRow(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))
    # Rows sharing a seat group may overlap (one group session); see the
    # exclusion constraint in the first migration.
    seat_group: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(12))
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    start_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The event's SEQUENCE in the provider's feed: raised by the repository's save
    # when start, end or status change (subscribed calendars ignore changes without it).
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_series.id"))

    __table_args__ = (
        Index("ix_appointments_provider_start", "provider_id", "starts_at"),
        Index("ix_appointments_series", "series_id"),
        Index("ix_appointments_client_start", "client_id", "starts_at"),
    )


class AppointmentSeriesRow(Base):
    """A weekly series (issue #14): what was asked, and what was skipped (JSON)."""

    __tablename__ = "appointment_series"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    every_weeks: Mapped[int] = mapped_column(Integer)
    occurrence_count: Mapped[int | None] = mapped_column(Integer)
    until_date: Mapped[date | None] = mapped_column(Date)
    booked_by: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    skipped: Mapped[str] = mapped_column(Text, default="[]")

    __table_args__ = (
        Index("ix_appointment_series_request", "client_id", "provider_id", "first_start"),
    )


class WaitlistEntryRow(Base):
    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_waitlist_slot", "provider_id", "type_id", "date", "created_at"),
        Index("ux_waitlist_client_date", "client_id", "provider_id", "type_id", "date", unique=True),
    )


class WaitlistOfferRow(Base):
    __tablename__ = "waitlist_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("client_id", "provider_id", "starts_at", name="ux_offer_client_slot"),
        Index("ix_offers_status", "status", "provider_id"),
    )


class OutboxRow(Base):
    """One message to send, claimed once by its de-duplication key."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # see core.reminders.OutboxStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set anew at each claim: only the holder of the current token may send.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class ConversationStateRow(Base):
    """A ConversationHandler's state for one key, shared by every bot process."""

    __tablename__ = "tg_conversations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserDataRow(Base):
    """python-telegram-bot's ``user_data`` of one user, as tagged JSON."""

    __tablename__ = "tg_user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UpdateSeenRow(Base):
    """An update id taken in by some process: a repeated delivery is dropped."""

    __tablename__ = "tg_updates_seen"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_tg_updates_seen_at", "seen_at"),)


class ChatLeaseRow(Base):
    """The process handling a chat's update right now; a lapsed lease belongs to nobody."""

    __tablename__ = "tg_chat_leases"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarFeedRow(Base):
    """A provider's own iCalendar feed; ``url`` is a secret (see migration 0007)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expanded_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    busy_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_calendar_feeds_provider", "provider_id"),
        Index("ix_calendar_feeds_attempt", "last_attempt_at"),
    )


class CalendarBusyRow(Base):
    """A busy interval (a piece of one, at most a day long) read from a feed: no titles."""

    __tablename__ = "calendar_busy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(Integer)  # the feed's, for the range read
    uid: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_calendar_busy_span"),
        Index("ix_calendar_busy_provider_start", "provider_id", "starts_at"),
        Index("ix_calendar_busy_feed", "feed_id"),
    )


class CalendarConflictRow(Base):
    """A booking a calendar busy time fell on, told to the provider once (migration 0009)."""

    __tablename__ = "calendar_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(Integer)  # the feed's
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    told_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(8))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ux_calendar_conflicts_key", "feed_id", "appointment_id", "starts_at", unique=True),
        Index("ix_calendar_conflicts_appointment", "appointment_id"),
    )


class CalDavAccountRow(Base):
    """A provider's CalDAV calendar (migration 0010); the password only encrypted."""

    __tablename__ = "caldav_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(Text)
    password_encrypted: Mapped[str] = mapped_column(Text)
    calendar_url: Mapped[str] = mapped_column(Text)
    calendar_name: Mapped[str | None] = mapped_column(Text)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_feeds.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))


class CalDavOutboxRow(Base):
    """"Write appointment N as of revision S to account A": one row each (migration 0010)."""

    __tablename__ = "caldav_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("caldav_accounts.id", ondelete="CASCADE")
    )
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # core.caldav_model.PushStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The appointment's last change (updated_at, else created_at) the row stands for:
    # a later change with the same sequence (a forgotten client's name) queues it again.
    stamp: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint(
            "account_id", "appointment_id", "sequence", name="ux_caldav_outbox_revision"
        ),
        Index("ix_caldav_outbox_due", "account_id", "status", "next_attempt_at"),
    )
