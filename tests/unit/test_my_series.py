"""A weekly series in /my (issue #14): the grouping, its texts and its buttons, without Telegram."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from conversations import callbacks as cb
from conversations import keyboards, my_series_views, texts
from conversations.i18n import texts_for
from conversations.texts import MY_PER_PAGE
from core.booking import book_appointment, cancel_appointment
from core.client_series import SeriesEntry, client_series, group_series, my_entries
from core.clients import get_or_create_client
from core.errors import NotFound
from core.model import (
    Appointment,
    AppointmentDetails,
    AppointmentStatus,
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
from tests.unit.fakes import FakeUnitOfWorkFactory

EN, RU, ES = texts_for("en"), texts_for("ru"), texts_for("es")
NNBSP = "\u202f"
PROVIDER = Provider(7, "Dr. Test", ProviderType.THERAPIST, "Europe/Berlin",
                    settings=ProviderSettings(min_notice_hours=24))
THERAPY = AppointmentType(8, 7, "Therapy", 50)
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 10:00 Berlin
WEEK = timedelta(weeks=1)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def occurrence(n: int, series_id: int | None = 5, *, at: datetime | None = None,
               status: AppointmentStatus = AppointmentStatus.CONFIRMED) -> AppointmentDetails:
    start = at or START + n * WEEK
    appointment = Appointment(100 + n + (series_id or 0) * 1000, 7, 9, 8, start, start + timedelta(minutes=50),
                              status, created_at=NOW, series_id=series_id)
    return AppointmentDetails(appointment, PROVIDER, THERAPY)


def single(at: datetime) -> AppointmentDetails:
    return occurrence(0, None, at=at)


def series(count: int = 6, every_weeks: int = 1, series_id: int = 5) -> SeriesEntry:
    return SeriesEntry(series_id, every_weeks, tuple(occurrence(n, series_id) for n in range(count)))


def flat(markup):
    return [(b.text, cb.decode(b.callback_data)) for row in markup.inline_keyboard for b in row]


# -- grouping -----------------------------------------------------------------------------


def test_a_series_becomes_one_entry_where_its_next_session_stands():
    before, between = single(START - timedelta(days=1)), single(START + timedelta(days=1))
    sessions = [occurrence(n) for n in range(4)]
    items = [before, sessions[0], between, *sessions[1:]]
    assert group_series(items, {5: 1}) == [before, SeriesEntry(5, 1, tuple(sessions)), between]


def test_two_series_stay_apart_and_singles_keep_their_order():
    a = [occurrence(n, 5) for n in range(2)]
    b = [occurrence(n, 6, at=START + n * 2 * WEEK + timedelta(hours=3)) for n in range(2)]
    lone = single(START + 10 * WEEK)
    grouped = group_series([a[0], b[0], a[1], b[1], lone], {5: 1, 6: 2})
    assert grouped == [SeriesEntry(5, 1, tuple(a)), SeriesEntry(6, 2, tuple(b)), lone]
    assert [g.left for g in grouped[:2]] == [2, 2] and grouped[1].next == b[0]


def test_an_occurrence_whose_series_is_unknown_stays_a_single_appointment():
    sessions = [occurrence(n) for n in range(2)]
    assert group_series(sessions, {}) == sessions


def test_nothing_to_group():
    assert group_series([], {5: 1}) == []


# -- the services on the fakes ------------------------------------------------------------


async def weekly_client(make_uow: FakeUnitOfWorkFactory, count: int = 4):
    """A provider working Mondays 09:00-17:00 Berlin, a client holding ``count`` weekly
    sessions from START on, and a single booking of hers between the first two."""
    provider, (therapy,) = await register_provider(make_uow(), NewProvider(
        provider=Provider(None, "Dr. Test", ProviderType.THERAPIST, "Europe/Berlin"),
        weekly=(WeeklyInterval(0, time(9), time(17)),),
        appointment_types=(AppointmentType(None, None, "Therapy", 60),),  # an hourly grid
    ))
    client = await get_or_create_client(make_uow(), 501, name="Ana", language="en")
    other = await get_or_create_client(make_uow(), 502, name="Bob", language="en")
    outcome = await book_series(
        make_uow(), provider_id=provider.id, type_id=therapy.id, client_id=client.id,
        request=SeriesRequest(START, every_weeks=1, count=count), now=NOW, by=SeriesBookedBy.SYSTEM,
    )
    lone = await book_appointment(
        make_uow(), provider_id=provider.id, type_id=therapy.id, client_id=client.id,
        start=START + timedelta(hours=3), now=NOW,
    )
    return client.id, other.id, outcome, lone


async def test_my_entries_fold_the_series_and_count_what_is_left():
    make_uow = FakeUnitOfWorkFactory()
    client_id, _, outcome, lone = await weekly_client(make_uow)
    await cancel_appointment(make_uow(), outcome.appointments[1].id, now=NOW, client_id=client_id)
    entries = await my_entries(make_uow(), client_id, NOW)
    assert [type(e).__name__ for e in entries] == ["SeriesEntry", "AppointmentDetails"]
    series_entry, single_entry = entries
    assert series_entry.series_id == outcome.series.id and series_entry.every_weeks == 1
    assert series_entry.left == 3  # the cancelled one is not left
    assert series_entry.next.appointment.start == START
    assert single_entry.appointment.id == lone.id

    # Once the first has ended, what is left counts from the next one (the 2nd is cancelled),
    # and the series moves behind the single booking that day.
    later = await my_entries(make_uow(), client_id, START + timedelta(hours=1))
    assert later[0].appointment.id == lone.id
    assert later[1].left == 2 and later[1].next.appointment.start == START + 2 * WEEK


async def test_client_series_is_the_callers_own_only():
    make_uow = FakeUnitOfWorkFactory()
    client_id, other_id, outcome, _ = await weekly_client(make_uow)
    entry = await client_series(make_uow(), outcome.series.id, client_id, NOW)
    assert [d.appointment.id for d in entry.occurrences] == [a.id for a in outcome.appointments]
    with pytest.raises(NotFound):
        await client_series(make_uow(), outcome.series.id, other_id, NOW)
    with pytest.raises(NotFound):
        await client_series(make_uow(), 999, client_id, NOW)
    # Without "now": every active one, past ones too (the calendar file's).
    after = await client_series(make_uow(), outcome.series.id, client_id, START + 2 * WEEK)
    assert after.left == 2
    assert (await client_series(make_uow(), outcome.series.id, client_id)).left == 4


# -- /my's list ---------------------------------------------------------------------------


def test_my_list_shows_a_series_as_one_line_with_its_next_session_and_what_is_left():
    entries = [series(6), single(START + timedelta(days=1))]
    assert texts.my_appointments(EN, entries, None) == (
        "Your upcoming appointments:\n"
        f"• 🔁 Therapy, Dr. Test, every week: next Dec 7, 2026, 10:00{NNBSP}AM, 6 left\n"
        f"• Dec 8, 2026, 10:00{NNBSP}AM — Therapy, Dr. Test"
    )
    assert "каждые 2 недели: ближайшая 7 дек. 2026" in texts.my_appointments(RU, [series(2, 2)], None)
    assert "осталось 2" in texts.my_appointments(RU, [series(2, 2)], None)
    assert "cada semana: próxima" in texts.my_appointments(ES, [series(1)], None)
    assert "queda 1" in texts.my_appointments(ES, [series(1)], None)


def test_my_list_buttons_open_the_series_or_the_appointment():
    lone = single(START + timedelta(days=1))
    buttons = flat(keyboards.my_list(EN, [series(6), lone], None))
    assert buttons[0] == (f"🔁 12/7/26, 10:00{NNBSP}AM · 6 left · Therapy", cb.MySeries(5))
    assert buttons[1][1] == cb.MyAppointment(lone.appointment.id)


def test_my_list_pages_count_a_series_as_one_item():
    entries = [series(12, series_id=n) for n in range(1, MY_PER_PAGE + 1)]  # 60 sessions
    assert len(flat(keyboards.my_list(EN, entries, None))) == MY_PER_PAGE + 1  # and "Book"
    more = [*entries, single(START + 30 * WEEK)]
    rows = keyboards.my_list(EN, more, None, page=1).inline_keyboard
    assert cb.decode(rows[0][0].callback_data) == cb.MyAppointment(more[-1].appointment.id)
    assert "2/2" in texts.my_appointments(EN, more, None, page=1)


# -- the series' screen -------------------------------------------------------------------


def test_series_screen_lists_every_session_left_and_pages_long_ones():
    entry = series(12)
    text = my_series_views.series_screen(EN, entry, None)
    assert "<b>Therapy</b> — Dr. Test" in text and "every week, 12 sessions left: 1/2" in text
    assert text.count("•") == my_series_views.SERIES_PER_PAGE
    buttons = flat(my_series_views.series_keyboard(EN, entry, None))
    sessions = [target for _, target in buttons if isinstance(target, cb.MyAppointment)]
    assert sessions == [cb.MyAppointment(d.appointment.id) for d in entry.occurrences[:10]]
    assert ("▶", cb.MySeriesPage(5, 1)) in buttons and buttons[-1][1] == cb.MyAppointments()
    second = flat(my_series_views.series_keyboard(EN, entry, None, page=1))
    assert second[0] == (f"2/15/27, 10:00{NNBSP}AM", cb.MyAppointment(entry.occurrences[10].appointment.id))
    assert ("◀", cb.MySeriesPage(5, 0)) in second


def test_series_screen_in_two_zones_and_when_nothing_is_left():
    text = my_series_views.series_screen(EN, series(1), "Asia/Tokyo")
    assert "Dec 7, 2026, 10:00" in text and "(12/7/26, 6:00" in text  # Berlin's, Tokyo's
    assert my_series_views.series_screen(EN, SeriesEntry(5, 1, ()), None) == (
        "This series has no sessions left to come."
    )
    assert flat(my_series_views.series_keyboard(EN, SeriesEntry(5, 1, ()), None)) == [
        ("« My appointments", cb.MyAppointments())
    ]


def test_an_occurrence_screen_says_it_is_part_of_a_series_and_can_cancel_the_rest():
    d = occurrence(2)
    text = my_series_views.occurrence_screen(EN, d, None, 2)
    assert text.endswith("🔁 One session of a series, every 2 weeks.")
    assert [t for _, t in flat(my_series_views.occurrence_keyboard(EN, 77, 5))] == [
        cb.Reschedule(77), cb.AskCancel(77), cb.AskCancelRest(77), cb.CalendarFile(77), cb.MySeries(5),
    ]


def test_the_cancel_question_lists_what_goes_and_marks_the_late_ones():
    d = occurrence(0)
    starts = [START + n * WEEK for n in range(3)]
    on_time = my_series_views.cancel_rest_question(EN, d, starts, None, NOW)
    assert "(3 in all)" in on_time and on_time.count("•") == 3 and "⚠️" not in on_time
    late = my_series_views.cancel_rest_question(EN, d, starts, None, START - timedelta(hours=2))
    assert late.count("⚠️") == 2  # the first session's mark, and the policy under the list
    assert "Less than 24 hours before the start: recorded as a late cancellation." in late
    assert "Меньше чем за 24 часа" in my_series_views.cancel_rest_question(
        RU, d, starts, None, START - timedelta(hours=2)
    )
    assert flat(my_series_views.cancel_rest_keyboard(EN, 77)) == [
        ("Yes, cancel them", cb.ConfirmCancelRest(77)), ("« No, keep them", cb.MyAppointment(77)),
    ]


@pytest.mark.parametrize(
    ("t", "n", "late", "expected"),
    [
        (EN, 4, False, "4 sessions of your series are cancelled. /book to make a new one."),
        (EN, 1, True, ("1 session of your series is cancelled. Those inside the minimum notice "
                       "were recorded as late cancellations. /book to make a new one.")),
        (RU, 4, False, "Отменены 4 встречи вашей серии. /book — записаться снова."),
        (ES, 5, False, "Se han cancelado 5 sesiones de tu serie. Usa /book para reservar otra."),
    ],
)
def test_cancelled_rest_says_how_many(t, n, late, expected):
    assert my_series_views.cancelled_rest(t, n, late) == expected


# -- the calendar file --------------------------------------------------------------------


def test_one_calendar_file_holds_every_session_each_under_its_own_uid():
    from icalendar import Calendar

    from conversations.ics import IcsEvent, appointment_ics, appointments_ics

    def event(n: int) -> IcsEvent:
        return IcsEvent(uid=f"appointment-{n}@slotbot", start=START + n * WEEK,
                        end=START + n * WEEK + timedelta(minutes=50), summary="Therapy — Dr. Test",
                        description=None, location=None, organizer_name="Dr. Test", created=NOW)

    payload = appointments_ics([event(n) for n in range(3)])
    events = Calendar.from_ical(payload).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"appointment-{n}@slotbot" for n in range(3)]
    assert [e.decoded("DTSTART") for e in events] == [START + n * WEEK for n in range(3)]
    assert appointments_ics([event(0)]) == appointment_ics(**vars(event(0)))  # one is the single file
    with pytest.raises(ValueError):
        appointments_ics([])
    with pytest.raises(ValueError):  # each event is checked as a single one is
        appointments_ics([event(0), IcsEvent(**{**vars(event(1)), "uid": "two\nlines"})])
