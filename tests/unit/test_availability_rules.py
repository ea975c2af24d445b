"""The availability contract (issue #3), one rule at a time, with hand-computed UTC lists.

Dates used: 2026-11-30 is a Monday, 2026-12-01 a Tuesday. Unless a test says
otherwise the provider is in UTC, ``now`` is 2026-11-25T12:00Z and the horizon
(60 days) is far away.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from core.availability import (
    DayStatus, availability_for_dates, available_slots, is_offered, slots_between,
)
from core.model import AppointmentStatus
from tests.unit.builders import (
    MON, TUE, WED, appt, block, busy, calendar, day, off, special, utc, utcs,
)

NOW = utc("2026-11-25T12:00")
TUESDAY = day("2026-12-01")
MONDAY = day("2026-11-30")
MORNING = [(TUE, "09:00", "12:00")]
DAILY_NINE = [(d, "09:00", "10:00") for d in range(7)]


def tue(*times: str):
    """UTC instants on 2026-12-01 (a Tuesday, the date most tests query)."""
    return [utc(f"2026-12-01T{t}") for t in times]


def slots(cal, busy_periods=(), on=TUESDAY, duration=60, seats=1, now=NOW):
    return available_slots(cal, appt(duration, seats), list(busy_periods), on, now)


# Rule 1: weekly hours are local wall-clock intervals; end <= start runs past midnight.


def test_weekly_hours_are_wall_clock_in_provider_zone():
    cal = calendar("America/New_York", weekly=MORNING)  # EST, UTC-5
    assert slots(cal) == tue("14:00", "15:00", "16:00")


def test_several_intervals_on_one_weekday_are_all_offered():
    cal = calendar(weekly=[(TUE, "14:00", "16:00"), (TUE, "09:00", "11:00")])
    assert slots(cal) == tue("09:00", "10:00", "14:00", "15:00")


def test_interval_of_another_weekday_offers_nothing():
    assert slots(calendar(weekly=[(WED, "09:00", "12:00")])) == []


def test_interval_ending_before_its_start_runs_past_midnight():
    cal = calendar(weekly=[(TUE, "22:00", "02:00")])
    assert slots(cal) == utcs(
        "2026-12-01T22:00", "2026-12-01T23:00", "2026-12-02T00:00", "2026-12-02T01:00"
    )


def test_interval_ending_exactly_at_midnight_runs_to_next_midnight():
    cal = calendar(weekly=[(TUE, "22:00", "00:00")])
    assert slots(cal) == tue("22:00", "23:00")


# Rule 2: an interval belongs to the date it starts on; overrides act on that date.


def test_previous_dates_overnight_tail_is_not_returned_for_the_next_date():
    cal = calendar(weekly=[(MON, "22:00", "02:00")])
    assert slots(cal, on=TUESDAY) == []
    assert slots(cal, on=MONDAY) == utcs(
        "2026-11-30T22:00", "2026-11-30T23:00", "2026-12-01T00:00", "2026-12-01T01:00"
    )


def test_slots_between_finds_previous_dates_overnight_tail():
    cal = calendar(weekly=[(MON, "22:00", "02:00")])
    found = slots_between(
        cal, appt(60), [], utc("2026-12-01T00:00"), utc("2026-12-02T00:00"), NOW
    )
    assert found == tue("00:00", "01:00")


def test_special_hours_replace_the_weekly_hours_of_their_date():
    cal = calendar(weekly=MORNING, overrides=[special("2026-12-01", "14:00", "16:00")])
    assert slots(cal) == tue("14:00", "15:00")


def test_several_special_hours_entries_all_apply():
    cal = calendar(
        weekly=MORNING,
        overrides=[special("2026-12-01", "13:00", "14:00"),
                   special("2026-12-01", "08:00", "09:00")],
    )
    assert slots(cal) == tue("08:00", "13:00")


def test_special_hours_open_a_date_without_weekly_hours():
    cal = calendar(weekly=MORNING, overrides=[special("2026-12-02", "10:00", "12:00")])
    assert slots(cal, on=day("2026-12-02")) == utcs("2026-12-02T10:00", "2026-12-02T11:00")


def test_special_hours_leave_other_dates_alone():
    cal = calendar(weekly=MORNING, overrides=[special("2026-12-08", "14:00", "15:00")])
    assert slots(cal) == tue("09:00", "10:00", "11:00")


def test_overnight_special_hours_belong_to_their_date():
    cal = calendar(overrides=[special("2026-12-01", "23:00", "01:00")])
    assert slots(cal) == utcs("2026-12-01T23:00", "2026-12-02T00:00")
    assert slots(cal, on=day("2026-12-02")) == []


def test_whole_day_unavailable_removes_the_date():
    assert slots(calendar(weekly=MORNING, overrides=[off("2026-12-01")])) == []


def test_whole_day_unavailable_wins_over_special_hours():
    cal = calendar(
        weekly=MORNING,
        overrides=[special("2026-12-01", "14:00", "16:00"), off("2026-12-01")],
    )
    assert slots(cal) == []


def test_whole_day_unavailable_removes_the_dates_overnight_tail_too():
    cal = calendar(weekly=[(MON, "22:00", "02:00")], overrides=[off("2026-11-30")])
    assert slots(cal, on=MONDAY) == []
    found = slots_between(
        cal, appt(60), [], utc("2026-11-30T00:00"), utc("2026-12-02T00:00"), NOW
    )
    assert found == []


def test_next_dates_overrides_do_not_touch_previous_dates_overnight_tail():
    cal = calendar(
        weekly=[(MON, "22:00", "02:00")],
        overrides=[off("2026-12-01"), block("2026-12-01", "00:00", "02:00")],
    )
    assert slots(cal, on=MONDAY) == utcs(
        "2026-11-30T22:00", "2026-11-30T23:00", "2026-12-01T00:00", "2026-12-01T01:00"
    )


def test_timed_unavailable_blocks_only_overlapping_slots():
    cal = calendar(weekly=[(TUE, "09:00", "13:00")],
                   overrides=[block("2026-12-01", "10:30", "11:00")])
    assert slots(cal) == tue("09:00", "11:00", "12:00")


def test_slots_touching_a_block_edge_are_offered():
    cal = calendar(weekly=[(TUE, "09:00", "13:00")],
                   overrides=[block("2026-12-01", "10:00", "11:00")])
    assert slots(cal) == tue("09:00", "11:00", "12:00")


def test_several_blocks_and_special_hours_combine():
    cal = calendar(
        weekly=MORNING,
        overrides=[
            special("2026-12-01", "08:00", "14:00"),
            block("2026-12-01", "09:00", "10:00"),
            block("2026-12-01", "12:30", "12:45"),
        ],
    )
    assert slots(cal) == tue("08:00", "10:00", "11:00", "13:00")


# Rule 3: candidates step by duration + buffer; slots end by the interval's end.


def test_candidates_step_by_duration_plus_buffer():
    cal = calendar(weekly=MORNING, buffer=15)
    assert slots(cal, duration=45) == tue("09:00", "10:00", "11:00")


def test_candidates_step_by_duration_without_buffer():
    assert slots(calendar(weekly=MORNING), duration=45) == tue("09:00", "09:45", "10:30", "11:15")


def test_slot_ending_exactly_at_interval_end_is_offered():
    cal = calendar(weekly=[(TUE, "09:00", "11:00")])
    assert slots(cal) == tue("09:00", "10:00")


def test_slot_running_past_interval_end_is_not_offered():
    cal = calendar(weekly=[(TUE, "09:00", "11:30")])
    assert slots(cal) == tue("09:00", "10:00")


def test_buffer_need_not_fit_before_interval_end():
    cal = calendar(weekly=[(TUE, "09:00", "10:00")], buffer=30)
    assert slots(cal) == tue("09:00")


def test_interval_shorter_than_duration_offers_nothing():
    assert slots(calendar(weekly=[(TUE, "09:00", "09:45")])) == []


def test_steps_restart_at_each_interval_start():
    cal = calendar(weekly=[(TUE, "09:00", "10:00"), (TUE, "10:15", "11:15")])
    assert slots(cal, duration=30) == tue("09:00", "09:30", "10:15", "10:45")


# Rule 4: active bookings block, widened by the buffer on both sides.


def test_only_pending_and_confirmed_appointments_are_active():
    active = {s for s in AppointmentStatus if s.is_active}
    assert active == {AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED}


def test_booking_blocks_its_slot_but_not_touching_neighbours():
    cal = calendar(weekly=MORNING)
    assert slots(cal, [busy("2026-12-01T10:00")]) == tue("09:00", "11:00")


def test_booking_off_the_grid_blocks_every_slot_it_overlaps():
    cal = calendar(weekly=MORNING)
    assert slots(cal, [busy("2026-12-01T09:30")]) == tue("11:00")


def test_booking_of_another_type_blocks():
    cal = calendar(weekly=MORNING)
    assert slots(cal, [busy("2026-12-01T10:00", type_id=2)]) == tue("09:00", "11:00")


def test_booking_touching_exactly_at_buffer_edge_is_allowed():
    # Step 90: 08:00, 09:30, 11:00, 12:30; the booking 11:00-12:00 widened to 10:30-12:30.
    cal = calendar(weekly=[(TUE, "08:00", "14:00")], buffer=30)
    assert slots(cal, [busy("2026-12-01T11:00", type_id=2)]) == tue("08:00", "09:30", "12:30")


def test_buffer_widens_booking_on_both_sides():
    # The booking 10:45-11:45 widened to 10:15-12:15 hits 09:30-10:30 and 11:00-12:00.
    cal = calendar(weekly=[(TUE, "08:00", "14:00")], buffer=30)
    assert slots(cal, [busy("2026-12-01T10:45", type_id=2)]) == tue("08:00", "12:30")


def test_booking_outside_working_hours_still_blocks_through_buffer():
    cal = calendar(weekly=MORNING, buffer=30)  # step 90: 09:00, 10:30
    assert slots(cal, [busy("2026-12-01T07:45", 60, type_id=2)]) == tue("10:30")


# Rule 5: group types share one start between up to max_participants bookings.


def test_group_slot_stays_offered_while_seats_remain():
    cal = calendar(weekly=MORNING)
    taken = [busy("2026-12-01T10:00"), busy("2026-12-01T10:00")]
    assert slots(cal, taken, seats=3) == tue("09:00", "10:00", "11:00")


def test_group_slot_disappears_when_full():
    cal = calendar(weekly=MORNING)
    taken = [busy("2026-12-01T10:00")] * 3
    assert slots(cal, taken, seats=3) == tue("09:00", "11:00")


def test_group_booking_of_another_type_at_same_start_conflicts():
    cal = calendar(weekly=MORNING)
    assert slots(cal, [busy("2026-12-01T10:00", type_id=2)], seats=3) == tue("09:00", "11:00")


def test_group_booking_of_same_type_at_other_start_conflicts():
    cal = calendar(weekly=MORNING)
    assert slots(cal, [busy("2026-12-01T10:30")], seats=3) == tue("09:00")


def test_group_booking_shares_its_start_and_buffer_still_spares_neighbours():
    cal = calendar(weekly=[(TUE, "09:00", "13:00")], buffer=30)  # 09:00, 10:30, 12:00
    assert slots(cal, [busy("2026-12-01T10:30")], seats=2) == tue("09:00", "10:30", "12:00")


# Rule 6: min notice and the booking horizon.


def test_start_exactly_at_min_notice_is_offered():
    cal = calendar(weekly=MORNING, min_notice=2)
    assert slots(cal, now=utc("2026-12-01T07:00")) == tue("09:00", "10:00", "11:00")


def test_start_just_before_min_notice_is_not_offered():
    cal = calendar(weekly=MORNING, min_notice=2)
    assert slots(cal, now=utc("2026-12-01T07:00:01")) == tue("10:00", "11:00")


def test_past_starts_are_not_offered():
    assert slots(calendar(weekly=MORNING), now=utc("2026-12-01T10:30")) == tue("11:00")


def test_last_date_of_horizon_is_offered_and_next_is_not():
    cal = calendar(weekly=DAILY_NINE, max_advance=6)
    assert slots(cal, on=day("2026-12-01")) == tue("09:00")
    assert slots(cal, on=day("2026-12-02")) == []


def test_overnight_tail_of_last_horizon_date_is_offered():
    cal = calendar(weekly=[(d, "22:00", "02:00") for d in range(7)], max_advance=6)
    assert slots(cal, on=day("2026-12-01")) == utcs(
        "2026-12-01T22:00", "2026-12-01T23:00", "2026-12-02T00:00", "2026-12-02T01:00"
    )
    found = slots_between(
        cal, appt(60), [], utc("2026-12-02T00:00"), utc("2026-12-03T06:00"), NOW
    )
    assert found == utcs("2026-12-02T00:00", "2026-12-02T01:00")


def test_horizon_counts_from_provider_local_today_behind_utc():
    # 2026-11-26T03:00Z is 2026-11-25 22:00 in New York: last date 2026-12-01.
    cal = calendar("America/New_York", weekly=DAILY_NINE, max_advance=6)
    now = utc("2026-11-26T03:00")
    assert slots(cal, on=day("2026-12-01"), now=now) == tue("14:00")
    assert slots(cal, on=day("2026-12-02"), now=now) == []


def test_horizon_counts_from_provider_local_today_ahead_of_utc():
    # 2026-11-25T20:00Z is 2026-11-26 01:30 in Kolkata: last date 2026-12-02.
    cal = calendar("Asia/Kolkata", weekly=DAILY_NINE, max_advance=6)
    now = utc("2026-11-25T20:00")
    assert slots(cal, on=day("2026-12-02"), now=now) == utcs("2026-12-02T03:30")
    assert slots(cal, on=day("2026-12-03"), now=now) == []


# Rule 7: UTC instants, sorted, unique.


def test_overlapping_weekly_intervals_give_unique_sorted_slots():
    cal = calendar(weekly=[(TUE, "10:00", "12:00"), (TUE, "09:00", "12:00"),
                           (TUE, "09:00", "11:00")])
    result = slots(cal)
    assert result == tue("09:00", "10:00", "11:00")
    assert all(s.utcoffset() == timedelta(0) for s in result)


def test_overlapping_intervals_on_different_grids_interleave_sorted():
    cal = calendar(weekly=[(TUE, "09:30", "11:30"), (TUE, "09:00", "11:00")])
    assert slots(cal) == tue("09:00", "09:30", "10:00", "10:30")


def test_results_are_utc_for_a_non_utc_provider():
    result = slots(calendar("Asia/Kolkata", weekly=MORNING))
    assert result == tue("03:30", "04:30", "05:30")
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in result)
    assert [s.astimezone(UTC) for s in result] == result


# Day status.


def test_day_status_open_fully_booked_and_closed():
    cal = calendar(
        weekly=[(d, "09:00", "11:00") for d in (MON, TUE, WED)],
        overrides=[off("2026-12-02")],
        max_advance=14,
    )
    full = [busy("2026-11-30T09:00"), busy("2026-11-30T10:00", type_id=2)]
    days = [day("2026-11-30"), day("2026-12-01"), day("2026-12-02"), day("2026-12-03"),
            day("2026-12-09"), day("2026-12-10")]
    result = availability_for_dates(cal, appt(60), full, days, NOW)
    assert [(r.date, r.status) for r in result] == [
        (day("2026-11-30"), DayStatus.FULLY_BOOKED),  # hours, all taken
        (day("2026-12-01"), DayStatus.OPEN),
        (day("2026-12-02"), DayStatus.CLOSED),  # whole day unavailable
        (day("2026-12-03"), DayStatus.CLOSED),  # Thursday: no hours
        (day("2026-12-09"), DayStatus.OPEN),  # last date: 2026-11-25 + 14
        (day("2026-12-10"), DayStatus.CLOSED),  # beyond the horizon
    ]
    assert result[0].slots == ()
    assert list(result[1].slots) == tue("09:00", "10:00")
    assert result[2].slots == result[3].slots == result[5].slots == ()


def test_fully_booked_group_day_and_past_day_status():
    cal = calendar(weekly=[(MON, "09:00", "10:00"), (TUE, "09:00", "10:00")])
    full = [busy("2026-11-30T09:00")] * 2
    result = availability_for_dates(
        cal, appt(60, seats=2), full, [day("2026-11-30"), day("2026-11-24")], NOW
    )
    assert [(r.date, r.status) for r in result] == [
        (day("2026-11-24"), DayStatus.CLOSED),  # in the past
        (day("2026-11-30"), DayStatus.FULLY_BOOKED),
    ]


# is_offered.


def test_is_offered_accepts_an_offered_start():
    assert is_offered(calendar(weekly=MORNING), appt(60), [], utc("2026-12-01T10:00"), NOW)


def test_is_offered_refuses_a_misaligned_start():
    assert not is_offered(calendar(weekly=MORNING), appt(60), [], utc("2026-12-01T09:30"), NOW)


def test_is_offered_refuses_a_start_inside_a_block():
    cal = calendar(weekly=MORNING, overrides=[block("2026-12-01", "10:15", "10:30")])
    assert not is_offered(cal, appt(60), [], utc("2026-12-01T10:00"), NOW)
    assert is_offered(cal, appt(60), [], utc("2026-12-01T11:00"), NOW)


def test_is_offered_refuses_a_booked_start_and_accepts_an_overnight_tail():
    cal = calendar(weekly=[(MON, "22:00", "02:00")])
    booked = [busy("2026-11-30T23:00")]
    assert not is_offered(cal, appt(60), booked, utc("2026-11-30T23:00"), NOW)
    assert is_offered(cal, appt(60), booked, utc("2026-12-01T01:00"), NOW)
