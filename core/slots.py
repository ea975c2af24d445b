"""Availability queries: load a provider's calendar and bookings once, compute in memory.

A month costs the same few statements as a day (provider, weekly hours,
overrides, type, and bookings with calendar feed busy times in one UTC range):
never one query per day or per slot.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, timedelta

from core.availability import (
    DayAvailability,
    DayStatus,
    availability_for_dates,
    regroup_by_zone,
    busy_window,
    slots_between,
)
from core.errors import NotFound
from core.model import AppointmentType, BusyPeriod, CalendarWindow, ProviderCalendar
from core.ports import UnitOfWork


def require_bookable(
    calendar: ProviderCalendar | None, appt_type: AppointmentType | None,
    provider_id: int, type_id: int,
) -> tuple[ProviderCalendar, AppointmentType]:
    """Both read, and the type the provider's own, or :class:`NotFound`."""
    if calendar is None:
        raise NotFound("provider", provider_id)
    if appt_type is None or appt_type.provider_id != provider_id:
        raise NotFound("appointment type", type_id)
    return calendar, appt_type


async def load_bookable(
    uow: UnitOfWork, provider_id: int, type_id: int
) -> tuple[ProviderCalendar, AppointmentType]:
    """The provider's calendar and one of its appointment types, or :class:`NotFound`."""
    calendar = await uow.providers.calendar(provider_id)
    if calendar is None:
        raise NotFound("provider", provider_id)
    appt_type = await uow.providers.appointment_type(type_id)
    return require_bookable(calendar, appt_type, provider_id, type_id)


def _bookable(
    window: CalendarWindow, provider_id: int, type_id: int
) -> tuple[ProviderCalendar, AppointmentType, tuple[BusyPeriod, ...]]:
    calendar, appt_type = require_bookable(window.calendar, window.appt_type, provider_id, type_id)
    return calendar, appt_type, window.busy


async def get_days_availability(
    uow: UnitOfWork, provider_id: int, type_id: int, first: date, last: date, now: datetime
) -> list[DayAvailability]:
    """Availability of each provider-local date from ``first`` to ``last`` inclusive."""
    # The window's UTC bounds depend on the provider's zone, which is read with
    # everything else: one read for every zone the world has (a day either side).
    start, end = busy_window("UTC", first - timedelta(days=1), last + timedelta(days=1))
    async with uow:
        window = await uow.providers.calendar_window(provider_id, type_id, start, end)
    calendar, appt_type, busy = _bookable(window, provider_id, type_id)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if not appt_type.is_active:
        return [DayAvailability(day, DayStatus.CLOSED, ()) for day in days]
    return availability_for_dates(calendar, appt_type, busy, days, now)


async def get_available_slots(
    uow: UnitOfWork, provider_id: int, type_id: int, day: date, now: datetime
) -> list[datetime]:
    """UTC starts offered on provider-local ``day`` (its overnight tail included)."""
    (only,) = await get_days_availability(uow, provider_id, type_id, day, day, now)
    return list(only.slots)


async def get_month_availability(
    uow: UnitOfWork, provider_id: int, type_id: int, year: int, month: int, now: datetime
) -> list[DayAvailability]:
    last_day = month_calendar.monthrange(year, month)[1]
    return await get_days_availability(
        uow, provider_id, type_id, date(year, month, 1), date(year, month, last_day), now
    )


async def get_month_in_zone(
    uow: UnitOfWork,
    provider_id: int,
    type_id: int,
    year: int,
    month: int,
    tz_name: str,
    now: datetime,
) -> list[DayAvailability]:
    """A month of availability by the dates of ``tz_name`` (the zone the client reads)."""
    first = date(year, month, 1)
    last = date(year, month, month_calendar.monthrange(year, month)[1])
    provider_days = await get_days_availability(
        uow, provider_id, type_id, first - timedelta(days=2), last + timedelta(days=2), now
    )
    return regroup_by_zone(provider_days, tz_name, first, last)


async def get_day_in_zone(
    uow: UnitOfWork, provider_id: int, type_id: int, day: date, tz_name: str, now: datetime
) -> DayAvailability:
    """One date of ``tz_name``: the slots that start on it there."""
    provider_days = await get_days_availability(
        uow, provider_id, type_id, day - timedelta(days=2), day + timedelta(days=2), now
    )
    (only,) = regroup_by_zone(provider_days, tz_name, day, day)
    return only


async def get_slots_between(
    uow: UnitOfWork, provider_id: int, type_id: int, start: datetime, end: datetime, now: datetime
) -> list[datetime]:
    """Offered UTC starts in ``[start, end)``: e.g. one day of the *client's* calendar."""
    async with uow:
        window = await uow.providers.calendar_window(
            provider_id, type_id, start - timedelta(days=2), end + timedelta(days=2)
        )
    calendar, appt_type, busy = _bookable(window, provider_id, type_id)
    if not appt_type.is_active:
        return []
    return slots_between(calendar, appt_type, busy, start, end, now)
