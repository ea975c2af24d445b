"""Recurring sessions (issue #14): planning a series and the state of each occurrence.

Transitions used (2027), UTC instants written out by hand:
* Europe/Berlin: 03-28 02:00 CET -> 03:00 CEST; 10-31 03:00 CEST -> 02:00 CET.
  10:00 Berlin is 09:00Z in winter, 08:00Z in summer.
* America/New_York: 03-14 02:00 EST -> 03:00 EDT; 11-07 02:00 EDT -> 01:00 EST.
  09:00 New York is 14:00Z in winter, 13:00Z in summer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.series import (
    InvalidSeries,
    OccurrenceState,
    SeriesRequest,
    occurrence_starts,
    plan_series,
)
from tests.unit.builders import MON, SUN, WED, appt, block, busy, calendar, day, off, special, utc

BERLIN, NY = "Europe/Berlin", "America/New_York"
NOW = utc("2027-01-01T00:00")
FREE, TAKEN = OccurrenceState.FREE, OccurrenceState.TAKEN


def weekly(first: str, count: int | None = None, until: str | None = None, every: int = 1):
    return SeriesRequest(utc(first), every, count, day(until) if until else None)


def starts(request, tz=BERLIN, max_occurrences=12):
    return [p.start for p in occurrence_starts(request, tz, max_occurrences)]


def plan(cal, request, busy_periods=(), now=NOW, duration=60, max_occurrences=12):
    return plan_series(
        cal, appt(duration), list(busy_periods), request, now, max_occurrences=max_occurrences
    )


def states(occurrences):
    return [o.state for o in occurrences]


def berlin_mondays(**kwargs):
    return calendar(BERLIN, weekly=[(MON, "09:00", "17:00")], max_advance=400, **kwargs)


# Local time is stable across DST changes.


def test_berlin_10_00_stays_10_00_across_spring_forward():
    assert starts(weekly("2027-03-15T09:00", 4)) == [
        utc("2027-03-15T09:00"), utc("2027-03-22T09:00"),
        utc("2027-03-29T08:00"), utc("2027-04-05T08:00"),
    ]


def test_berlin_10_00_stays_10_00_across_fall_back():
    assert starts(weekly("2027-10-18T08:00", 4)) == [
        utc("2027-10-18T08:00"), utc("2027-10-25T08:00"),
        utc("2027-11-01T09:00"), utc("2027-11-08T09:00"),
    ]


def test_new_york_9_00_stays_9_00_across_spring_forward():
    assert starts(weekly("2027-03-03T14:00", 4), NY) == [
        utc("2027-03-03T14:00"), utc("2027-03-10T14:00"),
        utc("2027-03-17T13:00"), utc("2027-03-24T13:00"),
    ]


def test_new_york_9_00_stays_9_00_across_fall_back():
    assert starts(weekly("2027-10-27T13:00", 3), NY) == [
        utc("2027-10-27T13:00"), utc("2027-11-03T13:00"), utc("2027-11-10T14:00"),
    ]


def test_plan_across_dst_is_free_every_week_at_local_10_00():
    occurrences = plan(berlin_mondays(), weekly("2027-03-15T09:00", 4))
    assert states(occurrences) == [FREE] * 4
    assert [o.start.astimezone(ZoneInfo(BERLIN)).hour for o in occurrences] == [10] * 4
    assert [o.local_date for o in occurrences] == [
        day("2027-03-15"), day("2027-03-22"), day("2027-03-29"), day("2027-04-05")
    ]
    assert all(o.end - o.start == timedelta(minutes=60) for o in occurrences)


def test_occurrence_at_2_30_on_spring_forward_day_is_a_dst_gap():
    # Sundays 02:30 Berlin: 2027-03-28 has no 02:30.
    cal = calendar(BERLIN, weekly=[(SUN, "00:00", "06:00")], max_advance=400)
    occurrences = plan(cal, weekly("2027-03-21T01:30", 3), duration=30)
    assert [(o.local_date, o.start, o.end, o.state) for o in occurrences] == [
        (day("2027-03-21"), utc("2027-03-21T01:30"), utc("2027-03-21T02:00"), FREE),
        (day("2027-03-28"), None, None, OccurrenceState.DST_GAP),
        (day("2027-04-04"), utc("2027-04-04T00:30"), utc("2027-04-04T01:00"), FREE),
    ]


def test_new_york_2_30_on_spring_forward_day_is_a_dst_gap():
    planned = occurrence_starts(weekly("2027-03-07T07:30", 2), NY, 12)
    assert [(p.local_date, p.start, p.in_dst_gap) for p in planned] == [
        (day("2027-03-07"), utc("2027-03-07T07:30"), False),
        (day("2027-03-14"), None, True),
    ]


def test_repeated_wall_time_on_fall_back_day_means_its_first_reading():
    # 02:30 Berlin happens twice on 2027-10-31: 00:30Z (CEST), then 01:30Z (CET).
    assert starts(weekly("2027-10-24T00:30", 3)) == [
        utc("2027-10-24T00:30"), utc("2027-10-31T00:30"), utc("2027-11-07T01:30"),
    ]


def test_first_start_on_the_second_reading_of_a_repeated_time_is_outside_hours():
    cal = calendar(BERLIN, weekly=[(SUN, "00:00", "06:00")], max_advance=400)
    occurrences = plan(cal, weekly("2027-10-31T01:30", 2), duration=30)
    assert occurrences[0].start == utc("2027-10-31T01:30")  # kept as asked
    assert states(occurrences) == [OccurrenceState.OUTSIDE_HOURS, FREE]


# Every 1, 2 or 4 weeks; a count or an end date.


def test_every_two_weeks():
    assert starts(weekly("2027-01-04T09:00", 3, every=2)) == [
        utc("2027-01-04T09:00"), utc("2027-01-18T09:00"), utc("2027-02-01T09:00"),
    ]


def test_every_four_weeks_across_spring_forward():
    assert starts(weekly("2027-03-01T09:00", 3, every=4)) == [
        utc("2027-03-01T09:00"), utc("2027-03-29T08:00"), utc("2027-04-26T08:00"),
    ]


def test_until_date_is_inclusive():
    assert starts(weekly("2027-01-04T09:00", until="2027-01-18")) == [
        utc("2027-01-04T09:00"), utc("2027-01-11T09:00"), utc("2027-01-18T09:00"),
    ]
    assert len(starts(weekly("2027-01-04T09:00", until="2027-01-17"))) == 2


def test_until_is_a_provider_local_date():
    # 23:30Z on 01-03 is 00:30 on Monday 01-04 in Berlin: weeks count from 01-04.
    planned = occurrence_starts(weekly("2027-01-03T23:30", until="2027-01-11"), BERLIN, 12)
    assert [p.local_date for p in planned] == [day("2027-01-04"), day("2027-01-11")]


def test_first_start_in_another_offset_is_kept_as_utc():
    request = SeriesRequest(datetime.fromisoformat("2027-01-04T10:00+01:00"), 1, 2)
    assert request.first_start == utc("2027-01-04T09:00")
    assert request.first_start.utcoffset() == timedelta(0)


# The state of each occurrence.


def test_week_holding_a_booking_is_taken_and_the_others_free():
    booked = busy("2027-01-11T09:30", 30)
    occurrences = plan(berlin_mondays(), weekly("2027-01-04T09:00", 3), [booked])
    assert states(occurrences) == [FREE, TAKEN, FREE]


def test_booking_within_the_buffer_takes_the_occurrence():
    cal = berlin_mondays(buffer=15)
    # 09:00 Berlin is 08:00Z; the booking ends at 07:50Z, 10 minutes before.
    ends_ten_minutes_before = busy("2027-01-11T07:20", 30)
    occurrences = plan(cal, weekly("2027-01-04T08:00", 2), [ends_ten_minutes_before])
    assert states(occurrences) == [FREE, TAKEN]


def test_calendar_feed_busy_time_takes_the_occurrence():
    feed_busy = busy("2027-01-04T08:00", 240, type_id=None)
    occurrences = plan(berlin_mondays(), weekly("2027-01-04T09:00", 2), [feed_busy])
    assert states(occurrences) == [TAKEN, FREE]


def test_whole_day_off_is_a_day_off():
    cal = berlin_mondays(overrides=[off("2027-01-11")])
    assert states(plan(cal, weekly("2027-01-04T09:00", 3))) == [FREE, OccurrenceState.DAY_OFF, FREE]


def test_weekday_without_hours_is_a_day_off():
    cal = calendar(BERLIN, weekly=[(WED, "09:00", "17:00")], max_advance=400)
    assert states(plan(cal, weekly("2027-01-04T09:00", 2))) == [OccurrenceState.DAY_OFF] * 2


def test_partial_block_over_the_occurrence_is_blocked():
    cal = berlin_mondays(overrides=[block("2027-01-18", "10:30", "12:00")])
    assert states(plan(cal, weekly("2027-01-04T09:00", 3))) == [FREE, FREE, OccurrenceState.BLOCKED]


def test_partial_block_elsewhere_that_day_leaves_it_free():
    cal = berlin_mondays(overrides=[block("2027-01-18", "14:00", "15:00")])
    assert states(plan(cal, weekly("2027-01-04T09:00", 3))) == [FREE] * 3


def test_special_hours_not_covering_the_time_are_outside_hours():
    cal = berlin_mondays(overrides=[special("2027-01-11", "13:00", "17:00")])
    assert states(plan(cal, weekly("2027-01-04T09:00", 2))) == [FREE, OccurrenceState.OUTSIDE_HOURS]


def test_time_off_the_slot_grid_is_outside_hours():
    # Hours from 09:00 with 60-minute slots: 10:30 is never a start.
    occurrences = plan(berlin_mondays(), weekly("2027-01-04T09:30", 2))
    assert states(occurrences) == [OccurrenceState.OUTSIDE_HOURS] * 2


def test_occurrences_after_the_maximum_advance_are_beyond_the_horizon():
    cal = calendar(BERLIN, weekly=[(MON, "09:00", "17:00")], max_advance=14)
    # Local today 2027-01-01: the last bookable date is 2027-01-15.
    occurrences = plan(cal, weekly("2027-01-04T09:00", 4))
    beyond = OccurrenceState.BEYOND_HORIZON
    assert states(occurrences) == [FREE, FREE, beyond, beyond]


def test_occurrence_inside_the_minimum_notice_is_too_soon():
    cal = berlin_mondays(min_notice=48)
    occurrences = plan(cal, weekly("2027-01-04T09:00", 3), now=utc("2027-01-03T09:00"))
    assert states(occurrences) == [OccurrenceState.TOO_SOON, FREE, FREE]


def test_past_first_start_is_too_soon():
    occurrences = plan(berlin_mondays(), weekly("2027-01-04T09:00", 2), now=utc("2027-01-05T00:00"))
    assert states(occurrences) == [OccurrenceState.TOO_SOON, FREE]


def test_group_session_with_a_seat_left_is_free():
    occurrences = plan_series(
        berlin_mondays(), appt(60, seats=3), [busy("2027-01-04T09:00")] * 2,
        weekly("2027-01-04T09:00", 2), NOW, max_occurrences=12,
    )
    assert states(occurrences) == [FREE, FREE]


# Validation.


@pytest.mark.parametrize("every", [0, 3, 5, 8, True])
def test_refuses_an_interval_other_than_1_2_or_4_weeks(every):
    with pytest.raises(InvalidSeries, match="every 1, 2 or 4 weeks"):
        SeriesRequest(utc("2027-01-04T09:00"), every, 3)


def test_refuses_both_a_count_and_an_end_date():
    with pytest.raises(InvalidSeries, match="exactly one"):
        SeriesRequest(utc("2027-01-04T09:00"), 1, 3, day("2027-02-01"))


def test_refuses_neither_a_count_nor_an_end_date():
    with pytest.raises(InvalidSeries, match="exactly one"):
        SeriesRequest(utc("2027-01-04T09:00"), 1)


@pytest.mark.parametrize("count", [-1, 0, 1])
def test_refuses_fewer_than_two_occurrences(count):
    with pytest.raises(InvalidSeries, match="at least 2"):
        SeriesRequest(utc("2027-01-04T09:00"), 1, count)


def test_refuses_a_naive_first_start():
    with pytest.raises(InvalidSeries, match="timezone-aware"):
        SeriesRequest(datetime(2027, 1, 4, 9), 1, 3)


def test_invalid_series_is_a_value_error():
    assert issubclass(InvalidSeries, ValueError)


def test_count_up_to_the_maximum_is_allowed_and_one_more_refused():
    assert len(starts(weekly("2027-01-04T09:00", 12))) == 12
    assert len(starts(weekly("2027-01-04T09:00", 6), max_occurrences=6)) == 6
    with pytest.raises(InvalidSeries, match="at most 12"):
        starts(weekly("2027-01-04T09:00", 13))
    with pytest.raises(InvalidSeries, match="at most 6"):
        plan(berlin_mondays(), weekly("2027-01-04T09:00", 7), max_occurrences=6)


@pytest.mark.parametrize("until", ["2027-01-04", "2027-01-03"])
def test_refuses_an_end_date_not_after_the_first_date(until):
    with pytest.raises(InvalidSeries, match="not after the first date"):
        starts(weekly("2027-01-04T09:00", until=until))


def test_refuses_an_end_date_before_the_second_occurrence():
    with pytest.raises(InvalidSeries, match="no second occurrence"):
        starts(weekly("2027-01-04T09:00", until="2027-01-31", every=4))


def test_refuses_an_end_date_giving_more_than_the_maximum_and_names_the_latest():
    assert len(starts(weekly("2027-01-04T09:00", until="2027-03-22"))) == 12
    with pytest.raises(InvalidSeries, match="until 2027-03-22 at the latest"):
        starts(weekly("2027-01-04T09:00", until="2027-03-29"))


def test_refuses_a_type_that_allows_no_series():
    with pytest.raises(InvalidSeries, match="cannot be booked as a series"):
        starts(weekly("2027-01-04T09:00", 2), max_occurrences=1)


def test_plan_refuses_a_naive_now():
    with pytest.raises(ValueError, match="naive"):
        plan(berlin_mondays(), weekly("2027-01-04T09:00", 2), now=datetime(2027, 1, 1))
