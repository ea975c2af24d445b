"""Providers changing their own calendar: weekly hours, blocks, special hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from core.bounds import check_day
from core.errors import InvalidProviderData, NotFound
from core.localtime import end_instant, local_date, local_midnight, require_utc, zone
from core.model import (
    AgendaItem,
    CancelledBy,
    OverrideKind,
    ScheduleOverride,
    WeeklyInterval,
)
from core.ports import UnitOfWork
from core.waitlist import offer_freed_time

_WEEK = 7 * 24 * 60


class HoursOverlap(InvalidProviderData):
    """Two working intervals of the week would overlap."""

    def __init__(self, first: WeeklyInterval, second: WeeklyInterval) -> None:
        super().__init__(f"{first} overlaps {second}")
        self.first, self.second = first, second


def _span(interval: WeeklyInterval) -> tuple[int, int]:
    start = interval.day_of_week * 1440 + interval.start.hour * 60 + interval.start.minute
    length = (interval.end.hour * 60 + interval.end.minute) - (
        interval.start.hour * 60 + interval.start.minute
    )
    return start, start + (length if length > 0 else length + 1440)


def find_overlap(weekly: Iterable[WeeklyInterval]) -> tuple[WeeklyInterval, WeeklyInterval] | None:
    """Two active intervals that overlap on the weekly circle (Sunday night runs into Monday)."""
    active = [i for i in weekly if i.is_active]
    for n, first in enumerate(active):
        a0, a1 = _span(first)
        for second in active[n + 1 :]:
            b0, b1 = _span(second)
            for shift in (-_WEEK, 0, _WEEK):
                if a0 < b1 + shift and b0 + shift < a1:
                    return first, second
    return None


async def set_weekly_hours(
    uow: UnitOfWork,
    provider_id: int,
    days: Iterable[int],
    intervals: Iterable[tuple[time, time]],
) -> tuple[WeeklyInterval, ...]:
    """Replace the hours of ``days`` (no intervals: days off); the rest of the week stays."""
    days, intervals = frozenset(days), tuple(intervals)
    async with uow:
        await uow.begin_write(provider_id)
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        kept = [i for i in calendar.weekly if i.day_of_week not in days]
        added = [WeeklyInterval(d, s, e) for d in sorted(days) for s, e in intervals]
        week = tuple(sorted(kept + added, key=lambda i: (i.day_of_week, i.start)))
        overlap = find_overlap(week)
        if overlap is not None:
            raise HoursOverlap(*overlap)
        await uow.providers.set_weekly(provider_id, week)
        await uow.commit()
    return week


@dataclass(frozen=True)
class BlockSpec:
    """Whole days ``first``..``last``, or (one day) the window ``start``-``end``."""

    first: date
    last: date
    start: time | None = None
    end: time | None = None

    @property
    def is_window(self) -> bool:
        return self.start is not None

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _hits(spec: BlockSpec, tz_name: str, start: datetime, end: datetime) -> bool:
    tz = zone(tz_name)
    if not spec.is_window:
        return spec.first <= local_date(start, tz) <= spec.last
    window_start = end_instant(datetime.combine(spec.first, spec.start), tz)  # type: ignore[arg-type]
    window_end = end_instant(datetime.combine(spec.first, spec.end), tz)  # type: ignore[arg-type]
    return start < window_end and end > window_start


async def _hit(uow: UnitOfWork, provider_id: int, spec: BlockSpec, now: datetime) -> list[AgendaItem]:
    provider = await uow.providers.get(provider_id)
    if provider is None:
        raise NotFound("provider", provider_id)
    tz = zone(provider.timezone)
    # Whatever the screen checked: a block past the window would overflow the
    # arithmetic below, or write a row for each of millions of days.
    today = local_date(now, tz)
    check_day(spec.first, today)
    check_day(spec.last, today)
    start = local_midnight(spec.first - timedelta(days=1), tz)
    end = local_midnight(spec.last + timedelta(days=2), tz)
    items = []
    for appointment in await uow.appointments.for_provider(provider_id, start, end):
        if not appointment.is_active or appointment.start <= now:
            continue
        if _hits(spec, provider.timezone, appointment.start, appointment.end):
            client = await uow.clients.get(appointment.client_id)
            appt_type = await uow.providers.appointment_type(appointment.type_id)
            assert client is not None and appt_type is not None
            items.append(AgendaItem(appointment, client, appt_type))
    return items


async def appointments_hit_by_block(
    uow: UnitOfWork, provider_id: int, spec: BlockSpec, *, now: datetime
) -> list[AgendaItem]:
    """Future active appointments a block would fall on: asked about before saving it."""
    async with uow:
        return await _hit(uow, provider_id, spec, require_utc(now, "now"))


async def add_block(
    uow: UnitOfWork,
    provider_id: int,
    spec: BlockSpec,
    *,
    cancel_hit: bool,
    reason: str | None,
    now: datetime,
) -> list[AgendaItem]:
    """Save the block; with ``cancel_hit``, cancel what it falls on (returned for notices)."""
    now = require_utc(now, "now")
    async with uow:
        await uow.begin_write(provider_id)
        hit = await _hit(uow, provider_id, spec, now)
        days = [spec.first] if spec.is_window else spec.days()
        for day in days:
            await uow.providers.add_override(
                provider_id, ScheduleOverride(day, OverrideKind.UNAVAILABLE, spec.start, spec.end)
            )
        cancelled = []
        if cancel_hit:
            for item in hit:
                item.appointment.cancel(now, CancelledBy.PROVIDER, reason)
                await uow.appointments.save(item.appointment)
                cancelled.append(item)
        await uow.commit()
    return cancelled


async def set_special_hours(
    uow: UnitOfWork, provider_id: int, day: date, intervals: Iterable[tuple[time, time]]
) -> list[ScheduleOverride]:
    """Hours for one date instead of the weekly ones (replacing earlier special hours)."""
    async with uow:
        await uow.begin_write(provider_id)
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        for old in calendar.overrides:
            if old.date == day and old.kind is OverrideKind.SPECIAL_HOURS and old.id is not None:
                await uow.providers.remove_override(provider_id, old.id)
        added = [
            await uow.providers.add_override(
                provider_id, ScheduleOverride(day, OverrideKind.SPECIAL_HOURS, start, end)
            )
            for start, end in intervals
        ]
        await uow.commit()
    return added


async def future_overrides(
    uow: UnitOfWork, provider_id: int, *, now: datetime
) -> list[ScheduleOverride]:
    """Blocks and special hours from the provider's local today on."""
    async with uow:
        calendar = await uow.providers.calendar(provider_id)
    if calendar is None:
        raise NotFound("provider", provider_id)
    today = local_date(require_utc(now, "now"), zone(calendar.provider.timezone))
    return [o for o in calendar.overrides if o.date >= today]


async def remove_override(
    uow: UnitOfWork, provider_id: int, override_id: int, *, now: datetime | None = None
) -> ScheduleOverride | None:
    """Remove one of the provider's own blocks or special hours (``None``: not theirs).

    With ``now``, time the removal frees is offered to the waitlist.
    """
    async with uow:
        await uow.begin_write(provider_id)
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        found = next((o for o in calendar.overrides if o.id == override_id), None)
        if found is None:
            return None
        await uow.providers.remove_override(provider_id, override_id)
        if now is not None:
            await offer_freed_time(uow, provider_id, *_span_of(found, calendar.provider.timezone), now)
        await uow.commit()
    return replace(found)


def _span_of(override: ScheduleOverride, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC time an override covered: its window, or its whole date."""
    tz = zone(tz_name)
    if override.kind is OverrideKind.UNAVAILABLE and not override.is_whole_day:
        assert override.start is not None and override.end is not None
        start = end_instant(datetime.combine(override.date, override.start), tz)
        end = end_instant(datetime.combine(override.date, override.end), tz)
        if end > start:
            return start, end
    next_day = override.date + timedelta(days=1)
    return local_midnight(override.date, tz), local_midnight(next_day, tz)
