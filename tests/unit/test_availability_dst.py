"""DST, half-hour and 45-minute zones: every expected UTC instant computed by hand.

Transitions used (2026):
* America/New_York: 03-08 02:00 EST -> 03:00 EDT at 07:00Z; 11-01 02:00 EDT -> 01:00 EST
  at 06:00Z (01:00-02:00 happens twice: 05:00Z-06:00Z EDT, then 06:00Z-07:00Z EST).
* Europe/Berlin: 03-29 02:00 CET -> 03:00 CEST at 01:00Z; 10-25 03:00 CEST -> 02:00 CET
  at 01:00Z (02:00-03:00 happens twice: 00:00Z-01:00Z CEST, then 01:00Z-02:00Z CET).
* Asia/Kolkata: +05:30 all year.
* Pacific/Chatham: +12:45 in winter, +13:45 in summer; 09-27 02:45 -> 03:45 at 09-26
  14:00Z; 04-05 03:45 -> 02:45 at 04-04 14:00Z (02:45-03:45 happens twice).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from core.availability import available_slots, is_offered, slots_between
from tests.unit.builders import MON, SAT, SUN, THU, TUE, appt, block, calendar, day, utc, utcs

NOW = utc("2026-01-01T00:00")
NY, BERLIN = "America/New_York", "Europe/Berlin"
KOLKATA, CHATHAM = "Asia/Kolkata", "Pacific/Chatham"


def slots(tz, weekly, on, duration=60, overrides=(), busy_periods=()):
    cal = calendar(tz, weekly=weekly, overrides=overrides, max_advance=400)
    return available_slots(cal, appt(duration), list(busy_periods), day(on), NOW)


def hourly(first: str, count: int) -> list:
    """``count`` consecutive whole-hour UTC instants from ``first`` (a literal, hand-checked)."""
    return [utc(first) + timedelta(hours=n) for n in range(count)]


def test_chosen_offsets_are_what_the_tests_assume():
    def offset(tz, wall):
        return utc(wall).replace(tzinfo=ZoneInfo(tz)).utcoffset()

    assert offset(KOLKATA, "2026-12-07T09:00") == timedelta(hours=5, minutes=30)
    assert offset(CHATHAM, "2026-06-15T09:00") == timedelta(hours=12, minutes=45)
    assert offset(CHATHAM, "2026-01-15T09:00") == timedelta(hours=13, minutes=45)
    assert offset(NY, "2026-03-08T01:00") == timedelta(hours=-5)
    assert offset(NY, "2026-03-08T03:00") == timedelta(hours=-4)
    assert offset(BERLIN, "2026-10-25T04:00") == timedelta(hours=1)


# America/New_York, spring forward 2026-03-08.


def test_ny_spring_candidates_in_the_gap_are_skipped():
    assert slots(NY, [(SUN, "01:00", "04:00")], "2026-03-08", 30) == utcs(
        "2026-03-08T06:00", "2026-03-08T06:30", "2026-03-08T07:00", "2026-03-08T07:30"
    )


def test_ny_spring_interval_starting_in_the_gap_skips_its_first_candidate():
    assert slots(NY, [(SUN, "02:30", "05:30")], "2026-03-08") == utcs(
        "2026-03-08T07:30", "2026-03-08T08:30"
    )


def test_ny_spring_slot_lasts_real_minutes():
    # 01:30 EST to 03:30 EDT is one real hour.
    assert slots(NY, [(SUN, "01:30", "03:30")], "2026-03-08") == utcs("2026-03-08T06:30")


def test_ny_interval_end_in_gap_means_the_instant_the_gap_ends():
    # End 02:30 (gap) = 07:00Z: 01:15 EST (06:15Z) fits, 01:45 EST (06:45-07:15Z) does not.
    assert slots(NY, [(SUN, "00:15", "02:30")], "2026-03-08", 30) == utcs(
        "2026-03-08T05:15", "2026-03-08T05:45", "2026-03-08T06:15"
    )


def test_ny_overnight_interval_ending_in_the_gap():
    assert slots(NY, [(SAT, "22:00", "02:30")], "2026-03-07") == utcs(
        "2026-03-08T03:00", "2026-03-08T04:00", "2026-03-08T05:00", "2026-03-08T06:00"
    )


def test_ny_overnight_shift_across_spring_forward():
    assert slots(NY, [(SAT, "22:00", "06:00")], "2026-03-07") == hourly("2026-03-08T03:00", 7)
    assert slots(NY, [(SAT, "22:00", "06:00")], "2026-03-08") == []


def test_ny_whole_day_interval_on_spring_forward_has_23_hours():
    assert slots(NY, [(SUN, "00:00", "00:00")], "2026-03-08") == hourly("2026-03-08T05:00", 23)


def test_ny_block_starting_in_the_gap_starts_when_the_gap_ends():
    # Block 02:30-03:30 = 07:00Z-07:30Z: the 06:30Z slot touches it, 07:00Z is blocked.
    got = slots(NY, [(SUN, "00:00", "06:00")], "2026-03-08", 30,
                overrides=[block("2026-03-08", "02:30", "03:30")])
    assert got == utcs(
        "2026-03-08T05:00", "2026-03-08T05:30", "2026-03-08T06:00", "2026-03-08T06:30",
        "2026-03-08T07:30", "2026-03-08T08:00", "2026-03-08T08:30", "2026-03-08T09:00",
        "2026-03-08T09:30",
    )


# America/New_York, fall back 2026-11-01.


def test_ny_fall_candidates_in_the_fold_mean_first_occurrence():
    assert slots(NY, [(SUN, "01:00", "03:00")], "2026-11-01", 30) == utcs(
        "2026-11-01T05:00", "2026-11-01T05:30", "2026-11-01T07:00", "2026-11-01T07:30"
    )


def test_ny_fall_second_occurrence_of_a_fold_start_is_not_offered():
    cal = calendar(NY, weekly=[(SUN, "01:00", "03:00")], max_advance=400)
    assert is_offered(cal, appt(60), [], utc("2026-11-01T05:00"), NOW)
    assert not is_offered(cal, appt(60), [], utc("2026-11-01T06:00"), NOW)


def test_ny_interval_end_in_fold_means_first_occurrence():
    # End 01:30 = 05:30Z (EDT): 01:00 EDT + 60 min = 06:00Z does not fit.
    assert slots(NY, [(SUN, "00:00", "01:30")], "2026-11-01") == utcs("2026-11-01T04:00")
    assert slots(NY, [(SUN, "00:00", "01:30")], "2026-11-01", 30) == utcs(
        "2026-11-01T04:00", "2026-11-01T04:30", "2026-11-01T05:00"
    )


def test_ny_overnight_shift_across_fall_back():
    assert slots(NY, [(SAT, "22:00", "06:00")], "2026-10-31") == utcs(
        "2026-11-01T02:00", "2026-11-01T03:00", "2026-11-01T04:00", "2026-11-01T05:00",
        "2026-11-01T07:00", "2026-11-01T08:00", "2026-11-01T09:00", "2026-11-01T10:00",
    )


def test_ny_whole_day_interval_on_fall_back_steps_in_wall_clock():
    expected = hourly("2026-11-01T04:00", 2) + hourly("2026-11-01T07:00", 22)
    assert slots(NY, [(SUN, "00:00", "00:00")], "2026-11-01") == expected


def test_ny_block_ending_in_the_fold_ends_at_first_occurrence():
    # Block 00:30-01:30 = 04:30Z-05:30Z (EDT).
    got = slots(NY, [(SUN, "00:00", "04:00")], "2026-11-01", 30,
                overrides=[block("2026-11-01", "00:30", "01:30")])
    assert got == utcs(
        "2026-11-01T04:00", "2026-11-01T05:30", "2026-11-01T07:00", "2026-11-01T07:30",
        "2026-11-01T08:00", "2026-11-01T08:30",
    )


# Europe/Berlin, 2026-03-29 and 2026-10-25.


def test_berlin_spring_candidate_in_the_gap_is_skipped():
    assert slots(BERLIN, [(SUN, "01:00", "04:00")], "2026-03-29") == utcs(
        "2026-03-29T00:00", "2026-03-29T01:00"
    )


def test_berlin_interval_end_in_gap_means_the_instant_the_gap_ends():
    # End 02:30 (gap) = 01:00Z: 01:45 CET (00:45Z-01:15Z) does not fit.
    assert slots(BERLIN, [(SUN, "00:15", "02:30")], "2026-03-29", 30) == utcs(
        "2026-03-28T23:15", "2026-03-28T23:45", "2026-03-29T00:15"
    )


def test_berlin_whole_day_interval_on_spring_forward():
    assert slots(BERLIN, [(SUN, "00:00", "00:00")], "2026-03-29") == hourly(
        "2026-03-28T23:00", 23
    )


def test_berlin_fall_candidate_in_the_fold_means_first_occurrence():
    assert slots(BERLIN, [(SUN, "01:00", "04:00")], "2026-10-25") == utcs(
        "2026-10-24T23:00", "2026-10-25T00:00", "2026-10-25T02:00"
    )


def test_berlin_interval_end_in_fold_means_first_occurrence():
    # End 02:30 = 00:30Z (CEST): 02:00 CEST + 60 min = 01:00Z does not fit.
    assert slots(BERLIN, [(SUN, "00:00", "02:30")], "2026-10-25") == utcs(
        "2026-10-24T22:00", "2026-10-24T23:00"
    )


def test_berlin_overnight_shift_across_fall_back():
    assert slots(BERLIN, [(SAT, "23:00", "03:00")], "2026-10-24") == utcs(
        "2026-10-24T21:00", "2026-10-24T22:00", "2026-10-24T23:00", "2026-10-25T00:00"
    )


def test_berlin_overnight_shift_across_spring_forward():
    # 23:00 CET Sat to 04:00 CEST Sun: 23:00, 00:00, 01:00, (02:00 gap), 03:00.
    assert slots(BERLIN, [(SAT, "23:00", "04:00")], "2026-03-28") == utcs(
        "2026-03-28T22:00", "2026-03-28T23:00", "2026-03-29T00:00", "2026-03-29T01:00"
    )


# Asia/Kolkata (+05:30).


def test_kolkata_half_hour_offset():
    assert slots(KOLKATA, [(MON, "09:00", "12:00")], "2026-12-07") == utcs(
        "2026-12-07T03:30", "2026-12-07T04:30", "2026-12-07T05:30"
    )


def test_kolkata_early_local_hours_fall_on_previous_utc_date():
    assert slots(KOLKATA, [(MON, "00:00", "02:00")], "2026-12-07") == utcs(
        "2026-12-06T18:30", "2026-12-06T19:30"
    )


def test_kolkata_overnight_interval():
    assert slots(KOLKATA, [(MON, "22:00", "02:00")], "2026-12-07") == utcs(
        "2026-12-07T16:30", "2026-12-07T17:30", "2026-12-07T18:30", "2026-12-07T19:30"
    )
    assert slots(KOLKATA, [(MON, "22:00", "02:00")], "2026-12-08") == []


def test_kolkata_slots_between_finds_tail_by_utc_range():
    cal = calendar(KOLKATA, weekly=[(MON, "22:00", "02:00")], max_advance=400)
    found = slots_between(
        cal, appt(60), [], utc("2026-12-07T18:00"), utc("2026-12-08T00:00"), NOW
    )
    assert found == utcs("2026-12-07T18:30", "2026-12-07T19:30")


# Pacific/Chatham (+12:45 / +13:45).


def test_chatham_winter_offset():
    assert slots(CHATHAM, [(MON, "09:00", "11:00")], "2026-06-15") == utcs(
        "2026-06-14T20:15", "2026-06-14T21:15"
    )


def test_chatham_summer_offset():
    assert slots(CHATHAM, [(THU, "09:00", "11:00")], "2026-01-15") == utcs(
        "2026-01-14T19:15", "2026-01-14T20:15"
    )


def test_chatham_spring_candidate_in_the_gap_is_skipped():
    # 02:00 (+12:45) = 13:15Z; 03:00 in the gap; 04:00 (+13:45) = 14:15Z; end 05:00 = 15:15Z.
    assert slots(CHATHAM, [(SUN, "02:00", "05:00")], "2026-09-27") == utcs(
        "2026-09-26T13:15", "2026-09-26T14:15"
    )


def test_chatham_interval_end_in_gap_means_the_instant_the_gap_ends():
    # End 03:00 (gap) = 14:00Z: 02:30 (13:45Z-14:15Z) does not fit.
    assert slots(CHATHAM, [(SUN, "00:30", "03:00")], "2026-09-27", 30) == utcs(
        "2026-09-26T11:45", "2026-09-26T12:15", "2026-09-26T12:45", "2026-09-26T13:15"
    )


def test_chatham_fall_candidate_in_the_fold_means_first_occurrence():
    # 02:00 (+13:45) = 12:15Z; 03:00 first (+13:45) = 13:15Z; 04:00 (+12:45) = 15:15Z.
    assert slots(CHATHAM, [(SUN, "02:00", "05:00")], "2026-04-05") == utcs(
        "2026-04-04T12:15", "2026-04-04T13:15", "2026-04-04T15:15"
    )


# Whole-day interval, no DST.


def test_whole_day_interval_runs_to_next_midnight():
    assert slots("UTC", [(TUE, "00:00", "00:00")], "2026-12-01", 120) == [
        utc("2026-12-01T00:00") + timedelta(hours=2 * n) for n in range(12)
    ]


# America/Santiago: DST changes at local midnight (2026-09-06 00:00 -> 01:00 at 04:00Z;
# 2026-04-04 24:00 -> 23:00 at 2026-04-05T03:00Z).


def test_santiago_overnight_end_at_midnight_in_the_gap_means_gap_end():
    assert slots("America/Santiago", [(SAT, "22:00", "00:00")], "2026-09-05") == utcs(
        "2026-09-06T02:00", "2026-09-06T03:00"
    )


def test_santiago_whole_day_interval_starting_in_the_midnight_gap():
    assert slots("America/Santiago", [(SUN, "00:00", "00:00")], "2026-09-06") == hourly(
        "2026-09-06T04:00", 23
    )


def test_santiago_whole_day_interval_ending_after_the_fold():
    # 00:00 -03 = 03:00Z ... 23:00 (first occurrence, -03) = 2026-04-05T02:00Z.
    assert slots("America/Santiago", [(SAT, "00:00", "00:00")], "2026-04-04") == hourly(
        "2026-04-04T03:00", 24
    )
