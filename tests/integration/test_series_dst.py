"""Series across DST changes, booked and read back on SQLite and PostgreSQL (issue #14).

2027: Europe/Berlin springs forward on 28 March (02:00 CET -> 03:00 CEST) and falls
back on 31 October (03:00 CEST -> 02:00 CET); America/New_York on 14 March (02:00
EST -> 03:00 EDT) and 7 November (02:00 EDT -> 01:00 EST). All Sundays. The local
time of every occurrence stays; its UTC instant moves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clients import get_or_create_client
from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    SeriesBookedBy,
    WeeklyInterval,
)
from core.providers import register_provider
from core.series import SeriesRequest
from core.series_booking import book_series

SUNDAY = 6
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


def sunday_provider(zone: str, opens: time, closes: time) -> NewProvider:
    return NewProvider(
        provider=Provider(
            None, "Sunday tutor", ProviderType.TUTOR, zone,
            settings=ProviderSettings(max_advance_days=400),
        ),
        weekly=(WeeklyInterval(SUNDAY, opens, closes),),
        appointment_types=(
            AppointmentType(None, None, "Lesson", 30, allow_series=True, max_series_occurrences=52),
        ),
    )


async def _book(uow, zone: str, opens: time, closes: time, first: datetime, count: int):
    provider, (lesson,) = await register_provider(uow(), sunday_provider(zone, opens, closes))
    client = await get_or_create_client(uow(), 8000)
    outcome = await book_series(
        uow(), provider_id=provider.id, type_id=lesson.id, client_id=client.id,
        request=SeriesRequest(first, 1, count=count), now=NOW, by=SeriesBookedBy.CLIENT,
    )
    async with uow() as unit:  # read back: what the database holds
        stored = await unit.series.occurrences(outcome.series.id)
        series = await unit.series.get(outcome.series.id)
    return outcome, stored, series


def _sundays(first: date, count: int) -> list[date]:
    return [first + timedelta(weeks=n) for n in range(count)]


@pytest.mark.parametrize(
    ("zone", "wall", "first_sunday", "summer", "winter"),
    [
        # Berlin 10:00: 09:00Z in winter, 08:00Z in summer.
        ("Europe/Berlin", time(10), date(2027, 3, 14), (date(2027, 3, 28), date(2027, 10, 24)), 9),
        # New York 09:00: 14:00Z in winter, 13:00Z in summer.
        (
            "America/New_York", time(9), date(2027, 3, 7),
            (date(2027, 3, 14), date(2027, 10, 31)), 14,
        ),
    ],
)
async def test_weekly_series_keeps_its_local_time_across_spring_and_autumn(
    uow, zone, wall, first_sunday, summer, winter
):
    tz = ZoneInfo(zone)
    first = datetime.combine(first_sunday, wall, tz).astimezone(UTC)
    outcome, stored, _ = await _book(uow, zone, time(8), time(12), first, 36)

    assert outcome.skipped == ()
    days = _sundays(first_sunday, 36)
    assert [a.start.astimezone(tz).date() for a in stored] == days
    assert all(a.start.astimezone(tz).time() == wall for a in stored)
    expected_utc_hours = [winter - 1 if summer[0] <= d <= summer[1] else winter for d in days]
    assert [a.start.astimezone(UTC).hour for a in stored] == expected_utc_hours
    assert [a.start for a in stored] == [a.start for a in outcome.appointments]
    assert all(a.end - a.start == timedelta(minutes=30) for a in stored)
    assert days[0] < summer[0] and summer[1] < days[-1]  # both changes are crossed


@pytest.mark.parametrize(
    ("zone", "change"),
    [("Europe/Berlin", date(2027, 3, 28)), ("America/New_York", date(2027, 3, 14))],
)
async def test_an_occurrence_in_the_spring_gap_is_skipped_as_dst_gap(uow, zone, change):
    tz = ZoneInfo(zone)
    first_sunday = change - timedelta(weeks=2)
    first = datetime.combine(first_sunday, time(2, 30), tz).astimezone(UTC)
    # Hours around the gap: 01:00-05:00 local every Sunday; 02:30 is on the grid.
    outcome, stored, series = await _book(uow, zone, time(1), time(5), first, 4)

    assert [a.start.astimezone(tz).date() for a in stored] == [
        first_sunday, first_sunday + timedelta(weeks=1), change + timedelta(weeks=1),
    ]
    assert all(a.start.astimezone(tz).time() == time(2, 30) for a in stored)
    (gap,) = outcome.skipped
    assert (gap.local_date, gap.reason) == (change, "DST_GAP")
    # Reported as 02:30 read with the offset before the change.
    before = datetime.combine(change, time(2, 30)).replace(tzinfo=tz)
    assert gap.start == before.astimezone(UTC)
    assert series.skipped == outcome.skipped  # as stored


async def test_a_wall_time_repeated_in_autumn_is_booked_at_its_first_reading(uow):
    tz = ZoneInfo("Europe/Berlin")
    change = date(2027, 10, 31)
    first = datetime.combine(change - timedelta(weeks=1), time(2, 30), tz).astimezone(UTC)
    outcome, stored, _ = await _book(uow, "Europe/Berlin", time(1), time(5), first, 3)

    assert outcome.skipped == ()
    assert [a.start for a in stored] == [
        datetime(2027, 10, 24, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first of two
        datetime(2027, 11, 7, 1, 30, tzinfo=UTC),  # 02:30 CET
    ]
