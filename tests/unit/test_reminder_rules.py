"""When reminders are due: real hours before the start, never at booking time, DST-proof."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.reminders import Recipient, ReminderKind, dedup_key, due_kinds, parse_key

DAY, HOUR = ReminderKind.DAY_BEFORE, ReminderKind.HOUR_BEFORE
# Monday 2026-03-30 09:00 in Berlin (CEST, UTC+2): the clocks moved on Sunday at 02:00.
START = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
BOOKED_LONG_AGO = datetime(2026, 3, 1, tzinfo=UTC)


def at(hours_before: float) -> datetime:
    return START - timedelta(hours=hours_before)


def test_nothing_is_due_before_24_real_hours():
    assert due_kinds(START, BOOKED_LONG_AGO, at(24) - timedelta(seconds=1)) == []


def test_the_day_before_reminder_is_24_real_hours_before_even_across_a_dst_change():
    # 24 real hours before Monday 09:00 CEST is Sunday 09:00 CEST = 07:00 UTC.
    assert due_kinds(START, BOOKED_LONG_AGO, datetime(2026, 3, 29, 7, 0, tzinfo=UTC)) == [DAY]


def test_an_overdue_day_before_reminder_still_goes_while_more_than_an_hour_away():
    assert due_kinds(START, BOOKED_LONG_AGO, at(1.5)) == [DAY]


def test_within_the_last_hour_only_the_hour_reminder_remains():
    assert due_kinds(START, BOOKED_LONG_AGO, at(1)) == [HOUR]
    assert due_kinds(START, BOOKED_LONG_AGO, at(0.5)) == [HOUR]


def test_nothing_once_the_appointment_has_started():
    assert due_kinds(START, BOOKED_LONG_AGO, START) == []


def test_a_booking_made_less_than_a_day_ahead_gets_no_day_before_reminder():
    booked = at(20)
    assert due_kinds(START, booked, at(19)) == []
    assert due_kinds(START, booked, at(1)) == [HOUR]


def test_a_booking_made_less_than_an_hour_ahead_gets_none_at_all():
    booked = at(0.75)
    assert due_kinds(START, booked, at(0.5)) == []


def test_keys_change_with_the_start_so_a_reschedule_resets_reminders():
    moved = START + timedelta(days=1)
    assert dedup_key(7, START, DAY, Recipient.CLIENT) != dedup_key(7, moved, DAY, Recipient.CLIENT)
    assert parse_key(dedup_key(7, START, HOUR, Recipient.PROVIDER)) == (7, HOUR, Recipient.PROVIDER)
    assert parse_key("reminder:x:1:24h:client") is None
