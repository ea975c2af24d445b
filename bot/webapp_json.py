"""The Mini App's JSON: plain dicts built from core values (no storage, no Telegram).

Local times are "HH:MM" in the provider's zone; instants are UTC ISO 8601 ending in "Z".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from core.availability import intervals_for_date
from core.localtime import end_instant, local_midnight, zone
from core.model import AgendaItem, OverrideKind, Provider, ScheduleOverride, WeeklyInterval
from core.provider_week import ProviderWeek

Json = dict[str, Any]


def utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def provider_json(provider: Provider, language: str) -> Json:
    return {"id": provider.id, "name": provider.name, "timezone": provider.timezone,
            "language": language}


def appointment_json(item: AgendaItem) -> Json:
    a = item.appointment
    return {
        "id": a.id, "start": utc(a.start), "end": utc(a.end), "status": a.status.value,
        "client": item.client.name or "", "client_id": item.client.id,
        "type": item.appt_type.name, "type_id": a.type_id,
        "series": a.series_id is not None, "late_cancel": a.late_cancel,
        "notes": a.notes, "cancel_reason": a.cancel_reason,
    }


def weekly_json(weekly: tuple[WeeklyInterval, ...]) -> list[Json]:
    return [
        {"weekday": i.day_of_week, "start": hhmm(i.start), "end": hhmm(i.end)}
        for i in sorted(weekly, key=lambda i: (i.day_of_week, i.start))
        if i.is_active
    ]


def block_span(override: ScheduleOverride, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC time a block covers: its window, or its whole local date."""
    tz = zone(tz_name)
    if override.start is not None and override.end is not None:
        start = end_instant(datetime.combine(override.date, override.start), tz)
        end_day = override.date if override.end > override.start else date.fromordinal(
            override.date.toordinal() + 1)
        return start, end_instant(datetime.combine(end_day, override.end), tz)
    return local_midnight(override.date, tz), local_midnight(
        date.fromordinal(override.date.toordinal() + 1), tz)


def _block(override: ScheduleOverride) -> Json:
    whole = override.is_whole_day
    return {"id": override.id, "start": None if whole else hhmm(override.start),  # type: ignore[arg-type]
            "end": None if whole else hhmm(override.end), "whole_day": whole}  # type: ignore[arg-type]


def _day(week: ProviderWeek, day: date) -> Json:
    calendar = week.calendar
    overrides = [o for o in calendar.overrides if o.date == day]
    special = [o for o in overrides if o.kind is OverrideKind.SPECIAL_HOURS and not o.is_whole_day]
    blocks = [o for o in overrides if o.kind is OverrideKind.UNAVAILABLE]
    intervals = intervals_for_date(calendar, day)
    if special and intervals:
        hours = [{"start": hhmm(o.start), "end": hhmm(o.end), "id": o.id}  # type: ignore[arg-type]
                 for o in sorted(special, key=lambda o: o.start)]  # type: ignore[arg-type,return-value]
    else:
        hours = [{"start": hhmm(s.time()), "end": hhmm(e.time()), "id": None} for s, e in intervals]
    return {
        "date": day.isoformat(), "weekday": day.weekday(),
        "day_off": not intervals, "hours": hours, "special": bool(special),
        "blocks": [_block(o) for o in sorted(blocks, key=lambda o: (o.start is not None, o.start))],
    }


def week_json(week: ProviderWeek, language: str) -> Json:
    provider = week.calendar.provider
    weekly = weekly_json(week.calendar.weekly)
    blocks = [
        {**_block(o), "date": o.date.isoformat(),
         **dict(zip(("start_utc", "end_utc"), map(utc, block_span(o, provider.timezone))))}
        for o in sorted(week.calendar.overrides, key=lambda o: (o.date, o.start is not None, o.start))
        if o.kind is OverrideKind.UNAVAILABLE
    ]
    return {
        "provider": provider_json(provider, language),
        "week": {"start": week.first.isoformat(), "end": week.last.isoformat(),
                 "today": week.today.isoformat()},
        "days": [_day(week, day) for day in week.days],
        "weekly": weekly,
        "hours": weekly,
        "blocks": blocks,
        "appointments": [appointment_json(item) for item in week.items],
    }
