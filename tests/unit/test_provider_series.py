"""The provider's side of weekly series (issue #14): core.provider_series on the fakes, and
the pure texts and keyboards of conversations/provider_series_views.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations import callbacks as cb
from conversations import provider_series_views as views
from conversations.i18n import texts_for
from core.clients import get_or_create_client
from core.errors import InvalidTransition, NotFound
from core.model import (
    AgendaItem,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    Client,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    SeriesBookedBy,
    WeeklyInterval,
)
from core.providers import register_provider
from core.provider_series import (
    client_card,
    confirm_series,
    decline_series,
    fingerprint,
    position_in_series,
    series_position,
    series_rest,
)
from core.series import Occurrence, OccurrenceState, SeriesRequest
from core.series_booking import book_series, cancel_series_from
from core.waitlist import join_waitlist
from tests.unit.fakes import FakeUnitOfWorkFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
TUESDAY = datetime.combine(date(2026, 12, 1), time(9), BERLIN).astimezone(UTC)
EN = texts_for("en")


def tuesdays(*, auto_confirm: bool) -> NewProvider:
    return NewProvider(
        provider=Provider(id=None, name="Tutor & Co", type=ProviderType.TUTOR, timezone="Europe/Berlin",
                          settings=ProviderSettings(max_advance_days=90, auto_confirm=auto_confirm)),
        weekly=(WeeklyInterval(1, time(9), time(12)),),
        overrides=(),
        appointment_types=(AppointmentType(None, None, "Lesson", 60),),
    )


class Tutor:
    """A tutor on Tuesdays 09:00-12:00 Berlin and a client with a weekly series of ``weeks``."""

    def __init__(self, make_uow: FakeUnitOfWorkFactory) -> None:
        self.make_uow = make_uow

    async def setup(self, *, auto_confirm: bool, weeks: int = 4) -> Tutor:
        provider, (lesson,) = await register_provider(self.make_uow(), tuesdays(auto_confirm=auto_confirm))
        self.provider_id, self.lesson = provider.id, lesson.id
        self.client = await get_or_create_client(self.make_uow(), 77, name="Ann")
        outcome = await book_series(
            self.make_uow(), provider_id=provider.id, type_id=lesson.id, client_id=self.client.id,
            request=SeriesRequest(TUESDAY, every_weeks=1, count=weeks), now=NOW, by=SeriesBookedBy.SYSTEM,
        )
        self.series_id = outcome.series.id
        self.ids = [a.id for a in outcome.appointments]
        return self

    async def statuses(self) -> list[AppointmentStatus]:
        async with self.make_uow() as uow:
            return [(await uow.appointments.get(i)).status for i in self.ids]


@pytest.fixture
async def manual() -> Tutor:
    return await Tutor(FakeUnitOfWorkFactory()).setup(auto_confirm=False)


@pytest.fixture
async def auto() -> Tutor:
    return await Tutor(FakeUnitOfWorkFactory()).setup(auto_confirm=True)


async def test_confirm_all_confirms_every_waiting_future_session_in_one_go(manual):
    confirmed = await confirm_series(manual.make_uow(), manual.series_id, provider_id=manual.provider_id,
                                     now=NOW)
    assert [a.id for a in confirmed] == manual.ids
    assert await manual.statuses() == [AppointmentStatus.CONFIRMED] * 4
    with pytest.raises(InvalidTransition):  # nothing waits any more: a second tap
        await confirm_series(manual.make_uow(), manual.series_id, provider_id=manual.provider_id, now=NOW)


async def test_confirm_all_leaves_started_and_cancelled_sessions_alone(manual):
    await cancel_series_from(manual.make_uow(), manual.ids[3], now=NOW, by=CancelledBy.PROVIDER)
    later = TUESDAY + timedelta(hours=2)  # the first session has started
    confirmed = await confirm_series(manual.make_uow(), manual.series_id, provider_id=manual.provider_id,
                                     now=later)
    assert [a.id for a in confirmed] == manual.ids[1:3]
    assert await manual.statuses() == [AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED,
                                       AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED]


async def test_decline_all_cancels_them_by_the_provider_and_offers_the_times_to_the_waitlist(manual):
    waiting = await get_or_create_client(manual.make_uow(), 78, name="Ben")
    await join_waitlist(manual.make_uow(), client_id=waiting.id, provider_id=manual.provider_id,
                        type_id=manual.lesson, day=date(2026, 12, 8), zone_name="Europe/Berlin", now=NOW)
    declined = await decline_series(manual.make_uow(), manual.series_id, provider_id=manual.provider_id,
                                    now=NOW, reason="Full term")
    assert [a.id for a in declined] == manual.ids
    assert {(a.cancelled_by, a.cancel_reason) for a in declined} == {(CancelledBy.PROVIDER, "Full term")}
    assert await manual.statuses() == [AppointmentStatus.CANCELLED] * 4
    async with manual.make_uow() as uow:
        offers = await uow.waitlist.open_offers(manual.provider_id)
    assert [o.client_id for o in offers] == [waiting.id]


async def test_another_provider_cannot_decide_the_series(manual):
    other, _types = await register_provider(manual.make_uow(), tuesdays(auto_confirm=False))
    for decide in (confirm_series, decline_series):
        with pytest.raises(NotFound):
            await decide(manual.make_uow(), manual.series_id, provider_id=other.id, now=NOW)
        with pytest.raises(NotFound):
            await decide(manual.make_uow(), 999, provider_id=manual.provider_id, now=NOW)
    assert await manual.statuses() == [AppointmentStatus.PENDING] * 4


async def test_a_session_knows_its_place_and_cancelling_does_not_renumber(auto):
    place = await series_position(auto.make_uow(), auto.provider_id, auto.ids[2])
    assert (place.number, place.booked) == (3, 4)
    await cancel_series_from(auto.make_uow(), auto.ids[3], now=NOW, by=CancelledBy.PROVIDER)
    place = await series_position(auto.make_uow(), auto.provider_id, auto.ids[2])
    assert (place.number, place.booked) == (3, 4)
    with pytest.raises(NotFound):
        await series_position(auto.make_uow(), auto.provider_id + 1, auto.ids[2])


def test_position_in_series_of_an_appointment_outside_it_is_none():
    assert position_in_series(_appointment(5), [_appointment(1), _appointment(2)]) is None


def _appointment(appointment_id: int):
    from core.model import Appointment

    start = TUESDAY + timedelta(weeks=appointment_id)
    return Appointment(appointment_id, 1, 1, 1, start, start + timedelta(hours=1), AppointmentStatus.CONFIRMED,
                       created_at=NOW)


async def test_the_rest_of_a_series_from_a_date_starts_at_that_dates_midnight_in_berlin(auto):
    rest = await series_rest(auto.make_uow(), auto.provider_id, auto.ids[1], NOW)
    assert rest.from_start == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 8 Dec, 00:00 Berlin
    assert len(rest.starts) == 3 and rest.item.client.name == "Ann"
    with pytest.raises(NotFound):
        await series_rest(auto.make_uow(), auto.provider_id + 1, auto.ids[1], NOW)
    with pytest.raises(InvalidTransition):  # all of them over
        await series_rest(auto.make_uow(), auto.provider_id, auto.ids[1], NOW + timedelta(weeks=6))


async def test_a_client_card_is_only_for_the_providers_own_clients(auto):
    client, blocked = await client_card(auto.make_uow(), auto.provider_id, auto.client.id)
    assert (client.name, blocked) == ("Ann", False)
    stranger = await get_or_create_client(auto.make_uow(), 79)
    with pytest.raises(NotFound):
        await client_card(auto.make_uow(), auto.provider_id, stranger.id)


def test_the_fingerprint_changes_with_any_start_and_with_a_skip():
    starts = [TUESDAY, TUESDAY + timedelta(weeks=1), None]
    assert fingerprint(starts) == fingerprint(list(starts))
    assert fingerprint(starts) != fingerprint([TUESDAY, None, None])
    assert fingerprint(starts) != fingerprint([TUESDAY, TUESDAY + timedelta(weeks=1, hours=1), None])
    assert cb.decode(cb.encode(cb.SeriesBook(1, 2, TUESDAY, 1, 3, fingerprint(starts)))) is not None


# ----------------------------------------------------------------------- texts and keyboards


PROVIDER = Provider(3, "Tutor & Co", ProviderType.TUTOR, "Europe/Berlin")
LESSON = AppointmentType(9, 3, "Lesson <1:1>", 60, max_series_occurrences=8)
ANN = Client(4, 77, name="Ann", timezone="Asia/Tokyo")


def _buttons(markup):
    return {b.text: cb.decode(b.callback_data) for row in markup.inline_keyboard for b in row}


def test_the_preview_marks_free_and_refused_sessions_with_the_reason_in_both_zones():
    occurrences = [
        Occurrence(date(2026, 12, 1), TUESDAY, TUESDAY + timedelta(hours=1), OccurrenceState.FREE),
        Occurrence(date(2026, 12, 8), TUESDAY + timedelta(weeks=1), None, OccurrenceState.DAY_OFF),
        Occurrence(date(2027, 3, 30), None, None, OccurrenceState.DST_GAP),
    ]
    text = views.series_preview(EN, PROVIDER, ANN, LESSON, occurrences, 1)
    lines = text.splitlines()
    assert lines[0] == "<b>Weekly series for Ann: Lesson &lt;1:1&gt;</b>"
    assert lines[1] == "3 sessions, every week:"
    assert lines[2].startswith("✅ Dec 1, 2026, 9:00") and "Tokyo" in lines[2]  # both zones
    assert lines[3].startswith("✖️ Dec 8, 2026") and lines[3].endswith("— day off")
    assert lines[4].startswith("✖️ Mar 30, 2027 — this time does not exist")
    markup = views.series_preview_keyboard(EN, 4, 9, TUESDAY, 1, 3, 1, "abc")
    assert _buttons(markup)["✅ Book the 1 free session"] == cb.SeriesBook(4, 9, TUESDAY, 1, 3, "abc")
    assert "✅ Book the 0 free sessions" not in _buttons(views.series_preview_keyboard(EN, 4, 9, TUESDAY, 1, 3, 0, "x"))


def test_how_many_sessions_offers_two_to_the_types_maximum():
    markup = views.series_count(EN, 4, 9, TUESDAY, 2, LESSON.max_series_occurrences)
    counts = [b.text for b in markup.inline_keyboard[0] + markup.inline_keyboard[1]]
    assert counts == [str(n) for n in range(2, 9)]
    assert _buttons(markup)["8"] == cb.ProviderSeriesPreview(4, 9, TUESDAY, 2, 8)


def test_every_one_two_or_four_weeks():
    assert [b.text for row in views.series_every(EN, PROVIDER, 4, 9, TUESDAY).inline_keyboard[:3]
            for b in row] == ["every week", "every 2 weeks", "every 4 weeks"]


def test_the_month_offers_only_open_days_and_stays_inside_the_window():
    from core.availability import DayAvailability, DayStatus

    days = [DayAvailability(date(2026, 12, d), DayStatus.OPEN if d in (1, 8) else DayStatus.CLOSED, ())
            for d in range(1, 32)]
    markup = views.series_month(EN, 4, 9, 2026, 12, days, today=date(2026, 11, 25),
                                last_bookable=date(2026, 12, 31))
    tappable = {b.text: cb.decode(b.callback_data) for row in markup.inline_keyboard[2:] for b in row
                if isinstance(cb.decode(b.callback_data), cb.SeriesDay)}
    assert tappable == {"1": cb.SeriesDay(4, 9, date(2026, 12, 1)), "8": cb.SeriesDay(4, 9, date(2026, 12, 8))}
    header = [cb.decode(b.callback_data) for b in markup.inline_keyboard[0]]
    assert header[0] == cb.SeriesMonth(4, 9, 2026, 11) and header[2] == cb.NotBookable("label")


def test_the_client_card_books_a_series_unless_blocked():
    text, markup = views.client_card(EN, Client(4, 77, name="<Ann>"), False)
    assert text == "<b>&lt;Ann&gt;</b>"
    assert _buttons(markup)["🔁 Book a weekly series"] == cb.SeriesForClient(4)
    assert _buttons(markup)["Block this client"] == cb.ClientBlockToggle(4, True)
    text, markup = views.client_card(EN, Client(4, 77, name="Ann"), True)
    assert "Blocked" in text and "🔁 Book a weekly series" not in _buttons(markup)
    assert _buttons(markup)["Unblock this client"] == cb.ClientBlockToggle(4, False)


def test_the_series_cancel_question_lists_what_goes_and_offers_no_reason():
    item = AgendaItem(_appointment(1), ANN, LESSON)
    starts = [TUESDAY + timedelta(weeks=n) for n in range(25)]
    text = views.series_cancel_question(EN, PROVIDER, item, starts)
    assert text.startswith("Cancel these 25 sessions of Ann's weekly series (Lesson &lt;1:1&gt;)?")
    assert text.count("•") == views.LISTED and "… and 5 more." in text
    assert _buttons(views.series_cancel_keyboard(EN, 12)) == {
        "❌ Cancel them without a reason": cb.SeriesCancelNow(12), "« No, keep them": cb.AgendaEntry(12)}


def test_confirm_all_and_decline_all_name_the_series():
    assert _buttons(views.series_decision_keyboard(EN, 6)) == {
        "✅ Confirm all": cb.SeriesDecision(6, True), "✖️ Decline all": cb.SeriesDecision(6, False)}
    assert views.series_decided(EN, 4, True) == "Confirmed 4 sessions of the series; the client was told."
    assert views.series_decided(EN, 1, False) == "Declined 1 session of the series; the client was told."
