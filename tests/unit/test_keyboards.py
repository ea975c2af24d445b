"""Keyboards are pure: month grids, slot buttons, paging and the 64-byte limit, without Telegram."""

from __future__ import annotations

import calendar as month_calendar
from datetime import UTC, date, datetime, timedelta

import pytest

from conversations import callbacks as cb
from conversations import keyboards
from conversations.i18n import texts_for
from core.availability import DayAvailability, DayStatus
from core.bounds import MAX_ID
from core.model import Appointment, AppointmentDetails, AppointmentStatus, AppointmentType
from core.model import Provider, ProviderOffer, ProviderType

EN, RU, ES = texts_for("en"), texts_for("ru"), texts_for("es")
BIG = MAX_ID  # the largest id a column holds: every button must fit it in 64 bytes
BERLIN = Provider(BIG, "Dr. Test", ProviderType.DOCTOR, "Europe/Berlin")
IN_PERSON = AppointmentType(BIG, BIG, "Consultation", 30)
VIDEO = AppointmentType(BIG, BIG, "Video", 30, is_virtual=True)
P, T = 41, 42  # small provider and type ids where the ids themselves are checked
LABEL = cb.NotBookable("label")


def texts(markup):
    return [[b.text for b in row] for row in markup.inline_keyboard]


def targets(markup):
    return [[cb.decode(b.callback_data) for b in row] for row in markup.inline_keyboard]


def flat(markup):
    return [(b.text, cb.decode(b.callback_data)) for row in markup.inline_keyboard for b in row]


def month(year, number, statuses=None, *, t=EN, today=None, last=date(2030, 1, 1), appointment=0):
    """``statuses`` maps dates to a DayStatus; ``None`` opens every day of the month."""
    if statuses is None:
        days_in = month_calendar.monthrange(year, number)[1]
        statuses = {date(year, number, d): DayStatus.OPEN for d in range(1, days_in + 1)}
    days = [DayAvailability(d, s, ()) for d, s in statuses.items()]
    return keyboards.month(
        t, P, T, year, number, days,
        today=today or date(year, number, 1), last_bookable=last, appointment=appointment,
    )


def weeks(*lines):
    """``"_ _ 1 2 3 4 5"`` → one week row; ``_`` is a blank cell."""
    return [[" " if cell == "_" else cell for cell in line.split()] for line in lines]


# -- month grid ---------------------------------------------------------------------------

GRIDS = {
    (2026, 6): weeks(  # starts on a Monday
        "1 2 3 4 5 6 7", "8 9 10 11 12 13 14", "15 16 17 18 19 20 21",
        "22 23 24 25 26 27 28", "29 30 _ _ _ _ _",
    ),
    (2026, 11): weeks(  # starts on a Sunday: six rows
        "_ _ _ _ _ _ 1", "2 3 4 5 6 7 8", "9 10 11 12 13 14 15", "16 17 18 19 20 21 22",
        "23 24 25 26 27 28 29", "30 _ _ _ _ _ _",
    ),
    (2028, 2): weeks(  # leap year: 29 days from a Tuesday
        "_ 1 2 3 4 5 6", "7 8 9 10 11 12 13", "14 15 16 17 18 19 20",
        "21 22 23 24 25 26 27", "28 29 _ _ _ _ _",
    ),
    (2027, 2): weeks(  # 28 days from a Monday: exactly four rows
        "1 2 3 4 5 6 7", "8 9 10 11 12 13 14", "15 16 17 18 19 20 21", "22 23 24 25 26 27 28",
    ),
}


@pytest.mark.parametrize(("year", "number"), list(GRIDS), ids=lambda v: str(v))
def test_month_grid_lays_out_monday_first_weeks(year, number):
    markup = month(year, number)
    rows = texts(markup)
    assert rows[1] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert rows[2:-1] == GRIDS[(year, number)]
    assert len(rows[-1]) == 1  # the way back
    days = [(text, target) for text, target in flat(markup) if text.isdigit()]
    last = month_calendar.monthrange(year, number)[1]
    assert days == [(str(d), cb.ShowDay(P, T, date(year, number, d), 0))
                    for d in range(1, last + 1)]


@pytest.mark.parametrize(
    ("t", "header", "title"),
    [
        (EN, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "June 2026"),
        (RU, ["пн", "вт", "ср", "чт", "пт", "сб", "вс"], "июнь 2026\u202fг."),
        (ES, ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"], "junio de 2026"),
    ],
    ids=["en", "ru", "es"],
)
def test_weekday_header_is_monday_first_and_the_title_localised_in_every_locale(t, header, title):
    markup = month(2026, 6, t=t)
    assert texts(markup)[1] == header
    assert targets(markup)[1] == [LABEL] * 7
    assert texts(markup)[0][1] == title
    assert targets(markup)[0][1] == LABEL


@pytest.mark.parametrize("appointment", [0, BIG])
def test_open_days_are_tappable_and_open_that_day(appointment):
    markup = month(2026, 12, {date(2026, 12, 4): DayStatus.OPEN}, today=date(2026, 12, 1),
                   appointment=appointment)
    tappable = [(text, target) for text, target in flat(markup) if isinstance(target, cb.ShowDay)]
    assert tappable == [("4", cb.ShowDay(P, T, date(2026, 12, 4), appointment))]


def test_fully_booked_days_show_a_cross_and_open_the_days_waitlist_offer():
    markup = month(2026, 12, {date(2026, 12, 2): DayStatus.FULLY_BOOKED}, today=date(2026, 12, 1))
    assert ("2✕", cb.ShowDay(P, T, date(2026, 12, 2), 0)) in flat(markup)
    assert "2" not in [text for text, _ in flat(markup)]


def test_when_moving_a_booking_full_days_are_not_tappable():
    markup = month(2026, 12, {date(2026, 12, 2): DayStatus.FULLY_BOOKED}, today=date(2026, 12, 1),
                   appointment=BIG)
    assert ("2✕", cb.NotBookable("full")) in flat(markup)


def test_closed_days_are_dots_that_say_past_before_today_and_off_from_today():
    markup = month(
        2026, 12,
        {date(2026, 12, 9): DayStatus.CLOSED, date(2026, 12, 10): DayStatus.CLOSED,
         date(2026, 12, 11): DayStatus.OPEN},
        today=date(2026, 12, 10),
    )
    second_week = list(zip(texts(markup)[3], targets(markup)[3], strict=True))  # 7–13 December
    assert second_week == [
        ("·", cb.NotBookable("past")),  # 7: not listed, before today
        ("·", cb.NotBookable("past")),  # 8
        ("·", cb.NotBookable("past")),  # 9: closed, before today
        ("·", cb.NotBookable("off")),  # 10: today, closed
        ("11", cb.ShowDay(P, T, date(2026, 12, 11), 0)),
        ("·", cb.NotBookable("off")),  # 12: not listed: a day off
        ("·", cb.NotBookable("off")),
    ]


def test_cells_outside_the_month_are_blank_labels():
    markup = month(2026, 11)  # six leading blanks, six trailing ones
    first = list(zip(texts(markup)[2], targets(markup)[2], strict=True))
    last = list(zip(texts(markup)[7], targets(markup)[7], strict=True))
    assert first[:6] == last[1:] == [(" ", LABEL)] * 6


def test_no_previous_arrow_in_todays_month_but_one_later():
    current = month(2026, 11, today=date(2026, 11, 25))
    assert texts(current)[0] == [" ", "November 2026", "»"]
    assert targets(current)[0][0] == LABEL
    later = month(2027, 1, today=date(2026, 11, 25))
    assert flat(later)[0] == ("«", cb.ShowMonth(P, T, 2026, 12, 0))
    stale = month(2026, 10, today=date(2026, 11, 25))  # an old button: no way further back
    assert flat(stale)[0] == (" ", LABEL)


@pytest.mark.parametrize(
    ("last_bookable", "arrow"),
    [(date(2026, 12, 31), False), (date(2027, 1, 1), True), (date(2026, 12, 15), False)],
)
def test_next_arrow_only_when_the_next_month_starts_by_the_last_bookable_date(last_bookable, arrow):
    header = month(2026, 12, today=date(2026, 12, 1), last=last_bookable).inline_keyboard[0]
    if arrow:
        assert header[2].text == "»"
        assert cb.decode(header[2].callback_data) == cb.ShowMonth(P, T, 2027, 1, 0)
    else:
        assert (header[2].text, cb.decode(header[2].callback_data)) == (" ", LABEL)


def test_december_leads_to_january_of_the_next_year_and_back():
    december = targets(month(2026, 12, today=date(2026, 11, 1), appointment=BIG))[0]
    assert december[0] == cb.ShowMonth(P, T, 2026, 11, BIG)
    assert december[2] == cb.ShowMonth(P, T, 2027, 1, BIG)
    january = targets(month(2027, 1, today=date(2026, 11, 1)))[0]
    assert january[0] == cb.ShowMonth(P, T, 2026, 12, 0)
    assert january[2] == cb.ShowMonth(P, T, 2027, 2, 0)


def test_back_goes_to_the_provider_when_booking_and_to_the_appointment_when_moving():
    assert flat(month(2026, 12))[-1] == ("« Back", cb.PickProvider(P))
    assert flat(month(2026, 12, appointment=BIG))[-1] == ("« Back", cb.MyAppointment(BIG))
    assert flat(month(2026, 12, t=RU))[-1][0] == "« Назад"


# -- slots ----------------------------------------------------------------------------------


def slot_labels(provider, appt_type, starts, client_zone, t=EN):
    markup = keyboards.slots(t, provider, appt_type, starts[0].date(), starts, client_zone)
    return [b.text for row in markup.inline_keyboard[:-1] for b in row]


NINE_BERLIN = [datetime(2026, 11, 30, 8, 0, tzinfo=UTC)]  # 09:00 Berlin, 11:00 Moscow


@pytest.mark.parametrize("client_zone", [None, "Europe/Berlin"])
def test_a_client_in_the_providers_zone_sees_one_time(client_zone):
    assert slot_labels(BERLIN, IN_PERSON, NINE_BERLIN, client_zone) == ["9:00\u202fAM"]
    assert slot_labels(BERLIN, VIDEO, NINE_BERLIN, client_zone) == ["9:00\u202fAM"]
    assert slot_labels(BERLIN, IN_PERSON, NINE_BERLIN, client_zone, RU) == ["09:00"]
    assert slot_labels(BERLIN, IN_PERSON, NINE_BERLIN, client_zone, ES) == ["9:00"]


@pytest.mark.parametrize(
    ("appt_type", "t", "label"),
    [
        (IN_PERSON, RU, "09:00 (11:00)"),  # in person: where the client must be comes first
        (IN_PERSON, EN, "9:00\u202fAM (11:00\u202fAM)"),
        (VIDEO, RU, "11:00 (09:00)"),  # video call: the client's own clock comes first
        (VIDEO, EN, "11:00\u202fAM (9:00\u202fAM)"),
    ],
)
def test_a_client_in_another_zone_sees_both_times_the_place_of_the_visit_first(appt_type, t, label):
    assert slot_labels(BERLIN, appt_type, NINE_BERLIN, "Europe/Moscow", t) == [label]


def test_slot_labels_on_berlins_spring_forward_day():
    # 2026-03-29: Berlin jumps 02:00 → 03:00 (UTC+1 → +2); New York is on EDT (UTC-4) since 03-08.
    starts = [datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert slot_labels(BERLIN, IN_PERSON, starts, "America/New_York", RU) == [
        "01:30 (20:30)", "03:30 (21:30)"
    ]
    assert slot_labels(BERLIN, VIDEO, starts, "America/New_York") == [
        "8:30\u202fPM (1:30\u202fAM)", "9:30\u202fPM (3:30\u202fAM)"
    ]


def test_slot_labels_on_berlins_fall_back_day():
    # 2026-10-25: Berlin's 02:00–03:00 happens twice (UTC+2, then +1); New York still on EDT.
    starts = [datetime(2026, 10, 25, h, 30, tzinfo=UTC) for h in (0, 1, 2)]
    assert slot_labels(BERLIN, IN_PERSON, starts, "America/New_York", RU) == [
        "02:30 (20:30)", "02:30 (21:30)", "03:30 (22:30)"
    ]
    assert slot_labels(BERLIN, VIDEO, starts, "America/New_York") == [
        "8:30\u202fPM (2:30\u202fAM)", "9:30\u202fPM (2:30\u202fAM)", "10:30\u202fPM (3:30\u202fAM)"
    ]


@pytest.mark.parametrize("appointment", [0, BIG])
def test_slot_rows_hold_three_pick_their_start_and_end_with_the_way_back(appointment):
    starts = [datetime(2026, 12, 4, h, tzinfo=UTC) for h in range(8, 15)]
    markup = keyboards.slots(EN, BERLIN, IN_PERSON, date(2026, 12, 4), starts, None, appointment)
    assert [len(row) for row in markup.inline_keyboard] == [3, 3, 1, 1]
    picks = [target for row in targets(markup)[:-1] for target in row]
    assert picks == [cb.PickSlot(BIG, BIG, s, appointment) for s in starts]
    assert flat(markup)[-1] == (
        "« Back to the calendar", cb.ShowMonth(BIG, BIG, 2026, 12, appointment)
    )


def test_slots_go_back_to_the_month_of_the_day_shown_not_of_the_utc_start():
    # A Tokyo client's video call on 1 January 2027 at 08:00 starts on 31 December in UTC.
    start = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    markup = keyboards.slots(EN, BERLIN, VIDEO, date(2027, 1, 1), [start], "Asia/Tokyo")
    assert flat(markup)[0][0] == "8:00\u202fAM (12:00\u202fAM)"
    assert flat(markup)[-1][1] == cb.ShowMonth(BIG, BIG, 2027, 1, 0)


# -- providers ------------------------------------------------------------------------------


def offer(n, kind=ProviderType.DOCTOR, name=None):
    return ProviderOffer(Provider(n, name or f"P{n}", kind, "UTC"), (IN_PERSON,))


def test_one_kind_of_provider_gets_no_group_labels_and_no_paging():
    markup = keyboards.providers(EN, [offer(n) for n in range(1, 7)], 0)
    assert flat(markup) == [(f"P{n}", cb.PickProvider(n)) for n in range(1, 7)]


def test_several_kinds_are_grouped_under_labels():
    mixed = [offer(1), offer(2), offer(3, ProviderType.TUTOR)]
    assert flat(keyboards.providers(EN, mixed, 0)) == [
        ("— Doctors —", LABEL), ("P1", cb.PickProvider(1)), ("P2", cb.PickProvider(2)),
        ("— Tutors —", LABEL), ("P3", cb.PickProvider(3)),
    ]
    labels = [text for text, _ in flat(keyboards.providers(RU, mixed, 0))][::3]
    assert labels == ["— Врачи —", "— Репетиторы —"]


def test_provider_names_are_shown_as_typed_on_buttons():
    markup = keyboards.providers(EN, [offer(BIG, name="Dr. <Lee> & Sons")], 0)
    assert flat(markup) == [("Dr. <Lee> & Sons", cb.PickProvider(BIG))]


MANY = [offer(n) for n in range(1, 15)]  # 14 providers: pages of 6, 6 and 2


@pytest.mark.parametrize(
    ("page", "names", "nav"),
    [
        (0, [f"P{n}" for n in range(1, 7)], [("1/3", LABEL), ("Next »", cb.ProviderPage(1))]),
        (1, [f"P{n}" for n in range(7, 13)],
         [("« Previous", cb.ProviderPage(0)), ("2/3", LABEL), ("Next »", cb.ProviderPage(2))]),
        (2, ["P13", "P14"], [("« Previous", cb.ProviderPage(1)), ("3/3", LABEL)]),
    ],
)
def test_providers_are_paged_by_six(page, names, nav):
    rows = keyboards.providers(EN, MANY, page).inline_keyboard
    assert [row[0].text for row in rows[:-1]] == names
    assert [(b.text, cb.decode(b.callback_data)) for b in rows[-1]] == nav


@pytest.mark.parametrize(("asked", "shown"), [(-5, "1/3"), (3, "3/3"), (99, "3/3")])
def test_out_of_range_pages_are_clamped(asked, shown):
    rows = texts(keyboards.providers(EN, MANY, asked))
    assert shown in rows[-1]
    assert rows[0] == (["P1"] if shown == "1/3" else ["P13"])


def test_seven_providers_make_two_pages():
    rows = texts(keyboards.providers(EN, [offer(n) for n in range(1, 8)], 1))
    assert rows == [["P7"], ["« Previous", "2/2"]]


# -- the other keyboards ----------------------------------------------------------------------

START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_confirm_when_booking_offers_a_note_and_goes_back_to_the_day():
    assert flat(keyboards.confirm(EN, P, T, START, date(2026, 12, 4))) == [
        ("✅ Confirm", cb.ConfirmBooking(P, T, START, 0)),
        ("✏️ Add a note", cb.AddNote(P, T, START)),
        ("« Back", cb.ShowDay(P, T, date(2026, 12, 4), 0)),
    ]


def test_confirm_when_moving_carries_the_appointment_and_offers_no_note():
    markup = keyboards.confirm(EN, P, T, START, date(2026, 12, 4), BIG)
    assert targets(markup) == [
        [cb.ConfirmBooking(P, T, START, BIG)], [cb.ShowDay(P, T, date(2026, 12, 4), BIG)]
    ]


def test_my_item_acts_on_that_appointment():
    assert targets(keyboards.my_item(EN, BIG)) == [
        [cb.Reschedule(BIG), cb.AskCancel(BIG)], [cb.CalendarFile(BIG)], [cb.MyAppointments()]
    ]


def test_cancel_question_confirms_asks_a_reason_or_keeps_that_appointment():
    assert flat(keyboards.cancel_question(EN, BIG)) == [
        ("Yes, cancel it", cb.ConfirmCancel(BIG)),
        ("Cancel and give a reason", cb.CancelWithReason(BIG)),
        ("« No, keep it", cb.MyAppointment(BIG)),
    ]


def test_languages_are_named_in_their_own_language():
    assert flat(keyboards.languages()) == [
        ("English", cb.SetLanguage("en")), ("Русский", cb.SetLanguage("ru")),
        ("Español", cb.SetLanguage("es")),
    ]


def test_time_zones_come_two_a_row_with_a_way_to_decide_later():
    zones = ["Europe/Berlin", "America/Argentina/ComodRivadavia", "Etc/GMT+5"]
    markup = keyboards.time_zones(EN, zones, lambda z: f"<{z}>")
    assert texts(markup) == [
        ["<Europe/Berlin>", "<America/Argentina/ComodRivadavia>"], ["<Etc/GMT+5>"], ["Later"]
    ]
    assert targets(markup) == [
        [cb.SetTimeZone(zones[0]), cb.SetTimeZone(zones[1])], [cb.SetTimeZone(zones[2])],
        [cb.KeepTimeZoneUnset()],
    ]


def test_every_button_fits_in_64_bytes_and_decodes_with_huge_ids():
    starts = [datetime(2026, 12, 4, h, 45, tzinfo=UTC) for h in range(9, 18)]
    details = AppointmentDetails(
        Appointment(BIG, BIG, BIG, BIG, starts[0], starts[0] + timedelta(minutes=30),
                    AppointmentStatus.CONFIRMED, starts[0]),
        BERLIN, IN_PERSON,
    )
    december = [DayAvailability(date(2026, 12, d), DayStatus.OPEN, ()) for d in range(1, 32)]
    markups = [
        keyboards.month(EN, BIG, BIG, 2026, 12, december, today=date(2026, 11, 1),
                        last_bookable=date(2027, 6, 1), appointment=BIG),
        keyboards.slots(EN, BERLIN, IN_PERSON, date(2026, 12, 4), starts, "Asia/Kolkata", BIG),
        keyboards.confirm(EN, BIG, BIG, starts[0], date(2026, 12, 4)),
        keyboards.confirm(EN, BIG, BIG, starts[0], date(2026, 12, 4), BIG),
        keyboards.providers(EN, [offer(BIG - n) for n in range(14)], 1),
        keyboards.appointment_types(EN, BERLIN, [IN_PERSON, VIDEO], date(2026, 12, 4)),
        keyboards.my_list(EN, [details], "Asia/Kolkata"),
        keyboards.my_item(EN, BIG),
        keyboards.cancel_question(EN, BIG),
        keyboards.after_booking(EN),
        keyboards.languages(),
        keyboards.time_zones(EN, ["America/Argentina/ComodRivadavia"], str),
    ]
    for markup in markups:
        for row in markup.inline_keyboard:
            for b in row:
                assert len(b.callback_data.encode()) <= 64, b.callback_data
                assert cb.decode(b.callback_data) is not None, b.callback_data
    month_days = [t for _, t in flat(markups[0]) if isinstance(t, cb.ShowDay)]
    assert month_days[-1] == cb.ShowDay(BIG, BIG, date(2026, 12, 31), BIG)
    assert [t for _, t in flat(markups[1])][:-1] == [cb.PickSlot(BIG, BIG, s, BIG) for s in starts]
    assert flat(markups[6])[0][1] == cb.MyAppointment(BIG)


def _buttons(markup):
    return [b for row in markup.inline_keyboard for b in row]


def test_a_day_of_five_minute_slots_pages_and_every_slot_is_on_exactly_one_page():
    day = date(2026, 12, 4)
    starts = [datetime(2026, 12, 4, 0, 0, tzinfo=UTC) + timedelta(minutes=5 * n) for n in range(288)]
    seen, page = [], 0
    while True:
        markup = keyboards.slots(EN, BERLIN, IN_PERSON, day, starts, "Asia/Kolkata", BIG, page=page)
        buttons = _buttons(markup)
        assert len(buttons) <= 100
        assert all(len(b.callback_data.encode()) <= 64 for b in buttons)
        pressed = [cb.decode(b.callback_data) for b in buttons]
        seen += [p.start for p in pressed if isinstance(p, cb.PickSlot)]
        turns = [p for p in pressed if isinstance(p, cb.DayPage)]
        assert all((p.provider_id, p.type_id, p.day, p.appointment) == (BIG, BIG, day, BIG) for p in turns)
        if not any(p.page == page + 1 for p in turns):
            break
        page += 1
    assert seen == starts
    # A stale or forged page number shows the nearest page there is.
    last = keyboards.slots(EN, BERLIN, IN_PERSON, day, starts, None, page=10**6)
    assert [cb.decode(b.callback_data).start for b in _buttons(last)
            if isinstance(cb.decode(b.callback_data), cb.PickSlot)] == seen[-(288 % keyboards.SLOTS_PER_PAGE or keyboards.SLOTS_PER_PAGE):]


def test_a_provider_with_many_kinds_of_appointment_pages_them():
    types = [AppointmentType(n, BIG, f"Type {n}", 30) for n in range(1, 151)]
    names, page = [], 0
    while True:
        markup = keyboards.appointment_types(EN, BERLIN, types, date(2026, 12, 4), page)
        buttons = _buttons(markup)
        assert len(buttons) <= 100
        pressed = [cb.decode(b.callback_data) for b in buttons]
        names += [b.text for b, p in zip(buttons, pressed) if isinstance(p, cb.ShowMonth)]
        if not any(isinstance(p, cb.TypesPage) and p.page == page + 1 for p in pressed):
            break
        page += 1
    assert names == [t.name for t in types]


def test_the_agenda_offers_no_period_beyond_the_date_window():
    window = (date(2025, 12, 1), date(2031, 11, 30))

    def periods(first, last):
        markup = keyboards.agenda(EN, BERLIN, first, last, [], 0, window)
        return {b.text: cb.decode(b.callback_data) for b in _buttons(markup)}

    at_end = periods(date(2031, 11, 30), date(2031, 11, 30))
    assert "»" not in at_end and at_end["«"] == cb.AgendaDay(date(2031, 11, 29), date(2031, 11, 29))
    week = periods(date(2025, 12, 1), date(2025, 12, 7))
    assert "«" not in week and "»" in week
