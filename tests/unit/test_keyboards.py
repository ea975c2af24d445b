"""Keyboards are pure: month grids, slot buttons and the 64-byte limit, without Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conversations import callbacks as cb
from conversations import keyboards
from conversations.i18n import texts_for
from core.availability import DayAvailability, DayStatus
from core.model import AppointmentType, Provider, ProviderOffer, ProviderType

EN, RU = texts_for("en"), texts_for("ru")
BIG = 9_999_999_999
BERLIN = Provider(BIG, "Dr. Test", ProviderType.DOCTOR, "Europe/Berlin")
IN_PERSON = AppointmentType(BIG, BIG, "Consultation", 30)
VIDEO = AppointmentType(BIG, BIG, "Video", 30, is_virtual=True)


def cells(markup):
    return [(b.text, cb.decode(b.callback_data)) for row in markup.inline_keyboard for b in row]


def all_data(markup):
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def month(year, number, statuses, *, today=date(2026, 11, 25), last=date(2027, 1, 31), appointment=0):
    days = [DayAvailability(d, s, ()) for d, s in statuses.items()]
    return keyboards.month(
        EN, BIG, BIG, year, number, days, today=today, last_bookable=last, appointment=appointment
    )


@pytest.mark.parametrize(
    ("year", "number", "weeks", "leading_blanks"),
    [
        (2026, 6, 5, 0),  # June 2026 starts on a Monday
        (2026, 11, 6, 6),  # November 2026 starts on a Sunday: six weeks
        (2028, 2, 5, 1),  # leap February: 29 days from a Tuesday
        (2027, 2, 4, 0),  # February 2027: exactly four Monday-first weeks
    ],
)
def test_month_grid_edges(year, number, weeks, leading_blanks):
    markup = month(year, number, {})
    rows = markup.inline_keyboard
    assert len(rows) == 2 + weeks + 1  # header, weekdays, weeks, back
    assert [b.text for b in rows[1]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    first_week = [b.text for b in rows[2]]
    assert first_week[:leading_blanks] == [" "] * leading_blanks


def test_only_open_days_are_tappable_and_full_days_differ_from_days_off():
    markup = month(2026, 12, {
        date(2026, 12, 1): DayStatus.OPEN,
        date(2026, 12, 2): DayStatus.FULLY_BOOKED,
        date(2026, 12, 3): DayStatus.CLOSED,
    })
    found = dict((text, data) for text, data in cells(markup) if text in ("1", "2✕", "·"))
    assert found["1"] == cb.ShowDay(BIG, BIG, date(2026, 12, 1), 0)
    assert found["2✕"] == cb.NotBookable("full")
    assert found["·"] == cb.NotBookable("off")


def test_days_before_today_say_they_have_passed():
    markup = month(2026, 11, {date(2026, 11, 24): DayStatus.CLOSED})
    texts = cells(markup)
    assert (("·", cb.NotBookable("past")) in texts)


def test_no_way_back_from_this_month_and_no_way_past_the_horizon():
    current = month(2026, 11, {}, last=date(2026, 11, 30))
    header = [b.text for b in current.inline_keyboard[0]]
    assert header == [" ", "November 2026", " "]
    later = month(2026, 12, {}, last=date(2027, 1, 15))
    assert [d for _, d in cells(later)[:3:2]] == [
        cb.ShowMonth(BIG, BIG, 2026, 11, 0), cb.ShowMonth(BIG, BIG, 2027, 1, 0)
    ]


def test_back_goes_to_the_types_when_booking_and_to_the_appointment_when_moving():
    assert cells(month(2026, 12, {}))[-1][1] == cb.PickProvider(BIG)
    assert cells(month(2026, 12, {}, appointment=BIG))[-1][1] == cb.MyAppointment(BIG)


def test_month_names_follow_the_locale():
    days = []
    markup = keyboards.month(RU, 1, 1, 2026, 12, days, today=date(2026, 11, 25), last_bookable=date(2027, 1, 1))
    assert markup.inline_keyboard[0][1].text == "декабрь 2026\u202fг."
    assert [b.text for b in markup.inline_keyboard[1]][0] == "пн"


def test_every_button_fits_in_64_bytes_with_huge_ids():
    starts = [datetime(2026, 12, 4, h, tzinfo=UTC) for h in range(9, 18)]
    markups = [
        month(2026, 12, {date(2026, 12, d): DayStatus.OPEN for d in range(1, 32)}, appointment=BIG),
        keyboards.slots(EN, BERLIN, IN_PERSON, date(2026, 12, 4), starts, "Asia/Kolkata", BIG),
        keyboards.confirm(EN, BIG, BIG, starts[0], date(2026, 12, 4), BIG),
        keyboards.my_item(EN, BIG),
        keyboards.cancel_question(EN, BIG),
    ]
    for markup in markups:
        for data in all_data(markup):
            assert len(data.encode()) <= 64
            assert cb.decode(data) is not None


def slot_labels(provider, appt_type, starts, client_zone, t=EN):
    markup = keyboards.slots(t, provider, appt_type, starts[0].date(), starts, client_zone)
    return [b.text for row in markup.inline_keyboard[:-1] for b in row]


def test_slot_labels_put_the_place_of_the_visit_first():
    start = [datetime(2026, 11, 30, 8, 0, tzinfo=UTC)]  # 09:00 Berlin, 11:00 Moscow
    assert slot_labels(BERLIN, IN_PERSON, start, None) == ["9:00\u202fAM"]
    assert slot_labels(BERLIN, IN_PERSON, start, "Europe/Moscow", RU) == ["09:00 (11:00)"]
    assert slot_labels(BERLIN, VIDEO, start, "Europe/Moscow", RU) == ["11:00 (09:00)"]


def test_slot_labels_on_dst_days():
    # Berlin springs forward on 2026-03-29 (UTC+1 → +2); New York already did on 03-08.
    spring = [datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert slot_labels(BERLIN, IN_PERSON, spring, "America/New_York", RU) == [
        "01:30 (20:30)", "03:30 (21:30)"
    ]
    # Berlin falls back on 2026-10-25: 02:30 happens twice, an hour apart.
    autumn = [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    assert slot_labels(BERLIN, IN_PERSON, autumn, "America/New_York", RU) == [
        "02:30 (20:30)", "02:30 (21:30)"
    ]


def test_slot_rows_hold_three_and_end_with_the_way_back():
    starts = [datetime(2026, 12, 4, h, tzinfo=UTC) for h in range(8, 15)]
    markup = keyboards.slots(EN, BERLIN, IN_PERSON, date(2026, 12, 4), starts, None)
    assert [len(row) for row in markup.inline_keyboard] == [3, 3, 1, 1]
    assert cb.decode(markup.inline_keyboard[-1][0].callback_data) == cb.ShowMonth(BIG, BIG, 2026, 12, 0)


def offer(n, kind=ProviderType.DOCTOR):
    return ProviderOffer(Provider(n, f"P{n}", kind, "UTC"), (IN_PERSON,))


def test_providers_are_grouped_only_when_kinds_differ_and_paged_by_six():
    same = keyboards.providers(EN, [offer(n) for n in range(1, 4)], 0)
    assert [b.text for row in same.inline_keyboard for b in row] == ["P1", "P2", "P3"]
    mixed = [offer(1), offer(2, ProviderType.TUTOR)]
    texts = [b.text for row in keyboards.providers(EN, mixed, 0).inline_keyboard for b in row]
    assert texts == ["— Doctors —", "P1", "— Tutors —", "P2"]
    many = [offer(n) for n in range(1, 15)]
    last_page = keyboards.providers(EN, many, 99)  # out of range: the last page
    texts = [b.text for row in last_page.inline_keyboard for b in row]
    assert texts[:2] == ["P13", "P14"] and "3/3" in texts
