"""In-memory implementations of the ports in :mod:`core.ports`, for unit tests.

A :class:`FakeStore` holds the committed state. Each :class:`FakeUnitOfWork`
works on a deep copy of it and publishes that copy only on ``commit()``: leaving
``async with`` without committing throws the copy away, which is the
rollback-unless-commit of :class:`storage.unit_of_work.SqlUnitOfWork`.

The repositories mirror ``storage/repositories.py``: they hand out copies (as the
SQL ones map rows to fresh dataclasses), so changing a loaded ``Appointment``
changes nothing until ``save()``; ``busy_between`` returns PENDING and CONFIRMED
appointments overlapping ``[start, end)`` and the calendar feeds' busy times
(``tests/unit/fake_calendar.py``); ids come from per-table counters that a
rollback does not rewind (like PostgreSQL sequences); a second client with the
same Telegram id breaks a unique constraint.

Deliberately *not* mirrored: PostgreSQL's exclusion constraint on overlapping
appointments (SQLite has none either). Unit tests must prove that the core's own
check refuses a taken slot, not that the database would catch it afterwards.

Stricter than the SQL adapter, to pin the port's contract: every write must come
after ``begin_write`` in the same unit of work, and an appointment may only be
written under its own provider's ``begin_write(provider_id)``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Self

from core.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentSeries,
    AppointmentType,
    BookingSnapshot,
    BusyPeriod,
    CalendarConflict,
    CalendarWindow,
    Client,
    NewProvider,
    Provider,
    ProviderCalendar,
    OfferStatus,
    ScheduleOverride,
    WaitlistEntry,
    WaitlistOffer,
    WeeklyInterval,
)
from tests.unit.fake_caldav import CalDavState, FakeCalDavRepository
from tests.unit.fake_calendar import FakeCalendarFeedRepository, FeedState
from tests.unit.fake_conflicts import FakeCalendarConflictRepository
from tests.unit.fake_snapshot import booking_snapshot
from tests.unit.fake_subscriptions import FakeSubscriptionRepository


class FakeIntegrityError(Exception):
    """What the database would refuse: a broken unique or foreign key constraint."""


@dataclass
class _State:
    providers: dict[int, Provider] = field(default_factory=dict)
    weekly: dict[int, list[WeeklyInterval]] = field(default_factory=dict)
    overrides: dict[int, list[ScheduleOverride]] = field(default_factory=dict)
    types: dict[int, AppointmentType] = field(default_factory=dict)
    clients: dict[int, Client] = field(default_factory=dict)
    appointments: dict[int, Appointment] = field(default_factory=dict)
    blocked: set[tuple[int, int]] = field(default_factory=set)  # (provider, client)
    waitlist: dict[int, WaitlistEntry] = field(default_factory=dict)
    offers: dict[int, WaitlistOffer] = field(default_factory=dict)
    calendar: FeedState = field(default_factory=FeedState)
    conflicts: dict[int, CalendarConflict] = field(default_factory=dict)
    caldav: CalDavState = field(default_factory=CalDavState)
    series: dict[int, AppointmentSeries] = field(default_factory=dict)
    # Kept beside the dataclasses, as SQL keeps them in columns core never maps.
    sequences: dict[int, int] = field(default_factory=dict)  # appointment id -> SEQUENCE
    feed_links: dict[int, str] = field(default_factory=dict)  # provider id -> token hash


class FakeStore:
    """The committed data every unit of work of one test shares."""

    def __init__(self) -> None:
        self.state = _State()
        self._sequences: dict[str, itertools.count[int]] = {}

    def next_id(self, table: str) -> int:
        return next(self._sequences.setdefault(table, itertools.count(1)))

    def committed_appointments(self) -> list[Appointment]:
        """Copies of the committed appointments, by id: for assertions."""
        return [copy.copy(a) for _, a in sorted(self.state.appointments.items())]


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise AssertionError(f"naive datetime passed to a repository: {instant!r}")


class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _data(self) -> _State:
        return self._uow.working_state()


class FakeProviderRepository(_Repository):
    async def add(self, new: NewProvider) -> tuple[Provider, list[AppointmentType]]:
        self._uow.require_write_lock()
        store, data = self._uow.store, self._data
        provider = replace(new.provider, id=store.next_id("providers"))
        data.providers[provider.id] = provider
        data.weekly[provider.id] = list(new.weekly)
        data.overrides[provider.id] = list(new.overrides)
        types = []
        for appt_type in new.appointment_types:
            stored = replace(appt_type, id=store.next_id("types"), provider_id=provider.id)
            data.types[stored.id] = stored
            types.append(stored)
        return provider, types

    async def get(self, provider_id: int) -> Provider | None:
        return self._data.providers.get(provider_id)

    async def calendar(self, provider_id: int) -> ProviderCalendar | None:
        provider = self._data.providers.get(provider_id)
        if provider is None:
            return None
        return ProviderCalendar(
            provider=provider,
            # The SQL query orders by (day_of_week, start_time) and (date, id).
            weekly=tuple(
                sorted(self._data.weekly[provider_id], key=lambda w: (w.day_of_week, w.start))
            ),
            overrides=tuple(sorted(self._data.overrides[provider_id], key=lambda o: o.date)),
        )

    async def blocked_client_ids(self, provider_id: int) -> set[int]:
        return {c for p, c in self._data.blocked if p == provider_id}

    async def set_client_blocked(self, provider_id: int, client_id: int, blocked: bool) -> None:
        self._uow.require_write_lock(provider_id)
        if blocked:
            self._data.blocked.add((provider_id, client_id))
        else:
            self._data.blocked.discard((provider_id, client_id))

    async def appointment_type(self, type_id: int) -> AppointmentType | None:
        return self._data.types.get(type_id)

    async def calendar_window(
        self, provider_id: int, type_id: int, busy_from: datetime, busy_to: datetime
    ) -> CalendarWindow:
        busy = await self._uow.appointments.busy_between(provider_id, busy_from, busy_to)
        return CalendarWindow(
            await self.calendar(provider_id), await self.appointment_type(type_id), tuple(busy)
        )

    async def offer(self, provider_id: int) -> ProviderOffer | None:
        provider = self._data.providers.get(provider_id)
        if provider is None or not provider.is_active:
            return None
        types = sorted(
            (t for t in self._data.types.values() if t.provider_id == provider_id and t.is_active),
            key=lambda t: t.id,  # type: ignore[arg-type,return-value]
        )
        return ProviderOffer(provider, tuple(types))


class FakeClientRepository(_Repository):
    async def get(self, client_id: int) -> Client | None:
        return self._data.clients.get(client_id)

    async def by_telegram_id(self, telegram_user_id: int) -> Client | None:
        for client in self._data.clients.values():
            if client.telegram_user_id == telegram_user_id:
                return client
        return None

    async def add(self, client: Client) -> Client:
        self._uow.require_write_lock()
        if await self.by_telegram_id(client.telegram_user_id) is not None:
            raise FakeIntegrityError(f"clients.telegram_user_id {client.telegram_user_id} exists")
        stored = replace(client, id=self._uow.store.next_id("clients"))
        self._data.clients[stored.id] = stored
        return stored

    async def of_provider(self, provider_id: int) -> list[Client]:
        ids = {a.client_id for a in self._data.appointments.values() if a.provider_id == provider_id}
        return [c for i, c in sorted(self._data.clients.items()) if i in ids]


class FakeAppointmentRepository(_Repository):
    async def get(self, appointment_id: int) -> Appointment | None:
        found = self._data.appointments.get(appointment_id)
        return None if found is None else copy.copy(found)

    async def busy_between(
        self, provider_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
    ) -> list[BusyPeriod]:
        _require_aware(start, end)
        return [
            a.as_busy()
            for a in self._data.appointments.values()
            if a.provider_id == provider_id
            and a.status in ACTIVE_STATUSES
            and a.start < end
            and a.end > start
            and (exclude_id is None or a.id != exclude_id)
        ] + self._data.calendar.busy_of_provider(provider_id, start, end)

    async def active_for_client_at(
        self, client_id: int, provider_id: int, type_id: int, start: datetime
    ) -> Appointment | None:
        _require_aware(start)
        for a in self._data.appointments.values():
            if (
                a.client_id == client_id
                and a.provider_id == provider_id
                and a.type_id == type_id
                and a.start == start
                and a.status in ACTIVE_STATUSES
            ):
                return copy.copy(a)
        return None

    async def add(
        self, appointment: Appointment, *, appt_type: AppointmentType | None = None
    ) -> Appointment:
        self._check(appointment)
        appointment.id = self._uow.store.next_id("appointments")
        self._data.appointments[appointment.id] = copy.copy(appointment)
        return appointment

    async def save(self, appointment: Appointment) -> None:
        if appointment.id not in self._data.appointments:
            raise LookupError(f"appointment {appointment.id} vanished")
        self._check(appointment)
        stored = self._data.appointments[appointment.id]
        # As SqlAppointmentRepository.save: a new time or status is a new revision.
        if (stored.start, stored.end, stored.status) != (
            appointment.start, appointment.end, appointment.status
        ):
            sequences = self._data.sequences
            sequences[appointment.id] = sequences.get(appointment.id, 0) + 1
        self._data.appointments[appointment.id] = copy.copy(appointment)

    async def count_active_future(self, client_id: int, provider_id: int, now: datetime) -> int:
        _require_aware(now)
        return sum(
            1
            for a in self._data.appointments.values()
            if a.client_id == client_id
            and a.provider_id == provider_id
            and a.start > now
            and a.is_active
        )

    async def for_client(self, client_id: int, *, since: datetime) -> Sequence[Appointment]:
        _require_aware(since)
        found = [
            copy.copy(a)
            for a in self._data.appointments.values()
            if a.client_id == client_id and a.end > since
        ]
        return sorted(found, key=lambda a: a.start)

    async def for_provider(self, provider_id: int, start: datetime, end: datetime) -> Sequence[Appointment]:
        _require_aware(start, end)
        found = [
            copy.copy(a)
            for a in self._data.appointments.values()
            if a.provider_id == provider_id and start <= a.start < end
        ]
        return sorted(found, key=lambda a: a.start)

    def _check(self, appointment: Appointment) -> None:
        self._uow.require_write_lock(appointment.provider_id)
        _require_aware(appointment.start, appointment.end, appointment.created_at)
        data = self._data
        if appointment.provider_id not in data.providers:
            raise FakeIntegrityError(f"no provider {appointment.provider_id}")
        if appointment.client_id not in data.clients:
            raise FakeIntegrityError(f"no client {appointment.client_id}")
        if appointment.type_id not in data.types:
            raise FakeIntegrityError(f"no appointment type {appointment.type_id}")
        if not appointment.end > appointment.start:
            raise FakeIntegrityError("ck_appointment_span: ends_at must follow starts_at")


class FakeSeriesRepository(_Repository):
    async def add(self, series: AppointmentSeries) -> AppointmentSeries:
        self._uow.require_write_lock(series.provider_id)
        _require_aware(series.first_start, series.created_at)
        if series.client_id not in self._data.clients:
            raise FakeIntegrityError(f"no client {series.client_id}")
        stored = replace(series, id=self._uow.store.next_id("appointment_series"))
        self._data.series[stored.id] = stored  # type: ignore[index]
        return stored

    async def get(self, series_id: int) -> AppointmentSeries | None:
        return self._data.series.get(series_id)

    async def find(
        self, *, client_id: int, provider_id: int, type_id: int, first_start: datetime,
        every_weeks: int, count: int | None, until: date | None,
    ) -> AppointmentSeries | None:
        _require_aware(first_start)
        live = {a.series_id for a in self._data.appointments.values() if a.is_active}
        found = [
            s for s in self._data.series.values()
            if (s.client_id, s.provider_id, s.type_id, s.first_start, s.every_weeks, s.count, s.until)
            == (client_id, provider_id, type_id, first_start, every_weeks, count, until)
            and s.id in live
        ]
        return max(found, key=lambda s: s.id or 0, default=None)

    async def occurrences(self, series_id: int) -> list[Appointment]:
        found = [copy.copy(a) for a in self._data.appointments.values() if a.series_id == series_id]
        return sorted(found, key=lambda a: (a.start, a.id))


class FakeWaitlistRepository(_Repository):
    """Entries unique per client, provider, type and date; offers per client and slot."""

    async def add_entry(self, entry: WaitlistEntry) -> WaitlistEntry:
        self._uow.require_write_lock()
        if await self.find_entry(entry.client_id, entry.provider_id, entry.type_id, entry.date):
            raise FakeIntegrityError("ux_waitlist_client_date")
        added = replace(entry, id=self._uow.store.next_id("waitlist"))
        self._data.waitlist[added.id] = added  # type: ignore[index]
        return added

    async def entry(self, entry_id: int) -> WaitlistEntry | None:
        return self._data.waitlist.get(entry_id)

    async def find_entry(self, client_id: int, provider_id: int, type_id: int, day: date) -> WaitlistEntry | None:
        return next(
            (e for e in self._data.waitlist.values()
             if (e.client_id, e.provider_id, e.type_id, e.date) == (client_id, provider_id, type_id, day)),
            None,
        )

    async def remove_entry(self, entry_id: int) -> None:
        self._uow.require_write_lock()
        self._data.waitlist.pop(entry_id, None)

    async def entries_of_client(self, client_id: int, from_day: date) -> list[WaitlistEntry]:
        found = [e for e in self._data.waitlist.values() if e.client_id == client_id and e.date >= from_day]
        return sorted(found, key=lambda e: (e.date, e.id))

    async def waiting(self, provider_id: int, first: date, last: date) -> list[WaitlistEntry]:
        found = [e for e in self._data.waitlist.values() if e.provider_id == provider_id and first <= e.date <= last]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    async def remove_client_entries(self, client_id: int, provider_id: int) -> list[int]:
        self._uow.require_write_lock()
        ids = [i for i, e in self._data.waitlist.items() if (e.client_id, e.provider_id) == (client_id, provider_id)]
        for i in ids:
            del self._data.waitlist[i]
        return ids

    async def remove_lapsed(self, before: date) -> int:
        self._uow.require_write_lock()
        ids = [i for i, e in self._data.waitlist.items() if e.date < before]
        for i in ids:
            del self._data.waitlist[i]
        return len(ids)

    async def add_offer(self, offer: WaitlistOffer) -> WaitlistOffer | None:
        self._uow.require_write_lock(offer.provider_id)
        _require_aware(offer.start, offer.expires_at)
        if offer.client_id in await self.offered_client_ids(offer.provider_id, offer.start):
            return None
        added = replace(offer, id=self._uow.store.next_id("offers"))
        self._data.offers[added.id] = added  # type: ignore[index]
        return replace(added)

    async def offer(self, offer_id: int) -> WaitlistOffer | None:
        found = self._data.offers.get(offer_id)
        return None if found is None else replace(found)

    async def offered_client_ids(self, provider_id: int, start: datetime) -> set[int]:
        return {o.client_id for o in self._data.offers.values() if o.provider_id == provider_id and o.start == start}

    async def open_offers(self, provider_id: int | None = None) -> list[WaitlistOffer]:
        return [
            replace(o) for _, o in sorted(self._data.offers.items())
            if o.status is OfferStatus.OPEN and provider_id in (None, o.provider_id)
        ]

    async def offers_starting(self, provider_id: int, start: datetime, end: datetime) -> list[WaitlistOffer]:
        return [
            replace(o) for _, o in sorted(self._data.offers.items())
            if o.provider_id == provider_id and start <= o.start < end
        ]

    async def providers_with_open_offers(self) -> list[int]:
        return sorted({o.provider_id for o in self._data.offers.values() if o.status is OfferStatus.OPEN})

    async def move_offer(self, offer_id: int, to: OfferStatus) -> bool:
        offer = self._data.offers.get(offer_id)
        if offer is None or offer.status is not OfferStatus.OPEN:
            return False
        self._uow.require_write_lock(offer.provider_id)
        offer.status = to
        return True

    async def claim_unsent(self, now: datetime, limit: int) -> list[WaitlistOffer]:
        self._uow.require_write_lock()
        claimed = []
        for _, offer in sorted(self._data.offers.items()):
            if offer.status is OfferStatus.OPEN and offer.notified_at is None and len(claimed) < limit:
                offer.notified_at = now
                claimed.append(replace(offer))
        return claimed

    async def release_unsent(self, offer_id: int) -> None:
        self._uow.require_write_lock()
        self._data.offers[offer_id].notified_at = None

    async def set_message(self, offer_id: int, chat_id: int, message_id: int) -> None:
        self._uow.require_write_lock()
        offer = self._data.offers[offer_id]
        offer.chat_id, offer.message_id = chat_id, message_id


class FakeUnitOfWork:
    """One transaction over a :class:`FakeStore`; rolled back unless committed."""

    def __init__(self, store: FakeStore, *, commit_error: Exception | None = None) -> None:
        self.store = store
        self.providers = FakeProviderRepository(self)
        self.clients = FakeClientRepository(self)
        self.appointments = FakeAppointmentRepository(self)
        self.waitlist = FakeWaitlistRepository(self)
        self.feeds = FakeCalendarFeedRepository(self)
        self.subscriptions = FakeSubscriptionRepository(self)
        self.conflicts = FakeCalendarConflictRepository(self)
        self.caldav = FakeCalDavRepository(self)
        self.series = FakeSeriesRepository(self)
        self.begin_write_calls: list[int | None] = []
        self.committed = False
        self._commit_error = commit_error
        self._work: _State | None = None

    def working_state(self) -> _State:
        if self._work is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._work

    def require_write_lock(self, provider_id: int | None = None) -> None:
        if not self.begin_write_calls:
            raise AssertionError("a write before begin_write(): writers are not serialised")
        if provider_id is not None and provider_id not in self.begin_write_calls:
            raise AssertionError(
                f"writing provider {provider_id}'s calendar without begin_write({provider_id})"
            )

    async def __aenter__(self) -> Self:
        if self._work is not None:
            raise RuntimeError("unit of work is already open")
        self._work = copy.deepcopy(self.store.state)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._work = None  # whatever was not committed is gone

    async def begin_write(self, provider_id: int | None = None) -> None:
        self.working_state()
        self.begin_write_calls.append(provider_id)

    async def begin_booking(
        self, *, provider_id: int, type_id: int, client_id: int, start: datetime, now: datetime
    ) -> BookingSnapshot:
        _require_aware(start, now)
        if provider_id not in self.begin_write_calls:
            await self.begin_write(provider_id)
        return booking_snapshot(
            self.working_state(), provider_id=provider_id, type_id=type_id,
            client_id=client_id, start=start, now=now,
        )

    async def commit(self) -> None:
        work = self.working_state()
        if self._commit_error is not None:
            raise self._commit_error
        self.store.state = copy.deepcopy(work)
        self.committed = True

    async def rollback(self) -> None:
        self.working_state()
        self._work = copy.deepcopy(self.store.state)


class FakeUnitOfWorkFactory:
    """``make_uow()`` gives a fresh unit of work over one shared store, as in production.

    ``created`` keeps every unit of work handed out, so a test can ask whether the
    last service call committed or took the write lock; set ``commit_error`` to
    make every later ``commit()`` fail.
    """

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.created: list[FakeUnitOfWork] = []
        self.commit_error: Exception | None = None

    def __call__(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.store, commit_error=self.commit_error)
        self.created.append(uow)
        return uow

    @property
    def last(self) -> FakeUnitOfWork:
        return self.created[-1]
