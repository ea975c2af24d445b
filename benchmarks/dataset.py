"""The availability benchmark's data set: one busy provider over two years, and two others.

Providers are registered through the real use case (``core.providers``); clients
and appointments are bulk-inserted as rows (``storage.orm``), which takes well
under a second for 14,000 rows where booking them one by one would take minutes.
The random generator is seeded, so every run measures the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.availability import intervals_for_date
from core.localtime import start_instant, zone
from core.model import (
    AppointmentType,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)
from core.providers import register_provider
from storage.engine import session_factory
from storage.orm import AppointmentRow, ClientRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

TZ = "Europe/Berlin"
FIRST_DAY, LAST_DAY = date(2024, 7, 1), date(2026, 6, 30)  # the two years holding rows
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)  # fixed: ~11 months of past, 13 of future
QUARTER = timedelta(minutes=15)
UowFactory = Callable[[], SqlUnitOfWork]


def provider_data(name: str, overrides: tuple[ScheduleOverride, ...] = ()) -> NewProvider:
    weekday_hours = [(time(9), time(12, 30)), (time(14), time(18))]
    weekly = [WeeklyInterval(d, s, e) for d in range(5) for s, e in weekday_hours]
    weekly.append(WeeklyInterval(5, time(10), time(13)))  # Saturday
    return NewProvider(
        provider=Provider(
            None, name, ProviderType.DOCTOR, TZ,
            # A horizon past the data, so every queried day is really computed.
            settings=ProviderSettings(max_advance_days=400, min_notice_hours=2),
        ),
        weekly=tuple(weekly),
        overrides=overrides,
        appointment_types=(
            AppointmentType(None, None, "Consultation", 30),  # the type queried
            AppointmentType(None, None, "Quick check", 15),
        ),
    )


def main_overrides() -> tuple[ScheduleOverride, ...]:
    off, special = OverrideKind.UNAVAILABLE, OverrideKind.SPECIAL_HOURS
    vacation = [ScheduleOverride(date(2025, 8, 4) + timedelta(days=n), off) for n in range(12)]
    return (
        *vacation,
        ScheduleOverride(date(2024, 12, 24), special, time(9), time(12)),
        ScheduleOverride(date(2025, 10, 3), off),  # public holiday
        ScheduleOverride(date(2025, 7, 10), off, time(10), time(11)),  # timed block
        ScheduleOverride(date(2025, 12, 24), special, time(9), time(12)),
        ScheduleOverride(date(2026, 3, 14), special, time(9), time(15)),  # a long Saturday
        ScheduleOverride(date(2026, 3, 16), off, time(14), time(16)),
    )


def plan_rows(
    calendar: ProviderCalendar, type_ids: tuple[int, int], clients: list[int], count: int,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """``count`` non-overlapping appointments on a 15-minute grid inside working hours.

    Free grid positions are taken in random order (so bookings are spread over
    the two years, past and future alike); 20% last 30 minutes, the rest 15.
    Statuses: 75% CONFIRMED, 10% PENDING (both block slots), 15% CANCELLED.
    """
    tz = zone(calendar.provider.timezone)
    walls: list[datetime] = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        for wall_start, wall_end in intervals_for_date(calendar, day):
            wall = wall_start
            while wall + QUARTER <= wall_end:
                walls.append(wall)
                wall += QUARTER
        day += timedelta(days=1)
    taken = [False] * len(walls)
    order = list(range(len(walls)))
    rng.shuffle(order)
    rows: list[dict[str, Any]] = []
    for i in order:
        if len(rows) == count:
            break
        if taken[i]:
            continue
        long = (rng.random() < 0.2 and i + 1 < len(walls) and not taken[i + 1]
                and walls[i + 1] - walls[i] == QUARTER)
        taken[i] = True
        if long:
            taken[i + 1] = True
        start = start_instant(walls[i], tz)
        assert start is not None  # working hours never fall into a DST gap here
        status = rng.choices(["CONFIRMED", "PENDING", "CANCELLED"], [75, 10, 15])[0]
        rows.append({
            "provider_id": calendar.provider.id,
            "client_id": rng.choice(clients),
            "type_id": type_ids[0] if long else type_ids[1],
            "starts_at": start,
            "ends_at": start + (2 if long else 1) * QUARTER,
            "status": status,
            "created_at": start - timedelta(days=7),
            "cancelled_at": start - timedelta(days=1) if status == "CANCELLED" else None,
            "cancelled_by": "CLIENT" if status == "CANCELLED" else None,
            "late_cancel": False,
        })
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} grid positions for {count} appointments")
    return rows


async def seed(engine: AsyncEngine, main_rows: int, other_rows: int) -> tuple[int, int]:
    """Providers via the real use case; clients and appointments bulk-inserted for speed."""
    rng = random.Random(20250602)  # fixed: every run sees the same data
    uow = unit_of_work_factory(session_factory(engine), lambda: NOW)
    registered = [await register_provider(uow(), provider_data("Dr. Bench", main_overrides()))]
    registered += [await register_provider(uow(), provider_data(f"Other {n}")) for n in (1, 2)]
    calendars = [await _calendar(uow, provider.id) for provider, _ in registered]
    async with engine.begin() as connection:
        await connection.execute(insert(ClientRow), [
            {"telegram_user_id": 10_000 + n, "name": f"Client {n}", "created_at": NOW}
            for n in range(300)
        ])
        clients = list((await connection.execute(select(ClientRow.id))).scalars())
        for n, ((_, types), calendar) in enumerate(zip(registered, calendars)):
            rows = plan_rows(calendar, (types[0].id, types[1].id), clients,
                             main_rows if n == 0 else other_rows, rng)
            for chunk in range(0, len(rows), 2000):
                await connection.execute(insert(AppointmentRow), rows[chunk:chunk + 2000])
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))  # planner statistics, as a live database has
        await connection.commit()
    provider, types = registered[0]
    return provider.id, types[0].id


async def _calendar(make_uow: UowFactory, provider_id: int) -> ProviderCalendar:
    async with make_uow() as work:
        calendar = await work.providers.calendar(provider_id)
    assert calendar is not None
    return calendar
