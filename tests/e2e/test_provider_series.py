"""Weekly series from the provider's side (issue #14), through the real bot and the stand-in.

The clock stands at Wednesday 2026-11-25 12:00 UTC; Lena works in Europe/Berlin.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations import callbacks as cb
from conversations.i18n import texts_for
from core.model import AppointmentStatus, SeriesBookedBy
from core.series import SeriesRequest
from core.series_booking import book_series
from tests.e2e.test_provider_journey import book_with_lena, lena_with_hours_and_a_type

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
MONDAY_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


async def _check_up(bot):
    async with bot.uow() as unit:
        (provider,) = [p for p in await unit.providers.offers() if p.provider.name == "Dr. Lena Vogel"]
    (check_up,) = provider.types
    return check_up


async def test_the_provider_lets_clients_book_a_type_as_a_weekly_series(bot):
    lena = await lena_with_hours_and_a_type(bot)
    assert "Clients may book a weekly series: off" in lena.last.text
    assert not (await _check_up(bot)).allow_series

    await lena.tap("🔁 Allow weekly series")
    assert "Clients may book a weekly series: on" in lena.last.text
    assert (await _check_up(bot)).allow_series

    await lena.tap("✏️ Sessions in a series")
    await lena.send("60")
    assert "not a whole number from 2 to 52" in lena.last.text
    await lena.send("20")
    assert "Maximum sessions in a series: 20" in lena.last.text
    check_up = await _check_up(bot)
    assert (check_up.allow_series, check_up.max_series_occurrences) == (True, 20)

    await lena.tap("🔁 Stop weekly series")
    assert not (await _check_up(bot)).allow_series


async def _lena(bot):
    async with bot.uow() as unit:
        (offer,) = [p for p in await unit.providers.offers() if p.provider.name == "Dr. Lena Vogel"]
    return offer.provider


async def _weekly_series_for(bot, client_user, weeks, first=MONDAY_0900):
    """``weeks`` Mondays at 09:00 Berlin for the client, booked as the command line does."""
    await client_user.send("/start")
    provider, check_up = await _lena(bot), await _check_up(bot)
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(client_user.id)
    outcome = await book_series(
        bot.uow(), provider_id=provider.id, type_id=check_up.id, client_id=client.id,
        request=SeriesRequest(first, every_weeks=1, count=weeks), now=bot.clock.now,
        by=SeriesBookedBy.SYSTEM,
    )
    assert len(outcome.appointments) == weeks
    return outcome


async def test_the_provider_cancels_a_series_from_the_third_sessions_date_and_the_client_hears_once(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(731, "Tom")
    outcome = await _weekly_series_for(bot, tom, 6)
    ids = [a.id for a in outcome.appointments]

    await lena.send("/agenda 2026-12-14")  # the third Monday
    assert "🔁" in lena.last.text
    await lena.tap(0)
    assert "Part of a weekly series (3 of 6)" in lena.last.text
    await lena.tap("🔁 Cancel the series from this date")
    question = lena.last.text
    assert "Cancel these 4 sessions of Tom's weekly series (Check-up)?" in question
    assert question.count("•") == 4 and "Dec 14, 2026" in question and "Jan 4, 2027" in question

    told_before = len(tom.bot_messages)
    await lena.send("I am moving to another city")
    assert lena.last.text == EN.ngettext(
        "Cancelled {n} session of the series; the client was told.",
        "Cancelled {n} sessions of the series; the client was told.", 4).format(n=4)
    async with bot.uow() as unit:
        statuses = [(await unit.appointments.get(i)).status for i in ids]
    assert statuses == [AppointmentStatus.CONFIRMED] * 2 + [AppointmentStatus.CANCELLED] * 4
    (notice,) = tom.bot_messages[told_before:]
    assert "Dr. Lena Vogel cancelled these sessions of your series" in notice.text
    assert notice.text.count("•") == 4 and "I am moving to another city" in notice.text

    # The first two sessions stay; their entries still offer to cancel what is left.
    await lena.send("/agenda 2026-12-14")
    assert not [t for t in lena.last.button_texts if "Tom" in t]  # cancelled ones are not listed


async def test_a_series_cancel_without_a_reason_and_a_foreign_tap_changes_nothing_of_others(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(732, "Tom")
    outcome = await _weekly_series_for(bot, tom, 3)
    mark = bot.user(733, "Mark")
    await mark.send("/start")
    await mark.tap_data(cb.encode(cb.SeriesCancelFrom(outcome.appointments[0].id)), mark.last.message_id)
    await mark.tap_data(cb.encode(cb.SeriesCancelNow(outcome.appointments[0].id)), mark.last.message_id)
    async with bot.uow() as unit:
        assert all([(await unit.appointments.get(a.id)).is_active for a in outcome.appointments])

    await lena.send("/agenda 2026-12-07")
    await lena.tap(0)
    await lena.tap("🔁 Cancel the series from this date")
    await lena.tap("❌ Cancel them without a reason")
    async with bot.uow() as unit:
        active = [(await unit.appointments.get(a.id)).is_active for a in outcome.appointments]
    assert active == [True, False, False]
    assert "Reason" not in tom.last.text and tom.last.text.count("•") == 2


async def _lena_books_tom_weekly(bot, lena, weeks="4"):
    """/clients → Tom's card → a weekly Check-up from Monday 30 November, 09:00, to the preview."""
    await lena.send("/clients")
    await lena.tap("Tom")
    await lena.tap("🔁 Book a weekly series")
    await lena.tap("Check-up")
    assert "Pick the first date" in lena.last.text
    await lena.tap("30")
    await lena.tap("9:00\u202fAM")
    await lena.tap("every week")
    await lena.tap(weeks)


async def test_the_provider_books_a_series_for_a_client_around_a_day_off_and_the_client_hears_once(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(734, "Tom")
    await book_with_lena(bot, tom, day="27")  # Tom booked with Lena before: he has a card
    await lena.send("/block 2026-12-14")  # the third Monday: a day off
    await _lena_books_tom_weekly(bot, lena)

    preview = lena.last.text
    assert "Weekly series for Tom: Check-up" in preview
    assert preview.count("✅") == 3 and preview.count("✖️") == 1
    (refused,) = [line for line in preview.splitlines() if line.startswith("✖️")]
    assert "Dec 14, 2026" in refused and "day off" in refused
    told_before = len(tom.bot_messages)
    await lena.tap("✅ Book the 3 free sessions")
    assert lena.last.text == "Booked 3 sessions for Tom; they were told."

    (notice,) = tom.bot_messages[told_before:]
    assert "Dr. Lena Vogel booked a weekly series for you" in notice.text
    assert notice.text.count("•") == 3 and "Dec 14" not in notice.text
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(tom.id)
        (single, *sessions) = sorted(
            await unit.appointments.for_client(client.id, since=bot.clock.now), key=lambda a: a.id)
        series = await unit.series.get(sessions[0].series_id)
    assert single.series_id is None and len(sessions) == 3
    assert {a.series_id for a in sessions} == {series.id} and series.booked_by is SeriesBookedBy.PROVIDER
    assert [(s.local_date.isoformat(), s.reason) for s in series.skipped] == [("2026-12-14", "SKIPPED")]


async def test_a_series_whose_calendar_changed_since_the_preview_books_nothing_and_shows_it_again(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(735, "Tom")
    await book_with_lena(bot, tom, day="27")
    await _lena_books_tom_weekly(bot, lena, weeks="3")
    preview = lena.last
    assert preview.text.count("✅") == 3
    anna = bot.user(736, "Anna")  # takes Monday 7 December, 09:00: the second session
    await anna.send("/book")
    await anna.tap("Dr. Lena Vogel")
    await anna.tap("Check-up")
    await anna.tap("»")
    await anna.tap("7")
    await anna.tap("9:00 AM")
    await anna.tap("✅ Confirm")
    await lena.tap("✅ Book the 3 free sessions", message=preview)
    (updated,) = [m for m in lena.new_messages() if m.message_id == preview.message_id]
    assert "The calendar changed" in updated.text
    assert updated.text.count("✅") == 2 and "taken" in updated.text
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(tom.id)
        assert [a for a in await unit.appointments.for_client(client.id, since=bot.clock.now) if a.series_id] == []
    await lena.tap("✅ Book the 2 free sessions", message=updated)
    assert [m.text for m in lena.new_messages()] == ["Booked 2 sessions for Tom; they were told."]


async def test_only_the_providers_own_clients_have_a_card(bot):
    lena = await lena_with_hours_and_a_type(bot)
    stranger = bot.user(737, "Eve")
    await stranger.send("/start")
    async with bot.uow() as unit:
        eve = await unit.clients.by_telegram_id(737)
    await lena.send("/clients")
    for button in (cb.ClientCard(eve.id), cb.SeriesForClient(eve.id),
                   cb.ProviderSeriesPreview(eve.id, (await _check_up(bot)).id, MONDAY_0900, 1, 4)):
        await lena.tap_data(cb.encode(button), lena.last.message_id)
        assert lena.last.text == EN._("This menu has expired.")


async def _pending_series_from(bot, client_user, weeks=4):
    """Lena confirms by hand and offers Check-up as a series; the client books ``weeks``
    Mondays and Lena gets the one notice a client's series sends."""
    from telegram.ext import CallbackContext

    from conversations import series_notices
    from core.provider_admin import update_appointment_type, update_provider

    provider, check_up = await _lena(bot), await _check_up(bot)
    await update_provider(bot.uow(), provider.id, auto_confirm=False)
    await update_appointment_type(bot.uow(), provider.id, check_up.id, allow_series=True)
    await client_user.send("/start")
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(client_user.id)
    outcome = await book_series(
        bot.uow(), provider_id=provider.id, type_id=check_up.id, client_id=client.id,
        request=SeriesRequest(MONDAY_0900, every_weeks=1, count=weeks), now=bot.clock.now,
        by=SeriesBookedBy.CLIENT,
    )
    await series_notices.series_booked(CallbackContext(bot.application), outcome.series.id, by=SeriesBookedBy.CLIENT)
    return outcome


async def _statuses(bot, outcome):
    async with bot.uow() as unit:
        return [(await unit.appointments.get(a.id)).status for a in outcome.appointments]


async def test_confirm_all_confirms_a_pending_series_and_tells_the_client_once(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(738, "Tom")
    outcome = await _pending_series_from(bot, tom)
    notice = lena.last
    assert "New weekly series" in notice.text and notice.text.count("•") == 4
    assert notice.button_texts == ["✅ Confirm all", "✖️ Decline all"]
    assert await _statuses(bot, outcome) == [AppointmentStatus.PENDING] * 4

    told_before = len(tom.bot_messages)
    await lena.tap("✅ Confirm all", message=notice)
    assert await _statuses(bot, outcome) == [AppointmentStatus.CONFIRMED] * 4
    (told,) = tom.bot_messages[told_before:]
    assert "Dr. Lena Vogel confirmed these sessions of your series" in told.text and told.text.count("•") == 4
    (answered,) = [m for m in lena.new_messages() if m.message_id == notice.message_id]
    assert answered.text == "Confirmed 4 sessions of the series; the client was told."

    await lena.tap_data(cb.encode(cb.SeriesDecision(outcome.series.id, False)), notice.message_id)  # stale
    assert lena.last.text == EN._("That is no longer possible.")
    assert await _statuses(bot, outcome) == [AppointmentStatus.CONFIRMED] * 4
    assert len(tom.bot_messages) == told_before + 1


async def test_decline_all_is_only_for_the_series_provider(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(739, "Tom")
    outcome = await _pending_series_from(bot, tom, weeks=2)
    await tom.tap_data(cb.encode(cb.SeriesDecision(outcome.series.id, False)), tom.last.message_id)
    assert await _statuses(bot, outcome) == [AppointmentStatus.PENDING] * 2

    told_before = len(tom.bot_messages)
    await lena.tap("✖️ Decline all")
    assert await _statuses(bot, outcome) == [AppointmentStatus.CANCELLED] * 2
    (told,) = tom.bot_messages[told_before:]
    assert "Dr. Lena Vogel declined these sessions of your series" in told.text


async def test_forged_dates_and_months_of_the_series_steps_answer_without_failing(bot):
    from datetime import date

    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(740, "Tom")
    await book_with_lena(bot, tom, day="27")
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(tom.id)
    type_id = (await _check_up(bot)).id
    await lena.send("/clients")
    for button, expected in [
        (cb.SeriesDay(client.id, type_id, date(9999, 12, 31)), "No free times on this day anymore."),
        (cb.SeriesMonth(client.id, type_id, 9999, 13), "Pick the first date:"),
        (cb.ProviderSeriesEvery(client.id, type_id, MONDAY_0900, 3), EN._("This menu has expired.")),
        (cb.ProviderSeriesPreview(client.id, type_id, MONDAY_0900, 1, 53), EN._("This menu has expired.")),
        (cb.ProviderSeriesPreview(client.id, type_id, datetime(9999, 12, 30, 8, tzinfo=UTC), 1, 2), ""),
        (cb.ProviderSeriesPreview(client.id, type_id, datetime(9999, 12, 20, 8, tzinfo=UTC), 1, 2), ""),
        (cb.SeriesBook(client.id, type_id, datetime(9999, 12, 20, 8, tzinfo=UTC), 1, 2, "x"), ""),
    ]:
        await lena.tap_data(cb.encode(button), lena.last.message_id)
        assert expected in lena.last.text and "something went wrong" not in lena.last.text
    assert not bot.standin.open_callback_queries
