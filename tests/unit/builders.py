"""Terse builders for availability tests: calendars, types, busy periods, instants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from core.model import (
    AppointmentType,
    BusyPeriod,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(text: str) -> datetime:
    """``utc("2026-12-01T09:00")``: an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def utcs(*texts: str) -> list[datetime]:
    return [utc(text) for text in texts]


def day(text: str) -> date:
    return date.fromisoformat(text)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def special(on: str, start: str, end: str) -> ScheduleOverride:
    return ScheduleOverride(day(on), OverrideKind.SPECIAL_HOURS, hm(start), hm(end))


def off(on: str) -> ScheduleOverride:
    """The whole date unavailable."""
    return ScheduleOverride(day(on), OverrideKind.UNAVAILABLE)


def block(on: str, start: str, end: str) -> ScheduleOverride:
    """A window of the date unavailable."""
    return ScheduleOverride(day(on), OverrideKind.UNAVAILABLE, hm(start), hm(end))


def calendar(
    tz: str = "UTC",
    weekly: Iterable[tuple[int, str, str]] = (),
    overrides: Iterable[ScheduleOverride] = (),
    buffer: int = 0,
    min_notice: int = 0,
    max_advance: int = 60,
    auto_confirm: bool = True,
) -> ProviderCalendar:
    """``weekly`` holds ``(weekday, "HH:MM", "HH:MM")``; buffer in minutes, notice in hours."""
    settings = ProviderSettings(
        buffer_minutes_between_appointments=buffer,
        max_advance_days=max_advance,
        min_notice_hours=min_notice,
        auto_confirm=auto_confirm,
    )
    provider = Provider(
        id=1, name="Dr Test", type=ProviderType.DOCTOR, timezone=tz, settings=settings
    )
    return ProviderCalendar(
        provider=provider,
        weekly=tuple(WeeklyInterval(dow, hm(start), hm(end)) for dow, start, end in weekly),
        overrides=tuple(overrides),
    )


def appt(duration: int = 60, seats: int = 1, type_id: int = 1) -> AppointmentType:
    return AppointmentType(
        id=type_id,
        provider_id=1,
        name=f"{duration} min",
        duration_minutes=duration,
        max_participants=seats,
    )


def busy(start: str | datetime, minutes: int = 60, type_id: int | None = 1) -> BusyPeriod:
    begin = utc(start) if isinstance(start, str) else start
    return BusyPeriod(begin, begin + timedelta(minutes=minutes), type_id)
