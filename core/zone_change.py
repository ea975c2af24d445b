"""A provider moving to another time zone: the hours keep their local times.

Weekly hours, special hours and blocks are wall-clock times and local dates
(:mod:`core.model`), so after the change "Mon 09:00-17:00" means 09:00-17:00 in
the new zone and a whole-day block is the whole new local day, with nothing
rewritten. Appointments are instants and stay where they are, so some may now
lie outside the hours or inside a block. Those are shown before anything is
saved, and the provider keeps or cancels them, as when a block falls on
bookings (:func:`core.schedule_admin.add_block`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.availability import intervals_for_date
from core.bounds import DAYS_AHEAD
from core.errors import InvalidProviderData, NotFound
from core.localtime import UnknownTimeZone, end_instant, local_date, require_utc, zone
from core.model import (
    AgendaItem,
    Appointment,
    CancelledBy,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ScheduleOverride,
)
from core.ports import UnitOfWork


class StaleZoneChange(InvalidProviderData):
    """The decision was about other bookings (or another zone) than there are now."""


@dataclass(frozen=True)
class ZoneDecision:
    """The provider's answer to a conflict list: its ``stamp``, and keep or cancel."""

    stamp: int
    cancel_conflicts: bool


@dataclass(frozen=True)
class ZoneChange:
    """What changing to a zone does (``applied``) or would do (asked first)."""

    provider: Provider  # with the new zone once applied
    new_zone: str
    conflicts: tuple[AgendaItem, ...]  # future bookings the new zone puts outside the hours
    stamp: int  # names this exact list: a decision about another one is stale
    applied: bool
    cancelled: tuple[AgendaItem, ...] = ()


def _block_windows(
    day: date, overrides: Iterable[ScheduleOverride], tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    # As core.availability reads them: a timed block of a date acts on that
    # date's intervals, and one ending at or before its start runs past midnight.
    for override in overrides:
        if override.kind is OverrideKind.UNAVAILABLE and not override.is_whole_day:
            assert override.start is not None and override.end is not None
            end_day = day if override.end > override.start else day + timedelta(days=1)
            yield (
                end_instant(datetime.combine(day, override.start), tz),
                end_instant(datetime.combine(end_day, override.end), tz),
            )


def fits_hours(calendar: ProviderCalendar, start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` lies inside one interval of the hours and in no block.

    Read in the calendar's own zone, with the dates' special hours and blocks,
    as availability reads them (an overnight interval belongs to its first date).
    """
    tz = zone(calendar.provider.timezone)
    first = local_date(start, tz)
    for owner in (first - timedelta(days=1), first):
        overrides = [o for o in calendar.overrides if o.date == owner]
        for wall_start, wall_end in intervals_for_date(calendar, owner):
            if end_instant(wall_start, tz) <= start and end <= end_instant(wall_end, tz):
                blocked = any(
                    start < block_end and end > block_start
                    for block_start, block_end in _block_windows(owner, overrides, tz)
                )
                if not blocked:
                    return True
    return False


def pushed_out(
    calendar: ProviderCalendar, new_zone: str, appointments: Iterable[Appointment]
) -> list[Appointment]:
    """The appointments inside the hours today that the new zone puts outside them.

    One already outside (kept through a block, booked before the hours changed)
    was the provider's choice then and is not asked about again.
    """
    moved = replace(calendar, provider=replace(calendar.provider, timezone=new_zone))
    return [
        a for a in appointments
        if fits_hours(calendar, a.start, a.end) and not fits_hours(moved, a.start, a.end)
    ]


def conflict_stamp(provider_id: int, old_zone: str, new_zone: str, ids: Sequence[int]) -> int:
    """A short number naming one conflict list, carried by the decision buttons.

    A button tapped after a booking came or went, after the zone changed, or in
    another provider's chat names another list and is refused as stale. 28 bits:
    below any id bound a button's numbers are held to (core.bounds.MAX_ID).
    """
    text = f"{provider_id}|{old_zone}|{new_zone}|{','.join(map(str, sorted(ids)))}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:7], 16)


async def _future_active(uow: UnitOfWork, provider_id: int, now: datetime) -> list[Appointment]:
    # Nothing can be booked past the date window, so it bounds the read.
    until = now + timedelta(days=DAYS_AHEAD + 2)
    return [
        a for a in await uow.appointments.for_provider(provider_id, now, until)
        if a.is_active and a.start > now
    ]


async def _items(uow: UnitOfWork, appointments: Iterable[Appointment]) -> list[AgendaItem]:
    items = []
    for appointment in appointments:
        client = await uow.clients.get(appointment.client_id)
        appt_type = await uow.providers.appointment_type(appointment.type_id)
        assert client is not None and appt_type is not None  # foreign keys
        items.append(AgendaItem(appointment, client, appt_type))
    return items


async def change_time_zone(
    uow: UnitOfWork,
    provider_id: int,
    new_zone: str,
    *,
    now: datetime,
    decision: ZoneDecision | None = None,
    reason: str | None = None,
) -> ZoneChange:
    """Move the provider to ``new_zone``, or first ask about the bookings it pushes out.

    Without ``decision``: saved at once when no booking is pushed out, else
    nothing is saved and the conflicts come back to be asked about. With the
    provider's ``decision`` on that list (its stamp): saved, and the conflicts
    cancelled (with ``reason``) or kept. All in one unit of work, under the
    provider's write lock, so no booking slips in between the check and the change.
    """
    now = require_utc(now, "now")
    try:
        zone(new_zone)
    except UnknownTimeZone:
        raise InvalidProviderData(f"timezone: {new_zone!r} unknown") from None
    async with uow:
        await uow.begin_write(provider_id)
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        provider = calendar.provider
        out = pushed_out(calendar, new_zone, await _future_active(uow, provider_id, now))
        stamp = conflict_stamp(
            provider_id, provider.timezone, new_zone, [a.id for a in out]  # type: ignore[misc]
        )
        conflicts = tuple(await _items(uow, out))
        if decision is None and conflicts:
            return ZoneChange(provider, new_zone, conflicts, stamp, applied=False)
        if decision is not None and decision.stamp != stamp:
            raise StaleZoneChange(f"provider {provider_id}: the bookings changed since")
        updated = replace(provider, timezone=new_zone)
        await uow.providers.update(updated)
        cancelled = []
        if decision is not None and decision.cancel_conflicts:
            for item in conflicts:
                item.appointment.cancel(now, CancelledBy.PROVIDER, reason)
                await uow.appointments.save(item.appointment)
                cancelled.append(item)
        await uow.commit()
    return ZoneChange(updated, new_zone, conflicts, stamp, applied=True, cancelled=tuple(cancelled))
