"""core/practice_figures.py: week buckets in the provider's zone, counts, rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.model import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    OfferStatus,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ProviderType,
    ScheduleOverride,
    WaitlistOffer,
    WeeklyInterval,
)
from core.practice_figures import practice_figures

MONDAY = date(2027, 3, 15)
PROVIDER = Provider(1, "Dr. A", ProviderType.DOCTOR, "Europe/Berlin")
WEEKLY = tuple(WeeklyInterval(d, time(9), time(12)) for d in range(5))  # 15 h a week


def _calendar(*overrides: ScheduleOverride) -> ProviderCalendar:
    return ProviderCalendar(PROVIDER, WEEKLY, overrides)


def _appointment(n: int, start: datetime, status=AppointmentStatus.CONFIRMED, minutes=60, *,
                 type_id=1, late=False, cancelled_at=None) -> Appointment:
    a = Appointment(n, 1, 100 + n, type_id, start, start + timedelta(minutes=minutes), status,
                    created_at=start - timedelta(days=3))
    if status is AppointmentStatus.CANCELLED:
        a.cancel(cancelled_at or start - timedelta(days=1), CancelledBy.CLIENT, None, late=late)
    return a


def _offer(n: int, start: datetime, status: OfferStatus) -> WaitlistOffer:
    return WaitlistOffer(n, n, 1, 1, 200 + n, start, start - timedelta(hours=5),
                         start - timedelta(hours=3), status)


def _at(day: int, hour: int) -> datetime:  # a Berlin wall hour of the week of 15 March (UTC+1)
    return datetime(2027, 3, 15 + day, hour - 1, 0, tzinfo=UTC)


def test_counts_fall_in_the_week_the_appointment_starts_in_the_providers_zone():
    # Sunday 21 March 23:30 Berlin is 22:30 UTC: still the first week.
    late_sunday = datetime(2027, 3, 21, 22, 30, tzinfo=UTC)
    monday_after = datetime(2027, 3, 21, 23, 30, tzinfo=UTC)  # Monday 00:30 Berlin
    figures = practice_figures(_calendar(), [_appointment(1, late_sunday),
                                             _appointment(2, monday_after)], [], MONDAY, 2)
    assert [w.bookings for w in figures.weeks] == [1, 1]
    assert [w.start for w in figures.weeks] == [MONDAY, MONDAY + timedelta(weeks=1)]


def test_statuses_rates_and_booked_share():
    appointments = [
        _appointment(1, _at(0, 9), AppointmentStatus.COMPLETED),
        _appointment(2, _at(0, 10), AppointmentStatus.COMPLETED),
        _appointment(3, _at(1, 9), AppointmentStatus.COMPLETED),
        _appointment(4, _at(1, 10), AppointmentStatus.NO_SHOW),
        _appointment(5, _at(2, 9), AppointmentStatus.CANCELLED, late=True,
                     cancelled_at=_at(2, 8)),
        _appointment(6, _at(3, 9), AppointmentStatus.CANCELLED),
        _appointment(7, _at(4, 9), AppointmentStatus.CANCELLED, cancelled_at=_at(4, 10)),  # after
    ]
    (week,) = practice_figures(_calendar(), appointments, [], MONDAY, 1).weeks
    assert (week.bookings, week.completed, week.no_show, week.cancelled, week.late_cancel) == (7, 3, 1, 3, 1)
    assert week.no_show_rate == 0.25
    assert week.late_cancel_rate == round(1 / 7, 4)
    assert (week.open_minutes, week.booked_minutes) == (15 * 60, 4 * 60)
    assert week.booked_share == round(240 / 900, 4)
    assert week.freed == 2  # the one cancelled after its start freed nothing


def test_a_group_sessions_seats_hold_its_time_once():
    start = _at(0, 9)
    seats = [_appointment(n, start, type_id=5) for n in (1, 2, 3)]
    (week,) = practice_figures(_calendar(), seats, [], MONDAY, 1).weeks
    assert week.bookings == 3 and week.booked_minutes == 60


def test_blocks_and_special_hours_change_the_open_time():
    calendar = _calendar(
        ScheduleOverride(MONDAY, OverrideKind.UNAVAILABLE, id=1),  # Monday off: -180
        ScheduleOverride(MONDAY + timedelta(days=1), OverrideKind.UNAVAILABLE, time(11), time(13), id=2),  # -60
        ScheduleOverride(MONDAY + timedelta(days=5), OverrideKind.SPECIAL_HOURS, time(10), time(14), id=3),  # +240
    )
    (week,) = practice_figures(calendar, [], [], MONDAY, 1).weeks
    assert week.open_minutes == 900 - 180 - 60 + 240


def test_refilled_counts_slots_the_waitlist_got_claimed_once_each():
    slot, other = _at(2, 9), _at(3, 9)
    offers = [_offer(1, slot, OfferStatus.EXPIRED), _offer(2, slot, OfferStatus.CLAIMED),
              _offer(3, other, OfferStatus.EXPIRED), _offer(4, other, OfferStatus.WITHDRAWN)]
    cancelled = [_appointment(1, slot, AppointmentStatus.CANCELLED),
                 _appointment(2, other, AppointmentStatus.CANCELLED)]
    (week,) = practice_figures(_calendar(), cancelled, offers, MONDAY, 1).weeks
    assert (week.freed, week.offered, week.refilled, week.refill_rate) == (2, 2, 1, 0.5)


def test_empty_weeks_have_no_rates_and_totals_add_up():
    figures = practice_figures(_calendar(), [_appointment(1, _at(0, 9), AppointmentStatus.COMPLETED)],
                               [], MONDAY - timedelta(weeks=7), 8)
    assert len(figures.weeks) == 8
    assert figures.weeks[0].no_show_rate is None and figures.weeks[0].late_cancel_rate is None
    assert figures.totals.bookings == 1 and figures.totals.open_minutes == 8 * 900
    assert figures.totals.no_show_rate == 0.0
