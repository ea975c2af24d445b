"""``is_offered`` (rule 8) gives exactly the answer of looking the start up among the slots.

``is_offered`` decides one start without listing its days (a booking asks it
inside the provider's lock); these properties pin it to the slow definition,
``start in slots_between(start, start + 1 µs)``, over random calendars with
overrides, DST dates and max-advance horizons, for offered, taken and forged starts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.availability import is_offered, slots_between
from core.model import OverrideKind, ScheduleOverride
from tests.unit.builders import SUN, appt, calendar, utc
from tests.unit.test_availability_properties import PROPERTY_SETTINGS, scenarios


def offered_slowly(cal, kind, busy, start, now) -> bool:
    return start in slots_between(cal, kind, busy, start, start + timedelta(microseconds=1), now)


@st.composite
def with_overrides(draw):
    cal, kind, busy, on, now = draw(scenarios(seats=st.integers(1, 3)))
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        when = on + timedelta(days=draw(st.integers(-1, 1)))
        kind_of = draw(st.sampled_from(list(OverrideKind)))
        if draw(st.booleans()) and kind_of is OverrideKind.UNAVAILABLE:
            overrides.append(ScheduleOverride(when, kind_of))  # the whole date
            continue
        first, last = draw(st.integers(0, 287)) * 5, draw(st.integers(0, 287)) * 5
        overrides.append(ScheduleOverride(
            when, kind_of, time(first // 60, first % 60), time(last // 60, last % 60)
        ))
    horizon = draw(st.integers(0, 3))  # days ahead: some starts lie beyond it
    settings = replace(cal.provider.settings, max_advance_days=horizon)
    cal = replace(cal, overrides=tuple(overrides),
                  provider=replace(cal.provider, settings=settings))
    return cal, kind, busy, on, now


@PROPERTY_SETTINGS
@given(with_overrides(), st.data())
def test_is_offered_agrees_with_the_slot_list_for_every_start(scenario, data):
    cal, kind, busy, on, now = scenario
    midnight = datetime.combine(on, time(0), UTC)
    # The slots around the date (all offered) and grid points near them (most not).
    offered = slots_between(cal, kind, busy, midnight - timedelta(days=1), midnight + timedelta(days=2), now)
    for start in offered:
        assert is_offered(cal, kind, busy, start, now)
    probes = data.draw(st.lists(st.integers(-36 * 60, 60 * 60), max_size=25))
    forged = data.draw(st.lists(st.integers(1, 59 * 10**6), max_size=3))
    for minutes in probes:
        start = midnight + timedelta(minutes=minutes)
        assert is_offered(cal, kind, busy, start, now) == offered_slowly(cal, kind, busy, start, now)
    for micro in forged:
        start = (offered[0] if offered else midnight) + timedelta(microseconds=micro)
        assert is_offered(cal, kind, busy, start, now) == offered_slowly(cal, kind, busy, start, now)


def test_the_second_reading_of_a_repeated_wall_time_is_not_offered():
    # Berlin falls back at 03:00 CEST on 2026-10-25: 02:00-02:59 happen twice and
    # mean their first occurrence (rule 3); 01:00 UTC reads 02:00 again.
    cal = calendar("Europe/Berlin", weekly=[(SUN, "01:00", "04:00")], max_advance=400)
    now = utc("2026-10-01T00:00")
    for text, offered in (("2026-10-25T00:00", True), ("2026-10-25T01:00", False),
                          ("2026-10-25T01:30", False), ("2026-10-25T02:00", True)):
        start = utc(text)
        assert is_offered(cal, appt(30), [], start, now) is offered
        assert offered_slowly(cal, appt(30), [], start, now) is offered
