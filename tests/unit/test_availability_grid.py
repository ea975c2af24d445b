"""The fast walk over an interval's starts equals the wall-clock walk, in every zone.

``core.availability._grid`` steps in UTC when an interval keeps one UTC offset
from start to end, and converts every wall time otherwise. Compared here with
the plain walk (convert each wall time, skip those in a DST gap) over zones
with the odd rules: half-hour DST (Lord Howe), DST suspended for Ramadan
(Casablanca), southern-hemisphere DST, 45-minute offsets, and plain ones.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from core.availability import _grid
from core.localtime import end_instant, start_instant

ZONES = [
    "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
    "Africa/Casablanca", "Pacific/Chatham", "Asia/Kathmandu", "America/Santiago",
    "Europe/Dublin", "Asia/Tehran", "America/Havana", "Pacific/Apia", "UTC",
]


def _walk(wall_start: datetime, wall_end: datetime, step: timedelta, tz: ZoneInfo) -> list[datetime]:
    found, wall = [], wall_start
    while wall < wall_end:
        start = start_instant(wall, tz)
        wall += step
        if start is not None:
            found.append(start)
    return found


@settings(max_examples=600, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31)),
    start_minutes=st.integers(0, 24 * 60 - 1),
    length_minutes=st.integers(1, 24 * 60),
    step_minutes=st.sampled_from([5, 15, 20, 25, 30, 45, 60, 90]),
)
def test_the_grid_is_the_wall_clock_walk(zone, day, start_minutes, length_minutes, step_minutes):
    tz = ZoneInfo(zone)
    wall_start = datetime.combine(day, time(0)) + timedelta(minutes=start_minutes)
    wall_end = wall_start + timedelta(minutes=length_minutes)
    step = timedelta(minutes=step_minutes)
    limit = end_instant(wall_end, tz)
    assert list(_grid(wall_start, wall_end, limit, step, tz)) == _walk(wall_start, wall_end, step, tz)


def test_every_transition_day_of_these_zones_walks_the_same():
    # Hypothesis may miss the few transition days: walk each of them, every hour.
    step = timedelta(minutes=30)
    for zone in ZONES:
        tz = ZoneInfo(zone)
        day = date(2026, 1, 1)
        while day < date(2028, 1, 1):
            before = datetime.combine(day, time(0)).replace(tzinfo=tz).utcoffset()
            after = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=tz).utcoffset()
            if before != after:
                for hour in range(24):
                    wall_start = datetime.combine(day, time(hour))
                    wall_end = wall_start + timedelta(hours=8)
                    limit = end_instant(wall_end, tz)
                    assert list(_grid(wall_start, wall_end, limit, step, tz)) == _walk(
                        wall_start, wall_end, step, tz
                    ), (zone, wall_start)
            day += timedelta(days=1)
