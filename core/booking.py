"""Booking use cases: book, reschedule, cancel and the provider's status changes.

Every writing use case opens with ``uow.begin_write(provider_id)`` (a booking:
``uow.begin_booking``, which takes the same lock) so that all changes to one
provider's calendar happen one after another, whatever the number of bot
processes; then it re-checks the slot against the committed state. Side
effects (messages) belong to the caller, after this returns: never inside the
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.availability import busy_window, is_offered
from core.errors import (
    BookingLimitReached,
    ClientBlocked,
    InvalidTransition,
    LateCancellationRefused,
    NotFound,
    RescheduleLocked,
    SlotNoLongerAvailable,
)
from core.localtime import local_date, require_utc, zone
from core.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    LateCancelPolicy,
    ProviderCalendar,
    ProviderSettings,
)
from core.ports import UnitOfWork
from core.slots import load_bookable, require_bookable
from core.waitlist import offer_freed_time, stop_waiting


async def slot_offered_now(
    uow: UnitOfWork,
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    start: datetime,
    now: datetime,
    *,
    ignoring: int | None = None,
) -> bool:
    provider = calendar.provider
    day = local_date(start, zone(provider.timezone))
    # A start on local date D may belong to an overnight interval of D - 1.
    window = busy_window(provider.timezone, day - timedelta(days=1), day)
    busy = await uow.appointments.busy_between(provider.id, *window, exclude_id=ignoring)
    return is_offered(calendar, appt_type, busy, start, now)


@dataclass(frozen=True)
class BookingOutcome:
    appointment: Appointment
    created: bool  # False: the client already held this booking (a double tap)


async def book_appointment(
    uow: UnitOfWork,
    *,
    provider_id: int,
    type_id: int,
    client_id: int,
    start: datetime,
    now: datetime,
    notes: str | None = None,
) -> Appointment:
    """Book ``start`` if, and only if, it is a slot offered right now (rule 8).

    A client repeating a booking they already hold (a double tap) gets the same
    appointment back. Raises :class:`SlotNoLongerAvailable` otherwise.
    """
    outcome = await book(
        uow,
        provider_id=provider_id,
        type_id=type_id,
        client_id=client_id,
        start=start,
        now=now,
        notes=notes,
    )
    return outcome.appointment


async def book(
    uow: UnitOfWork,
    *,
    provider_id: int,
    type_id: int,
    client_id: int,
    start: datetime,
    now: datetime,
    notes: str | None = None,
) -> BookingOutcome:
    """:func:`book_appointment`, also telling whether the booking is new."""
    start, now = require_utc(start, "start"), require_utc(now, "now")
    async with uow:
        outcome = await book_locked(
            uow, provider_id=provider_id, type_id=type_id, client_id=client_id,
            start=start, now=now, notes=notes,
        )
        if outcome.created:
            await uow.commit()
    return outcome


async def book_locked(
    uow: UnitOfWork,
    *,
    provider_id: int,
    type_id: int,
    client_id: int,
    start: datetime,
    now: datetime,
    notes: str | None = None,
) -> BookingOutcome:
    """The booking rules, under the provider's write lock (taken here unless held).

    Shared by :func:`book` and a waitlist claim, which must book and close its
    offer in one transaction. The caller commits.
    """
    # One read under the lock holds everything the rules below look at: a
    # booking costs that read, the insert and (only when the client was
    # waiting for this date) a delete; see benchmarks/README.md.
    seen = await uow.begin_booking(
        provider_id=provider_id, type_id=type_id, client_id=client_id, start=start, now=now
    )
    calendar, appt_type = require_bookable(seen.calendar, seen.appt_type, provider_id, type_id)
    if not seen.client_known:
        raise NotFound("client", client_id)
    if seen.held is not None:
        return BookingOutcome(seen.held, created=False)
    if not appt_type.is_active or not calendar.provider.is_active:
        raise SlotNoLongerAvailable("this appointment type is not bookable")
    if seen.client_blocked:
        raise ClientBlocked(f"client {client_id} is blocked by provider {provider_id}")
    cap = calendar.provider.settings.max_active_bookings_per_client
    if cap and seen.active_future >= cap:
        raise BookingLimitReached(cap)
    if not is_offered(calendar, appt_type, seen.busy, start, now):
        raise SlotNoLongerAvailable(f"{start.isoformat()} is not an available slot")
    auto = calendar.provider.settings.auto_confirm
    appointment = await uow.appointments.add(
        Appointment(
            id=None,
            provider_id=provider_id,
            client_id=client_id,
            type_id=type_id,
            start=start,
            end=start + appt_type.duration,
            status=AppointmentStatus.CONFIRMED if auto else AppointmentStatus.PENDING,
            created_at=now,
            updated_at=now,
            start_set_at=now,
            notes=notes,
        ),
        appt_type=appt_type,
    )
    await stop_waiting(uow, seen.waiting, start)
    return BookingOutcome(appointment, created=True)


async def _load_for_change(uow: UnitOfWork, appointment_id: int) -> Appointment:
    appointment = await uow.appointments.get(appointment_id)
    if appointment is None:
        raise NotFound("appointment", appointment_id)
    return appointment


async def _locked(
    uow: UnitOfWork,
    appointment_id: int,
    client_id: int | None = None,
    provider_id: int | None = None,
) -> Appointment:
    # The provider's lock must come first, yet the provider is known only from
    # the appointment: read it, lock, and read it again under the lock.
    first = await _load_for_change(uow, appointment_id)
    if (client_id is not None and first.client_id != client_id) or (
        provider_id is not None and first.provider_id != provider_id
    ):
        # Someone else's appointment looks exactly like a missing one.
        raise NotFound("appointment", appointment_id)
    await uow.begin_write(first.provider_id)
    return await _load_for_change(uow, appointment_id)


def is_late_cancellation(start: datetime, now: datetime, settings: ProviderSettings) -> bool:
    """Less than the minimum notice before the start (exactly at it is on time)."""
    return start - now < settings.min_notice


def _require(appointment: Appointment, allowed: set[AppointmentStatus], action: str) -> None:
    if appointment.status not in allowed:
        raise InvalidTransition(appointment.id, appointment.status.value, action)


_ACTIVE = {AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED}


async def cancel_appointment(
    uow: UnitOfWork,
    appointment_id: int,
    *,
    now: datetime,
    reason: str | None = None,
    by: CancelledBy = CancelledBy.CLIENT,
    client_id: int | None = None,
    provider_id: int | None = None,
) -> Appointment:
    """Cancel a future PENDING or CONFIRMED appointment (rule 9).

    Cancelling less than ``min_notice_hours`` before the start is allowed but
    flagged ``late_cancel``; exactly at that boundary is on time. With
    ``client_id``, only that client's own appointment can be cancelled.
    """
    now = require_utc(now, "now")
    async with uow:
        appointment = await _locked(uow, appointment_id, client_id, provider_id)
        _require(appointment, _ACTIVE, "cancel")
        if appointment.start <= now:
            raise InvalidTransition(appointment.id, "in the past", "cancel")
        provider = await uow.providers.get(appointment.provider_id)
        assert provider is not None  # foreign key
        late = is_late_cancellation(appointment.start, now, provider.settings)
        settings = provider.settings
        if late and by is CancelledBy.CLIENT and settings.late_cancel_policy is LateCancelPolicy.REFUSE:
            raise LateCancellationRefused(settings.late_cancel_message)
        appointment.cancel(now, by, reason, late=late)
        await uow.appointments.save(appointment)
        await offer_freed_time(uow, appointment.provider_id, appointment.start, appointment.end, now)
        await uow.commit()
    return appointment


async def reschedule_appointment(
    uow: UnitOfWork,
    appointment_id: int,
    *,
    new_start: datetime,
    now: datetime,
    client_id: int | None = None,
) -> Appointment:
    """Move an appointment in one transaction (rule 10).

    The new start is checked as if the appointment did not exist, so moving
    within one's own slot works; if it is refused, nothing changes.
    """
    new_start, now = require_utc(new_start, "new_start"), require_utc(now, "now")
    async with uow:
        appointment = await _locked(uow, appointment_id, client_id)
        _require(appointment, _ACTIVE, "reschedule")
        if appointment.start <= now:
            raise InvalidTransition(appointment.id, "in the past", "reschedule")
        if client_id is not None:
            provider = await uow.providers.get(appointment.provider_id)
            assert provider is not None  # foreign key
            if appointment.start - now < provider.settings.reschedule_lock:
                raise RescheduleLocked(f"appointment {appointment_id} starts too soon to move")
        if new_start == appointment.start:
            return appointment
        calendar, appt_type = await load_bookable(
            uow, appointment.provider_id, appointment.type_id
        )
        if not await slot_offered_now(
            uow, calendar, appt_type, new_start, now, ignoring=appointment.id
        ):
            raise SlotNoLongerAvailable(f"{new_start.isoformat()} is not an available slot")
        auto = calendar.provider.settings.auto_confirm
        freed = (appointment.start, appointment.end)
        appointment.start = new_start
        appointment.end = new_start + appt_type.duration
        appointment.start_set_at = now
        appointment.status = AppointmentStatus.CONFIRMED if auto else AppointmentStatus.PENDING
        appointment.updated_at = now
        await uow.appointments.save(appointment)
        await offer_freed_time(uow, appointment.provider_id, *freed, now)
        await uow.commit()
    return appointment


async def _transition(
    uow: UnitOfWork,
    appointment_id: int,
    *,
    now: datetime,
    allowed: set[AppointmentStatus],
    to: AppointmentStatus,
    action: str,
    started: bool,
    provider_id: int | None = None,
) -> Appointment:
    now = require_utc(now, "now")
    async with uow:
        appointment = await _locked(uow, appointment_id, provider_id=provider_id)
        if appointment.status is to:
            return appointment  # a second tap on the same button is not an error
        _require(appointment, allowed, action)
        if started and appointment.start > now:
            raise InvalidTransition(appointment.id, "not started yet", action)
        if not started and appointment.start <= now:
            raise InvalidTransition(appointment.id, "in the past", action)
        appointment.status = to
        appointment.updated_at = now
        await uow.appointments.save(appointment)
        await uow.commit()
    return appointment


async def confirm_appointment(
    uow: UnitOfWork, appointment_id: int, *, now: datetime, provider_id: int | None = None
) -> Appointment:
    """The provider accepts a PENDING request; a confirmed one stays confirmed."""
    return await _transition(
        uow,
        appointment_id,
        now=now,
        provider_id=provider_id,
        allowed={AppointmentStatus.PENDING},
        to=AppointmentStatus.CONFIRMED,
        action="confirm",
        started=False,
    )


async def decline_appointment(
    uow: UnitOfWork,
    appointment_id: int,
    *,
    now: datetime,
    reason: str | None = None,
    provider_id: int | None = None,
) -> Appointment:
    """The provider refuses a PENDING request; the slot is free again."""
    now = require_utc(now, "now")
    async with uow:
        appointment = await _locked(uow, appointment_id, provider_id=provider_id)
        _require(appointment, {AppointmentStatus.PENDING}, "decline")
        appointment.cancel(now, CancelledBy.PROVIDER, reason)
        await uow.appointments.save(appointment)
        await offer_freed_time(uow, appointment.provider_id, appointment.start, appointment.end, now)
        await uow.commit()
    return appointment


async def complete_appointment(
    uow: UnitOfWork, appointment_id: int, *, now: datetime, provider_id: int | None = None
) -> Appointment:
    """Mark an appointment that has started as held."""
    return await _transition(
        uow,
        appointment_id,
        now=now,
        provider_id=provider_id,
        allowed=_ACTIVE,
        to=AppointmentStatus.COMPLETED,
        action="mark completed",
        started=True,
    )


async def mark_no_show(
    uow: UnitOfWork, appointment_id: int, *, now: datetime, provider_id: int | None = None
) -> Appointment:
    """Mark an appointment that has started as missed by the client."""
    return await _transition(
        uow,
        appointment_id,
        now=now,
        provider_id=provider_id,
        allowed=_ACTIVE,
        to=AppointmentStatus.NO_SHOW,
        action="mark no-show",
        started=True,
    )


__all__ = [
    "BookingOutcome",
    "book",
    "book_appointment",
    "book_locked",
    "slot_offered_now",
    "is_late_cancellation",
    "cancel_appointment",
    "complete_appointment",
    "confirm_appointment",
    "decline_appointment",
    "mark_no_show",
    "reschedule_appointment",
]
