"""What the core needs from storage: repositories and a unit of work.

``storage/`` implements these with SQLAlchemy; ``tests/unit/fakes.py`` with
dictionaries. The core never learns which one it talks to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, Self

from core.model import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    BookingSnapshot,
    BusyPeriod,
    CalendarConflict,
    CalendarFeed,
    CalendarWindow,
    Client,
    Invite,
    NewProvider,
    Provider,
    ProviderCalendar,
    ProviderOffer,
    ScheduleOverride,
    WaitlistEntry,
    WaitlistOffer,
    OfferStatus,
    WeeklyInterval,
)
from core.caldav_model import CalDavAccount, PendingPush, PushCounts, PushStatus

if TYPE_CHECKING:  # the feed reader and builder load icalendar: not on every process start
    from core.calendar_export import FeedBooking, FeedWindow
    from core.calendar_feed import BusyInterval


class ProviderRepository(Protocol):
    async def add(self, new: NewProvider) -> tuple[Provider, list[AppointmentType]]: ...

    async def get(self, provider_id: int) -> Provider | None: ...

    async def calendar(self, provider_id: int) -> ProviderCalendar | None: ...

    async def appointment_type(self, type_id: int) -> AppointmentType | None: ...

    async def calendar_window(
        self, provider_id: int, type_id: int, busy_from: datetime, busy_to: datetime
    ) -> CalendarWindow:
        """:meth:`calendar`, :meth:`appointment_type` and the appointments busy in
        ``busy_from``…``busy_to`` (``AppointmentRepository.busy_between``), read together:
        every screen of the booking calendar needs the three."""
        ...

    async def offers(self) -> list[ProviderOffer]:
        """Active providers with their active appointment types."""
        ...

    async def offer(self, provider_id: int) -> ProviderOffer | None:
        """One active provider with its active appointment types; ``None`` if not active."""
        ...

    async def by_telegram_id(self, telegram_user_id: int) -> Provider | None: ...

    async def update(self, provider: Provider) -> None:
        """Save name, zone, language, address, settings and the linked account."""
        ...

    async def set_weekly(self, provider_id: int, weekly: tuple[WeeklyInterval, ...]) -> None:
        """Replace the provider's whole week."""
        ...

    async def add_override(self, provider_id: int, override: ScheduleOverride) -> ScheduleOverride: ...

    async def remove_override(self, provider_id: int, override_id: int) -> bool: ...

    async def types(self, provider_id: int) -> list[AppointmentType]:
        """All the provider's types, inactive ones included."""
        ...

    async def add_type(self, appt_type: AppointmentType) -> AppointmentType: ...

    async def update_type(self, appt_type: AppointmentType) -> None: ...

    async def add_invite(self, invite: Invite) -> Invite: ...

    async def invite_by_hash(self, token_hash: str) -> Invite | None: ...

    async def save_invite(self, invite: Invite) -> None: ...

    async def blocked_client_ids(self, provider_id: int) -> set[int]: ...

    async def set_client_blocked(self, provider_id: int, client_id: int, blocked: bool) -> None: ...

    async def with_digest(self) -> list[Provider]:
        """Linked providers who asked for a morning digest."""
        ...

    async def claim_digest(self, provider_id: int, day: date) -> bool:
        """Mark the digest of ``day`` sent; False when it already was (another process)."""
        ...

    async def release_digest(self, provider_id: int, day: date) -> None:
        """Undo :meth:`claim_digest` of ``day`` (it was not delivered after all)."""
        ...


class ClientRepository(Protocol):
    async def get(self, client_id: int) -> Client | None: ...

    async def by_telegram_id(self, telegram_user_id: int) -> Client | None: ...

    async def add(self, client: Client) -> Client: ...

    async def update(self, client: Client) -> None: ...

    async def mark_unreachable(self, client_id: int, now: datetime) -> None: ...

    async def anonymise(self, client_id: int) -> None:
        """Blank the name, language, zone and Telegram id; the row stays for history."""
        ...

    async def of_provider(self, provider_id: int) -> list[Client]:
        """Clients with at least one appointment (any status) with the provider."""
        ...


class AppointmentRepository(Protocol):
    async def get(self, appointment_id: int) -> Appointment | None: ...

    async def erase_client_texts(self, client_id: int, *, now: datetime | None = None) -> None:
        """Blank the client's notes and cancellation reasons; with ``now``, stamp the rows
        changed then (``updated_at``), as the feed shows what was erased."""
        ...

    async def busy_between(
        self, provider_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
    ) -> list[BusyPeriod]:
        """What holds a provider's time in ``[start, end)``: active appointments and the
        busy intervals of the provider's calendar feeds (``type_id`` None)."""
        ...

    async def active_for_client_at(
        self, client_id: int, provider_id: int, type_id: int, start: datetime
    ) -> Appointment | None: ...

    async def add(
        self, appointment: Appointment, *, appt_type: AppointmentType | None = None
    ) -> Appointment:
        """Store a new appointment; ``appt_type``, its type, when the caller has it at hand."""
        ...

    async def save(self, appointment: Appointment) -> None:
        """Persist changes to an appointment loaded in this unit of work.

        When its start, end or status changed, storage also raises the appointment's
        revision counter, the SEQUENCE of its event in the provider's calendar feed.
        """
        ...

    async def for_client(
        self, client_id: int, *, since: datetime
    ) -> Sequence[Appointment]: ...

    async def for_provider(
        self, provider_id: int, start: datetime, end: datetime
    ) -> Sequence[Appointment]:
        """Every appointment (any status) of a provider starting in ``[start, end)``."""
        ...

    async def count_active_future(self, client_id: int, provider_id: int, now: datetime) -> int: ...

    async def confirmed_starting_between(
        self,
        start: datetime,
        end: datetime,
        after: tuple[datetime, int] | None = None,
        limit: int | None = None,
    ) -> Sequence[Appointment]:
        """CONFIRMED appointments of every provider starting in ``(start, end]``, by
        (start, id); with ``after``, only those past that (start, id); at most ``limit``."""
        ...


class OutboxRepository(Protocol):
    """Messages claimed by a unique key (see storage/outbox.py for the states)."""

    async def claim(
        self, key: str, appointment_id: int | None, chat_id: int, now: datetime, token: str
    ) -> int | None: ...

    async def due_retries(
        self, now: datetime, limit: int
    ) -> list[tuple[int, str, int | None, int]]: ...

    async def claimed_keys(self, appointment_ids: list[int]) -> set[str]: ...

    async def start(self, outbox_id: int, token: str, now: datetime) -> bool:
        """QUEUED → SENDING (an attempt begins), only if still QUEUED under ``token``."""
        ...

    async def reclaim(self, outbox_id: int, now: datetime, token: str) -> bool: ...

    async def finish(
        self,
        outbox_id: int,
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None: ...

    async def abandon_stale(self, claimed_before: datetime, now: datetime) -> tuple[int, int]: ...

    async def attempts(self, outbox_id: int) -> int: ...

    async def forget_chat(self, chat_id: int) -> None: ...


class WaitlistRepository(Protocol):
    """Waiting clients and the offers of freed slots made to them."""

    async def add_entry(self, entry: WaitlistEntry) -> WaitlistEntry: ...

    async def entry(self, entry_id: int) -> WaitlistEntry | None: ...

    async def find_entry(
        self, client_id: int, provider_id: int, type_id: int, day: date
    ) -> WaitlistEntry | None: ...

    async def remove_entry(self, entry_id: int) -> None: ...

    async def entries_of_client(self, client_id: int, from_day: date) -> list[WaitlistEntry]:
        """Entries dated ``from_day`` or later, soonest first."""
        ...

    async def waiting(self, provider_id: int, first: date, last: date) -> list[WaitlistEntry]:
        """Entries for a provider dated ``first``..``last``, first come first."""
        ...

    async def remove_client_entries(self, client_id: int, provider_id: int) -> list[int]:
        """Drop a client's entries with a provider; the removed ids."""
        ...

    async def remove_lapsed(self, before: date) -> int: ...

    async def add_offer(self, offer: WaitlistOffer) -> WaitlistOffer | None:
        """``None`` when this client was offered this slot already."""
        ...

    async def offer(self, offer_id: int) -> WaitlistOffer | None: ...

    async def offered_client_ids(self, provider_id: int, start: datetime) -> set[int]: ...

    async def open_offers(self, provider_id: int | None = None) -> list[WaitlistOffer]: ...

    async def offers_starting(
        self, provider_id: int, start: datetime, end: datetime
    ) -> list[WaitlistOffer]:
        """Every offer (any status) of the provider for a slot starting in [start, end)."""
        ...

    async def providers_with_open_offers(self) -> list[int]: ...

    async def move_offer(self, offer_id: int, to: OfferStatus) -> bool:
        """OPEN → ``to``, only if still OPEN: of two racers, exactly one wins."""
        ...

    async def claim_unsent(self, now: datetime, limit: int) -> list[WaitlistOffer]:
        """Mark OPEN offers nobody has sent yet as being sent by this caller."""
        ...

    async def release_unsent(self, offer_id: int) -> None:
        """Undo :meth:`claim_unsent` for one offer whose send failed for a passing reason."""
        ...

    async def set_message(self, offer_id: int, chat_id: int, message_id: int) -> None: ...


class CalendarFeedRepository(Protocol):
    """A provider's calendar feeds, their sync state and the busy intervals read from them."""

    async def add(self, feed: CalendarFeed) -> CalendarFeed: ...

    async def get(self, feed_id: int) -> CalendarFeed | None: ...

    async def listed(self, provider_id: int | None = None) -> list[CalendarFeed]:
        """The feeds of one provider (of all with ``None``), by id."""
        ...

    async def remove(self, feed_id: int) -> None:
        """The feed and its busy intervals."""
        ...

    async def due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        """Feeds not tried since ``attempted_before`` and not leased at ``now``, the
        longest waiting first."""
        ...

    async def claim(self, feed_id: int, token: str, now: datetime, until: datetime) -> bool:
        """Lease the feed to ``token`` until ``until`` unless a lease runs at ``now``:
        of several processes, exactly one wins."""
        ...

    async def finish(self, feed: CalendarFeed, token: str) -> bool:
        """Store the sync state of ``feed`` and end the lease, only if ``token`` still
        holds it (False: another process took over, or the feed was removed)."""
        ...

    async def replace_busy(
        self, feed_id: int, provider_id: int, busy: Sequence[BusyInterval]
    ) -> None:
        """The feed's busy set becomes ``busy`` (each at most MAX_APPOINTMENT_LENGTH)."""
        ...

    async def busy(self, feed_id: int) -> list[BusyInterval]:
        """The feed's stored busy intervals, by start."""
        ...

    async def mark_error_told(self, feed_id: int, now: datetime) -> bool:
        """Stamp the failing feed's error told at ``now``; False when it was told already
        (by another process) or no longer fails: of several callers, exactly one tells."""
        ...

    async def release_error_told(self, feed_id: int, told_at: datetime) -> None:
        """Undo :meth:`mark_error_told` of ``told_at`` (the notice surely never left)."""
        ...


class CalendarConflictRepository(Protocol):
    """Bookings a provider was told a calendar busy time falls on: each told once."""

    async def told(self, feed_id: int, since: datetime) -> set[tuple[int, datetime]]:
        """(appointment id, start) of the feed's conflicts told for starts from ``since``."""
        ...

    async def claim(self, conflict: CalendarConflict) -> CalendarConflict | None:
        """Record ``conflict`` as told, unless its (feed, appointment, start) was (``None``):
        an insert that does nothing when the key exists, so of several callers one wins."""
        ...

    async def get(self, conflict_id: int) -> CalendarConflict | None: ...

    async def release(self, conflict_id: int) -> None:
        """Forget a claim whose notice surely never left, so the next sync tells it."""
        ...

    async def decide(self, conflict_id: int, decision: str, now: datetime) -> bool:
        """Record the provider's decision, only if none was recorded (False otherwise)."""
        ...


class SubscriptionRepository(Protocol):
    """A provider's calendar subscription: the hash of its secret link, and its feed's rows."""

    async def set_link_hash(self, provider_id: int, token_hash: str) -> bool:
        """Replace the provider's link hash (the old link stops working); False: no provider."""
        ...

    async def provider_by_link(self, token_hash: str) -> Provider | None:
        """The provider whose current link has this hash."""
        ...

    async def has_link(self, provider_id: int) -> bool:
        """Whether the provider has made a feed link (a new one would replace it)."""
        ...

    async def feed_bookings(self, provider_id: int, window: FeedWindow) -> list[FeedBooking]:
        """The provider's appointments the feed of ``window`` shows (it may hold more, never
        fewer), with the client's name, the type's name and whether it is a video call;
        ``place`` is left to the caller. Ordered by start, then id."""
        ...


class CalDavRepository(Protocol):
    """Providers' CalDAV accounts, their lease and their outbox (:mod:`core.caldav_push`)."""

    async def add_account(self, account: CalDavAccount) -> CalDavAccount: ...
    async def account(self, account_id: int) -> CalDavAccount | None: ...
    async def account_of(self, provider_id: int) -> CalDavAccount | None: ...
    async def accounts(self, provider_id: int | None = None) -> list[CalDavAccount]: ...

    async def update_account(self, account: CalDavAccount) -> None:
        """All but id, provider, created_at and the lease."""

    async def remove_account(self, account_id: int) -> None:
        """With its outbox; its feed row goes through ``feeds.remove``."""

    async def unleased(self, now: datetime, limit: int) -> list[int]: ...

    async def claim(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        """Lease the account to ``token`` unless a lease runs at ``now``: one winner."""

    async def renew(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        """Extend the lease only while ``token`` holds it and it has not run out."""

    async def release(self, account: CalDavAccount, token: str) -> bool:
        """Store ``last_push_at`` and the error fields, end the lease; only ``token``'s."""

    async def enqueue_changes(
        self, account_id: int, provider_id: int, since: datetime, now: datetime
    ) -> int:
        """Queue every revision (appointment, sequence) ending after ``since`` with no row
        (a cancelled one only if written before); queue again DONE or FAILED rows whose
        appointment changed past their ``stamp``; drop finished rows of appointments
        ended before ``since``. How many were queued."""

    async def due_pushes(
        self, account_id: int, now: datetime, limit: int, *, waiting_too: bool = False
    ) -> list[PendingPush]:
        """QUEUED rows due at ``now`` (all of them with ``waiting_too``), SENDING ones
        whose claim ran out; oldest first."""

    async def start_push(self, push_id: int, now: datetime, until: datetime) -> None: ...

    async def finish_push(
        self, push_id: int, status: PushStatus, now: datetime, *, stamp: datetime | None = None,
        error: str | None = None, next_attempt_at: datetime | None = None,
    ) -> None:
        """``stamp``: the appointment's last change the calendar now holds."""

    async def forget_pushes(self, account_id: int) -> None: ...
    async def retry_failed(self, account_id: int, now: datetime) -> int: ...
    async def push_counts(self, account_id: int) -> PushCounts: ...

    async def booking(self, appointment_id: int) -> FeedBooking | None:
        """The appointment as the provider's calendar shows it (``place`` left unset)."""

    async def busy_due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        """Accounts whose busy times were last read before ``attempted_before`` (or
        never) and whose feed row is not leased at ``now``; the longest waiting first."""


class SeriesRepository(Protocol):
    """Recurring sessions (issue #14): the series rows; their occurrences are appointments."""

    async def add(self, series: AppointmentSeries) -> AppointmentSeries: ...

    async def get(self, series_id: int) -> AppointmentSeries | None: ...

    async def find(
        self, *, client_id: int, provider_id: int, type_id: int, first_start: datetime,
        every_weeks: int, count: int | None, until: date | None,
    ) -> AppointmentSeries | None:
        """The newest series asked exactly so that still holds an active occurrence."""
        ...

    async def occurrences(self, series_id: int) -> list[Appointment]:
        """Every appointment of the series (any status), by start."""
        ...


class UnitOfWork(Protocol):
    """One business transaction. Leaving the block without ``commit()`` rolls back.

    ``begin_write(provider_id)`` must open every transaction that writes: it
    serialises writers (PostgreSQL: a lock on the provider's row, which always
    exists, unlike the day's appointments; SQLite: ``BEGIN IMMEDIATE``).
    """

    providers: ProviderRepository
    clients: ClientRepository
    appointments: AppointmentRepository
    outbox: OutboxRepository
    waitlist: WaitlistRepository
    feeds: CalendarFeedRepository
    subscriptions: SubscriptionRepository
    conflicts: CalendarConflictRepository
    caldav: CalDavRepository
    series: SeriesRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def begin_write(self, provider_id: int | None = None) -> None: ...

    async def begin_booking(
        self, *, provider_id: int, type_id: int, client_id: int, start: datetime, now: datetime
    ) -> BookingSnapshot:
        """``begin_write(provider_id)`` unless this transaction holds it already, then
        everything booking ``start`` must check, read under that lock in as few
        statements as the database allows (see :class:`BookingSnapshot`)."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
