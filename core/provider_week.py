"""One week of a provider's calendar, read at once: what the Mini App's week grid shows.

The week is Monday..Sunday of the provider's own zone. Appointments of every status
that start in it are included (the grid shows cancelled ones faded), with their
clients and types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.agenda import agenda_items
from core.errors import NotFound
from core.localtime import local_date, local_midnight, require_utc, zone
from core.model import AgendaItem, ProviderCalendar
from core.ports import UnitOfWork


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class ProviderWeek:
    calendar: ProviderCalendar  # weekly hours, and the overrides of this week only
    first: date  # the Monday
    today: date  # the provider's local today
    items: tuple[AgendaItem, ...]

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(7)]

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)


async def provider_week(uow: UnitOfWork, provider_id: int, day: date, *, now: datetime) -> ProviderWeek:
    """The week containing ``day`` (a date of the provider's zone)."""
    now = require_utc(now, "now")
    first = week_monday(day)
    async with uow:
        calendar = await uow.providers.calendar(provider_id)
        if calendar is None:
            raise NotFound("provider", provider_id)
        tz = zone(calendar.provider.timezone)
        start, end = local_midnight(first, tz), local_midnight(first + timedelta(days=7), tz)
        items = await agenda_items(uow, provider_id, start, end)
    last = first + timedelta(days=6)
    overrides = tuple(o for o in calendar.overrides if first <= o.date <= last)
    week_calendar = ProviderCalendar(calendar.provider, calendar.weekly, overrides)
    items.sort(key=lambda item: (item.appointment.start, item.appointment.id or 0))
    return ProviderWeek(week_calendar, first, local_date(now, tz), tuple(items))
