"""A provider's practice in figures, week by week: what the Mini App draws as charts.

Weeks are Monday..Sunday of the provider's zone; each appointment counts in the
week it *starts* in (so a week's rates compare like with like):

* ``bookings``: appointments of the week, any status (held, missed, cancelled);
* ``completed``, ``no_show``, ``cancelled`` (by anyone, declines included);
  ``late_cancel``: cancelled inside the minimum notice;
* ``open_minutes``: working time of the week — the weekly hours (as they are
  now: their history is not kept) or a date's special hours, less blocks;
* ``booked_minutes``: time held by appointments that were not cancelled (a group
  session counts once however many seats are taken);
* ``freed``: appointments cancelled before they started — time handed back;
* ``refilled``: of that time, slots the waitlist filled again: offers a waiting
  client CLAIMED (which booked the slot in the same transaction). A slot offered
  to several clients in turn counts once. ``offered``: slots the waitlist offered.

Rates (``None`` when there is nothing to divide by): no-show rate = no_show /
(completed + no_show); late-cancel rate = late_cancel / bookings; booked share =
booked_minutes / open_minutes; refill rate = refilled / freed.

:func:`practice_figures` is pure; :func:`figures_of` reads what it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from core.availability import intervals_for_date
from core.errors import NotFound
from core.localtime import local_date, local_midnight, require_utc, zone
from core.model import (
    Appointment,
    AppointmentStatus,
    OfferStatus,
    OverrideKind,
    ProviderCalendar,
    WaitlistOffer,
)
from core.ports import UnitOfWork
from core.provider_week import week_monday

MAX_WEEKS = 26


@dataclass(frozen=True)
class WeekFigures:
    start: date
    bookings: int = 0
    completed: int = 0
    no_show: int = 0
    late_cancel: int = 0
    cancelled: int = 0
    open_minutes: int = 0
    booked_minutes: int = 0
    freed: int = 0
    refilled: int = 0
    offered: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return _rate(self.no_show, self.completed + self.no_show)

    @property
    def late_cancel_rate(self) -> float | None:
        return _rate(self.late_cancel, self.bookings)

    @property
    def booked_share(self) -> float | None:
        return _rate(self.booked_minutes, self.open_minutes)

    @property
    def refill_rate(self) -> float | None:
        return _rate(self.refilled, self.freed)

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "start"}


def _rate(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(part / whole, 4)


@dataclass(frozen=True)
class PracticeFigures:
    weeks: tuple[WeekFigures, ...]  # oldest first

    @property
    def totals(self) -> WeekFigures:
        start = self.weeks[0].start if self.weeks else date.min
        sums = {name: sum(getattr(w, name) for w in self.weeks)
                for name in WeekFigures(start).counts()}
        return WeekFigures(start, **sums)


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def _open_minutes(calendar: ProviderCalendar, day: date) -> int:
    """Working minutes of one local date (wall-clock), blocks taken out."""
    intervals = intervals_for_date(calendar, day)
    blocks = [
        (datetime.combine(day, o.start), datetime.combine(day, o.end))  # type: ignore[arg-type]
        for o in calendar.overrides
        if o.date == day and o.kind is OverrideKind.UNAVAILABLE and not o.is_whole_day
        and o.end > o.start  # type: ignore[operator]
    ]
    total = 0
    for start, end in intervals:
        total += _minutes(start, end)
        for block_start, block_end in blocks:
            total -= _minutes(max(start, block_start), min(end, block_end))
    return max(0, total)


def practice_figures(
    calendar: ProviderCalendar,
    appointments: Sequence[Appointment],
    offers: Sequence[WaitlistOffer],
    first_monday: date,
    weeks: int,
) -> PracticeFigures:
    """Figures of ``weeks`` weeks from ``first_monday`` (a Monday of the provider's zone)."""
    tz = zone(calendar.provider.timezone)
    mondays = [first_monday + timedelta(weeks=n) for n in range(weeks)]
    counts: dict[date, dict[str, int]] = {m: WeekFigures(m).counts() for m in mondays}

    def bucket(instant: datetime) -> dict[str, int] | None:
        return counts.get(week_monday(local_date(instant, tz)))

    for monday in mondays:
        counts[monday]["open_minutes"] = sum(
            _open_minutes(calendar, monday + timedelta(days=n)) for n in range(7))
    held: set[tuple[datetime, int]] = set()
    for a in appointments:
        week = bucket(a.start)
        if week is None:
            continue
        week["bookings"] += 1
        if a.status is AppointmentStatus.CANCELLED:
            week["cancelled"] += 1
            week["late_cancel"] += int(a.late_cancel)
            week["freed"] += int(a.cancelled_at is not None and a.cancelled_at < a.start)
            continue
        week["completed"] += int(a.status is AppointmentStatus.COMPLETED)
        week["no_show"] += int(a.status is AppointmentStatus.NO_SHOW)
        if (a.start, a.type_id) not in held:  # a group session's seats hold one time
            held.add((a.start, a.type_id))
            week["booked_minutes"] += _minutes(a.start, a.end)
    offered: dict[tuple[datetime, int], bool] = {}
    for offer in offers:
        slot = (offer.start, offer.type_id)
        offered[slot] = offered.get(slot, False) or offer.status is OfferStatus.CLAIMED
    for (start, _type), claimed in offered.items():
        week = bucket(start)
        if week is not None:
            week["offered"] += 1
            week["refilled"] += int(claimed)
    return PracticeFigures(tuple(WeekFigures(m, **counts[m]) for m in mondays))


async def figures_of(uow: UnitOfWork, provider_id: int, weeks: int, *, now: datetime) -> PracticeFigures:
    """The last ``weeks`` weeks, the current one included."""
    now = require_utc(now, "now")
    weeks = max(1, min(weeks, MAX_WEEKS))
    async with uow:
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        tz = zone(calendar.provider.timezone)
        first = week_monday(local_date(now, tz)) - timedelta(weeks=weeks - 1)
        start = local_midnight(first, tz)
        end = local_midnight(first + timedelta(weeks=weeks), tz)
        appointments = await uow.appointments.for_provider(provider_id, start, end)
        offers = await uow.waitlist.offers_starting(provider_id, start, end)
    return practice_figures(calendar, appointments, offers, first, weeks)
