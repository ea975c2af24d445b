"""Booking and cancelling a weekly series (issue #14): every occurrence in one
transaction under the provider's write lock, each re-checked with the booking
rules (rule 8) against the committed state and the series' own earlier ones.

Two ways to book:

- ``chosen=None`` (the command line): book every occurrence that is offered now
  and report the others as skipped, with why.
- ``chosen`` given (the chat's preview, after the client's swaps and skips):
  exactly those starts, or nothing. If any of them is no longer offered,
  :class:`SeriesChanged` carries the fresh plan to show again.

A repeat of the same request by the same client (a double tap, a script run
twice) finds the series it booked and returns it unchanged, as a single
booking's repeat does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.availability import availability_for_dates, busy_window
from core.booking import is_late_cancellation
from core.errors import (
    BookingLimitReached,
    ClientBlocked,
    InvalidTransition,
    LateCancellationRefused,
    NotFound,
    SlotNoLongerAvailable,
)
from core.localtime import require_utc, zone
from core.model import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    BusyPeriod,
    CancelledBy,
    LateCancelPolicy,
    ProviderCalendar,
    SeriesBookedBy,
    SkippedOccurrence,
)
from core.ports import UnitOfWork
from core.series import (
    InvalidSeries,
    Occurrence,
    OccurrenceState,
    PlannedStart,
    SeriesRequest,
    occurrence_starts,
    plan_series,
)
from core.slots import require_bookable
from core.waitlist import offer_freed_time, stop_waiting

#: The reason stored for an occurrence the client chose to leave out.
SKIPPED = "SKIPPED"


class SeriesNotAllowed(SlotNoLongerAvailable):
    """Clients may not book this appointment type as a series."""


class SeriesChanged(SlotNoLongerAvailable):
    """What was confirmed is no longer exactly bookable: nothing was booked.
    ``plan`` is the series as it stands now, to show again."""

    def __init__(self, plan: list[Occurrence]) -> None:
        super().__init__("an occurrence of the series is no longer available")
        self.plan = plan


@dataclass(frozen=True)
class SeriesPlan:
    """A series as it would be booked now: for the preview, outside any lock."""

    calendar: ProviderCalendar
    appt_type: AppointmentType
    busy: tuple[BusyPeriod, ...]
    occurrences: list[Occurrence]


@dataclass(frozen=True)
class SeriesOutcome:
    series: AppointmentSeries | None  # None: nothing could be booked
    appointments: tuple[Appointment, ...]  # the series' active occurrences, by start
    skipped: tuple[SkippedOccurrence, ...]
    created: bool  # False: the client held this series already (a repeat)


def _span(calendar: ProviderCalendar, planned: list[PlannedStart]) -> tuple[datetime, datetime]:
    return busy_window(calendar.provider.timezone, planned[0].local_date, planned[-1].local_date)


async def plan_for_booking(
    uow: UnitOfWork, *, provider_id: int, type_id: int, request: SeriesRequest, now: datetime
) -> SeriesPlan:
    """The preview: every occurrence with its state, read in one transaction."""
    now = require_utc(now, "now")
    async with uow:
        calendar = await uow.providers.calendar(provider_id)
        appt_type = await uow.providers.appointment_type(type_id)
        calendar, appt_type = require_bookable(calendar, appt_type, provider_id, type_id)
        planned = occurrence_starts(
            request, calendar.provider.timezone, appt_type.max_series_occurrences
        )
        busy = tuple(await uow.appointments.busy_between(provider_id, *_span(calendar, planned)))
    occurrences = plan_series(
        calendar, appt_type, busy, request, now, max_occurrences=appt_type.max_series_occurrences
    )
    return SeriesPlan(calendar, appt_type, busy, occurrences)


def swap_options(plan: SeriesPlan, index: int, chosen: Sequence[datetime | None], now: datetime) -> list[datetime]:
    """Free starts on occurrence ``index``'s provider-local date, given the bookings and
    the series' other chosen starts: what the client may swap it for."""
    others = [
        BusyPeriod(start, start + plan.appt_type.duration, plan.appt_type.id)
        for n, start in enumerate(chosen) if start is not None and n != index
    ]
    day = plan.occurrences[index].local_date
    (only,) = availability_for_dates(
        plan.calendar, plan.appt_type, (*plan.busy, *others), [day], now
    )
    return list(only.slots)


def _gap_start(planned: PlannedStart, first_start: datetime, tz_name: str) -> datetime:
    """A start to report for an occurrence in a DST gap: its wall time read before the change."""
    wall = first_start.astimezone(zone(tz_name)).replace(tzinfo=None)
    local = datetime.combine(planned.local_date, wall.time()).replace(tzinfo=zone(tz_name))
    return require_utc(local.astimezone(first_start.tzinfo), "start")


async def book_series(
    uow: UnitOfWork,
    *,
    provider_id: int,
    type_id: int,
    client_id: int,
    request: SeriesRequest,
    now: datetime,
    by: SeriesBookedBy,
    chosen: Sequence[datetime | None] | None = None,
    notes: str | None = None,
) -> SeriesOutcome:
    """Book the series in one transaction; see the module's docstring for ``chosen``.

    Raises :class:`InvalidSeries` for a request that breaks a rule (too many
    occurrences, a frequency not offered), :class:`SeriesNotAllowed` when a
    client asks for a type that is not offered as a series,
    :class:`BookingLimitReached` when the occurrences would pass the provider's
    cap per client (not for the provider's own booking), :class:`SeriesChanged`.
    """
    now = require_utc(now, "now")
    chosen = None if chosen is None else [None if c is None else require_utc(c) for c in chosen]
    async with uow:
        await uow.begin_write(provider_id)
        calendar, appt_type = require_bookable(
            await uow.providers.calendar(provider_id),
            await uow.providers.appointment_type(type_id), provider_id, type_id,
        )
        if await uow.clients.get(client_id) is None:
            raise NotFound("client", client_id)
        held = await uow.series.find(
            client_id=client_id, provider_id=provider_id, type_id=type_id,
            first_start=request.first_start, every_weeks=request.every_weeks,
            count=request.count, until=request.until,
        )
        if held is not None:
            return await _outcome(uow, held, created=False)
        if not appt_type.is_active or not calendar.provider.is_active:
            raise SlotNoLongerAvailable("this appointment type is not bookable")
        if by is SeriesBookedBy.CLIENT and not appt_type.allow_series:
            raise SeriesNotAllowed(f"appointment type {type_id} is not offered as a series")
        if client_id in await uow.providers.blocked_client_ids(provider_id):
            raise ClientBlocked(f"client {client_id} is blocked by provider {provider_id}")
        tz_name = calendar.provider.timezone
        planned = occurrence_starts(request, tz_name, appt_type.max_series_occurrences)
        if chosen is not None and len(chosen) != len(planned):
            raise InvalidSeries(f"{len(chosen)} starts chosen for {len(planned)} occurrences")
        busy = await uow.appointments.busy_between(provider_id, *_span(calendar, planned))
        plan = plan_series(
            calendar, appt_type, busy, request, now,
            max_occurrences=appt_type.max_series_occurrences,
        )
        starts, skipped = _decide(plan, planned, chosen, calendar, appt_type, busy, request, now)
        if not starts:
            return SeriesOutcome(None, (), tuple(skipped), created=False)
        cap = calendar.provider.settings.max_active_bookings_per_client
        if cap and by is not SeriesBookedBy.PROVIDER:
            held_now = await uow.appointments.count_active_future(client_id, provider_id, now)
            if held_now + len(starts) > cap:
                raise BookingLimitReached(cap)
        series = await uow.series.add(AppointmentSeries(
            id=None, provider_id=provider_id, client_id=client_id, type_id=type_id,
            first_start=request.first_start, every_weeks=request.every_weeks,
            count=request.count, until=request.until, booked_by=by, created_at=now,
            skipped=tuple(skipped),
        ))
        auto = calendar.provider.settings.auto_confirm
        booked = []
        for start in starts:
            booked.append(await uow.appointments.add(
                Appointment(
                    id=None, provider_id=provider_id, client_id=client_id, type_id=type_id,
                    start=start, end=start + appt_type.duration,
                    status=AppointmentStatus.CONFIRMED if auto else AppointmentStatus.PENDING,
                    created_at=now, updated_at=now, start_set_at=now, notes=notes,
                    series_id=series.id,
                ),
                appt_type=appt_type,
            ))
        waiting = [
            e for e in await uow.waitlist.entries_of_client(client_id, (now - timedelta(days=1)).date())
            if e.provider_id == provider_id and e.type_id == type_id
        ]
        for start in starts:
            await stop_waiting(uow, waiting, start)
        await uow.commit()
    return SeriesOutcome(series, tuple(booked), series.skipped, created=True)


def _decide(
    plan: list[Occurrence], planned: list[PlannedStart], chosen: Sequence[datetime | None] | None,
    calendar: ProviderCalendar, appt_type: AppointmentType, busy: Sequence[BusyPeriod],
    request: SeriesRequest, now: datetime,
) -> tuple[list[datetime], list[SkippedOccurrence]]:
    """The starts to book and the occurrences skipped, or :class:`SeriesChanged`."""
    tz_name = calendar.provider.timezone

    def reported(n: int) -> datetime:
        return planned[n].start or _gap_start(planned[n], request.first_start, tz_name)

    starts: list[datetime] = []
    skipped: list[SkippedOccurrence] = []
    if chosen is None:
        for n, occurrence in enumerate(plan):
            if occurrence.is_free:
                assert occurrence.start is not None  # FREE has a start
                starts.append(occurrence.start)
            else:
                skipped.append(SkippedOccurrence(occurrence.local_date, reported(n), occurrence.state.value))
        return starts, skipped
    taken = list(busy)
    for n, start in enumerate(chosen):
        if start is None:
            skipped.append(SkippedOccurrence(plan[n].local_date, reported(n), SKIPPED))
            continue
        # Offered, and offered for this occurrence's date (what swap_options lists):
        # a start of another date was never offered for it.
        (that_day,) = availability_for_dates(
            calendar, appt_type, taken, [plan[n].local_date], now
        )
        if start not in that_day.slots:
            raise SeriesChanged(plan)
        taken.append(BusyPeriod(start, start + appt_type.duration, appt_type.id))
        starts.append(start)
    return starts, skipped


async def _outcome(uow: UnitOfWork, series: AppointmentSeries, *, created: bool) -> SeriesOutcome:
    assert series.id is not None
    active = tuple(a for a in await uow.series.occurrences(series.id) if a.is_active)
    return SeriesOutcome(series, active, series.skipped, created=created)


async def cancel_series_from(
    uow: UnitOfWork,
    appointment_id: int,
    *,
    now: datetime,
    by: CancelledBy = CancelledBy.CLIENT,
    reason: str | None = None,
    from_start: datetime | None = None,
    client_id: int | None = None,
    provider_id: int | None = None,
) -> list[Appointment]:
    """Cancel an occurrence of a series and every later one that has not started.

    From ``from_start`` on instead of the occurrence's own start when given (the
    provider's "from this date"). Each occurrence is cancelled as
    :func:`core.booking.cancel_appointment` would (flagged late inside the minimum
    notice; the client refused there when the provider's policy refuses), and its
    time offered to the waitlist. ``client_id``/``provider_id``: only their own.
    Returns the occurrences cancelled, by start (none: :class:`InvalidTransition`).
    """
    now = require_utc(now, "now")
    async with uow:
        first = await uow.appointments.get(appointment_id)
        if first is None or (client_id is not None and first.client_id != client_id) or (
            provider_id is not None and first.provider_id != provider_id
        ):
            raise NotFound("appointment", appointment_id)
        if first.series_id is None:
            raise InvalidTransition(appointment_id, "not part of a series", "cancel the series")
        await uow.begin_write(first.provider_id)
        provider = await uow.providers.get(first.provider_id)
        assert provider is not None  # foreign key
        settings = provider.settings
        since = require_utc(from_start, "from_start") if from_start is not None else first.start
        cancelled = [
            a for a in await uow.series.occurrences(first.series_id)
            if a.is_active and a.start >= since and a.start > now
        ]
        if not cancelled:
            raise InvalidTransition(appointment_id, "past or cancelled, as are the later ones of its series", "cancel the series")
        late = [a for a in cancelled if is_late_cancellation(a.start, now, settings)]
        if late and by is CancelledBy.CLIENT and settings.late_cancel_policy is LateCancelPolicy.REFUSE:
            raise LateCancellationRefused(settings.late_cancel_message)
        for appointment in cancelled:
            appointment.cancel(now, by, reason, late=appointment in late)
            await uow.appointments.save(appointment)
        for appointment in cancelled:
            await offer_freed_time(uow, appointment.provider_id, appointment.start, appointment.end, now)
        await uow.commit()
    return cancelled


__all__ = [
    "SKIPPED",
    "OccurrenceState",
    "SeriesChanged",
    "SeriesNotAllowed",
    "SeriesOutcome",
    "SeriesPlan",
    "book_series",
    "cancel_series_from",
    "plan_for_booking",
    "swap_options",
]
