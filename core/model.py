"""The booking domain: plain dataclasses, standard library only.

Times: every ``datetime`` here is timezone-aware UTC. Wall-clock values that are
local to a provider (weekly hours, override windows) are ``datetime.time`` and
``datetime.date`` and are only turned into instants by :mod:`core.availability`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit


#: No appointment is longer, and no stored busy time either (a calendar's longer
#: busy interval is kept in pieces this long): lets storage bound its range
#: queries from below.
MAX_APPOINTMENT_MINUTES = 24 * 60
MAX_APPOINTMENT_LENGTH = timedelta(minutes=MAX_APPOINTMENT_MINUTES)
#: A type's cap on the occurrences of one series when its provider sets none (issue #14).
DEFAULT_MAX_SERIES_OCCURRENCES = 12
#: The highest cap a provider may set: a year of weekly sessions.
MAX_SERIES_OCCURRENCES = 52


class ProviderType(str, enum.Enum):
    DOCTOR = "DOCTOR"
    THERAPIST = "THERAPIST"
    CONSULTANT = "CONSULTANT"
    TUTOR = "TUTOR"


class OverrideKind(str, enum.Enum):
    UNAVAILABLE = "UNAVAILABLE"
    SPECIAL_HOURS = "SPECIAL_HOURS"


class AppointmentStatus(str, enum.Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"

    @property
    def is_active(self) -> bool:
        """Active appointments hold their slot (rule 4)."""
        return self in ACTIVE_STATUSES


class CancelledBy(str, enum.Enum):
    CLIENT = "CLIENT"
    PROVIDER = "PROVIDER"
    SYSTEM = "SYSTEM"


ACTIVE_STATUSES = frozenset({AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED})


class LateCancelPolicy(str, enum.Enum):
    ALLOW = "ALLOW"  # allowed, flagged late (the default)
    REFUSE = "REFUSE"  # refused inside the minimum notice, with the provider's text


@dataclass(frozen=True)
class ProviderSettings:
    buffer_minutes_between_appointments: int = 0
    max_advance_days: int = 60
    min_notice_hours: int = 0
    auto_confirm: bool = True
    late_cancel_policy: LateCancelPolicy = LateCancelPolicy.ALLOW
    late_cancel_message: str | None = None
    reschedule_lock_hours: int = 0  # no client reschedules this close to the start
    max_active_bookings_per_client: int = 0  # 0: no cap
    digest_time: time | None = None  # local time of the morning agenda; None: off
    remind_provider: bool = False  # the provider gets the 24 h and 1 h reminders too

    @property
    def reschedule_lock(self) -> timedelta:
        return timedelta(hours=self.reschedule_lock_hours)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes_between_appointments)

    @property
    def min_notice(self) -> timedelta:
        return timedelta(hours=self.min_notice_hours)


@dataclass(frozen=True)
class WeeklyInterval:
    """Local wall-clock working hours; ``end <= start`` runs past midnight."""

    day_of_week: int  # 0 = Monday … 6 = Sunday, as datetime.weekday()
    start: time
    end: time
    is_active: bool = True

    @property
    def is_overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class ScheduleOverride:
    """A change to one local date: special hours, or the date (or a window of it) off."""

    date: date
    kind: OverrideKind
    start: time | None = None
    end: time | None = None
    id: int | None = None

    @property
    def is_whole_day(self) -> bool:
        return self.start is None


@dataclass(frozen=True)
class AppointmentType:
    id: int | None
    provider_id: int | None
    name: str
    duration_minutes: int
    is_virtual: bool = False
    price: Decimal | None = None
    currency: str | None = None
    max_participants: int = 1
    is_active: bool = True
    #: Clients may book it as a weekly series (issue #14); providers always may.
    allow_series: bool = False
    max_series_occurrences: int = DEFAULT_MAX_SERIES_OCCURRENCES

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_group(self) -> bool:
        return self.max_participants > 1


@dataclass(frozen=True)
class Provider:
    id: int | None
    name: str
    type: ProviderType
    timezone: str
    email: str | None = None
    settings: ProviderSettings = field(default_factory=ProviderSettings)
    telegram_user_id: int | None = None
    is_active: bool = True
    address: str | None = None  # where in-person appointments happen
    language: str | None = None  # of the provider's own messages


@dataclass(frozen=True)
class ProviderCalendar:
    """Everything availability needs to know about a provider, loaded at once."""

    provider: Provider
    weekly: tuple[WeeklyInterval, ...]
    overrides: tuple[ScheduleOverride, ...]


@dataclass(frozen=True)
class CalendarWindow:
    """What listing one provider's slots in a UTC window needs, read at once.

    ``busy`` holds every active appointment overlapping the window (as
    ``AppointmentRepository.busy_between`` gives it).
    """

    calendar: ProviderCalendar | None  # None: no such provider
    appt_type: AppointmentType | None  # None: no type with that id (any provider's)
    busy: tuple[BusyPeriod, ...]


@dataclass(frozen=True)
class BookingSnapshot:
    """What deciding one booking needs, read at once under the provider's write lock.

    Cut to that one start, so that it stays one small read: ``calendar`` holds the
    weekly hours but only the overrides of the dates around the start (two days
    either side of its UTC date), ``busy`` at least every active appointment and
    calendar feed busy time able to collide with it (buffers included), and
    ``waiting`` the client's entries
    for this provider and type on those dates. Never use it to list slots.
    """

    calendar: ProviderCalendar | None  # None: no such provider
    appt_type: AppointmentType | None  # None: no type with that id (any provider's)
    client_known: bool
    client_blocked: bool  # by this provider
    held: Appointment | None  # the client's active booking of this type at this start
    active_future: int  # the client's active bookings with the provider starting after now
    busy: tuple[BusyPeriod, ...]
    waiting: tuple[WaitlistEntry, ...]


@dataclass(frozen=True)
class NewProvider:
    """A provider with its calendar and services, as registered in one go (import, invite)."""

    provider: Provider
    weekly: tuple[WeeklyInterval, ...] = ()
    overrides: tuple[ScheduleOverride, ...] = ()
    appointment_types: tuple[AppointmentType, ...] = ()


@dataclass(frozen=True)
class Client:
    id: int | None
    telegram_user_id: int
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    unreachable_at: datetime | None = None  # Telegram said the client blocked the bot


@dataclass(frozen=True)
class BusyPeriod:
    """Time a provider is taken, as availability sees it: an active appointment, or
    (``type_id`` None) a busy interval of the provider's own calendar feed, which
    is never a group session's seat to share."""

    start: datetime
    end: datetime
    type_id: int | None


@dataclass
class Appointment:
    id: int | None
    provider_id: int
    client_id: int
    type_id: int
    start: datetime
    end: datetime
    status: AppointmentStatus
    created_at: datetime
    notes: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    late_cancel: bool = False
    cancelled_by: CancelledBy | None = None
    updated_at: datetime | None = None
    #: When the current start was chosen (booked or moved): decides which reminders apply.
    start_set_at: datetime | None = None
    series_id: int | None = None  # an occurrence of this AppointmentSeries

    @property
    def is_active(self) -> bool:
        return self.status.is_active

    def as_busy(self) -> BusyPeriod:
        return BusyPeriod(self.start, self.end, self.type_id)

    def cancel(
        self, now: datetime, by: CancelledBy, reason: str | None = None, *, late: bool = False
    ) -> None:
        """Release the slot: the one way an appointment becomes CANCELLED."""
        self.status = AppointmentStatus.CANCELLED
        self.cancelled_at = now
        self.cancelled_by = by
        self.cancel_reason = reason
        self.late_cancel = late
        self.updated_at = now


class SeriesBookedBy(str, enum.Enum):
    CLIENT = "CLIENT"  # from the chat's Repeat preview
    PROVIDER = "PROVIDER"  # from the client's card in /clients
    SYSTEM = "SYSTEM"  # the command line


@dataclass(frozen=True)
class SkippedOccurrence:
    """An occurrence of a series that was not booked: ``start`` in UTC (a DST gap's is
    the wall time's reading before the change), ``reason`` an ``OccurrenceState``
    value, or ``SKIPPED`` when the client left it out."""

    local_date: date  # the provider's
    start: datetime
    reason: str


@dataclass(frozen=True)
class AppointmentSeries:
    """One booking of several weekly occurrences (issue #14); each occurrence is an
    ordinary :class:`Appointment` with ``series_id`` set, so reminders, the waitlist,
    cancelling and moving work on each as on any booking.

    ``first_start``, ``every_weeks``, ``count`` and ``until`` are what was asked
    (a repeat of the same request finds this series again); ``skipped`` the
    occurrences that were not booked, and why.
    """

    id: int | None
    provider_id: int
    client_id: int
    type_id: int
    first_start: datetime
    every_weeks: int
    count: int | None
    until: date | None
    booked_by: SeriesBookedBy
    created_at: datetime
    skipped: tuple[SkippedOccurrence, ...] = ()


@dataclass(frozen=True)
class ProviderOffer:
    """A provider with the appointment types clients can book."""

    provider: Provider
    types: tuple[AppointmentType, ...]


@dataclass(frozen=True)
class AppointmentDetails:
    """An appointment with what a client needs to read it."""

    appointment: Appointment
    provider: Provider
    appt_type: AppointmentType


@dataclass(frozen=True)
class Invite:
    """A single-use, expiring link that ties a Telegram account to a provider."""

    id: int | None
    provider_id: int
    token_hash: str  # only a hash is stored: a leaked database gives no usable link
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


@dataclass(frozen=True)
class AgendaItem:
    """An appointment as its provider sees it."""

    appointment: Appointment
    client: Client
    appt_type: AppointmentType


@dataclass(frozen=True)
class WaitlistEntry:
    """A client waiting for a time on ``date``, a date of ``zone`` (the one they browsed in)."""

    id: int | None
    provider_id: int
    type_id: int
    client_id: int
    date: date
    zone: str
    created_at: datetime


class OfferStatus(str, enum.Enum):
    OPEN = "OPEN"  # the Claim button works until expires_at
    CLAIMED = "CLAIMED"  # this client booked it
    TAKEN = "TAKEN"  # someone else got the slot first
    EXPIRED = "EXPIRED"  # nobody claimed in time
    WITHDRAWN = "WITHDRAWN"  # the client left the waitlist or cannot book here any more


@dataclass
class WaitlistOffer:
    """A freed slot offered to one waiting client, with a Claim button that expires."""

    id: int | None
    entry_id: int
    provider_id: int
    type_id: int
    client_id: int
    start: datetime
    created_at: datetime
    expires_at: datetime
    status: OfferStatus = OfferStatus.OPEN
    notified_at: datetime | None = None  # claimed for sending (once)
    chat_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class CalendarFeed:
    """A provider's own calendar (an iCalendar URL) whose busy times block slots.

    ``url`` is a secret — whoever has it reads the whole calendar — so it is
    never logged and never shown whole (``host`` is). A failed sync keeps the
    busy set of the last good one and records ``last_error`` from
    ``error_since``; ``error_told_at`` says the provider has heard of it.
    """

    id: int | None
    provider_id: int
    url: str
    created_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    last_attempt_at: datetime | None = None  # any sync, failed ones included
    last_sync_at: datetime | None = None  # the last one that reached the feed (200 or 304)
    expanded_until: datetime | None = None  # the stored busy set covers up to here
    event_count: int = 0  # event instances read at the last change
    busy_count: int = 0  # busy intervals stored from them
    last_error: str | None = None
    error_since: datetime | None = None
    error_told_at: datetime | None = None

    @property
    def error_untold(self) -> bool:
        """Failing, and the provider has not heard of it yet (tell, then mark_error_told)."""
        return self.last_error is not None and self.error_told_at is None

    @property
    def host(self) -> str:
        try:
            return urlsplit(self.url.strip()).hostname or "?"
        except ValueError:  # never for a URL that passed the check when it was added
            return "?"


@dataclass(frozen=True)
class CalendarConflict:
    """A provider told that a busy time of feed ``feed_id`` falls on a booking, which then
    started at ``start`` (a moved booking is another key); ``decision`` is what they chose
    ("KEEP" or "CANCEL"), None while undecided."""

    id: int | None
    feed_id: int
    provider_id: int
    appointment_id: int
    start: datetime
    told_at: datetime
    decision: str | None = None
    decided_at: datetime | None = None
