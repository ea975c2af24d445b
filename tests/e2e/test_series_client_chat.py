"""A client books a weekly series from the chat (issue #14), through the real bot.

The clock stands at Wednesday 2026-11-25 12:00 UTC. Dr. Ana Petrova (the demo
clinic's first provider, run from Telegram by user 700 here) works Mon-Fri
09:00-12:30 and 14:00-18:00 Berlin time: 30-minute consultations, a 10-minute
buffer (times every 40 minutes: 9:00, 9:40, 10:20 …), 30 days ahead. Her
consultations may be booked as a series. Mondays: Nov 30, Dec 7, 14, 21.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from conversations.i18n import texts_for
from core.model import AppointmentStatus

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EN = texts_for("en")
ANA, ANA_USER = 1, 700
NINE = "9:00\u202fAM"
MONDAYS_NINE = [datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(weeks=n) for n in range(4)]


@pytest.fixture
async def ana(bot):
    """Ana's consultations may be repeated; her messages reach user 700."""
    async with bot.uow() as unit:
        await unit.begin_write()
        provider = await unit.providers.get(ANA)
        await unit.providers.update(dataclasses.replace(provider, telegram_user_id=ANA_USER))
        consultation = await unit.providers.appointment_type(bot.type_ids[0][0])
        await unit.providers.update_type(dataclasses.replace(consultation, allow_series=True))
        await unit.commit()
    return bot.user(ANA_USER, "Ana", "en")


async def summary_of(user, day="30", next_month=False, time=NINE):
    await user.send("/book")
    await user.tap("Dr. Ana Petrova")
    await user.tap("Consultation")
    if next_month:
        await user.tap("»")
    await user.tap(day)
    await user.tap(time)
    return user.last


async def book_once(user, day, next_month=True):
    await summary_of(user, day, next_month)
    await user.tap("✅ Confirm")
    assert EN._("✅ Booked and confirmed!") in user.last.text


async def preview_of(user, count="4"):
    summary = await summary_of(user)
    await user.tap("🔁 Repeat weekly…", summary)
    await user.tap("every week")
    await user.tap(count)
    return user.last


def button(message, starting):
    found = [(text, data) for row in message.buttons for text, data in row if text.startswith(starting)]
    assert found, f"no button starting {starting!r}: {message.button_texts}"
    return found[0]


async def series_rows(bot, telegram_id):
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(telegram_id)
        if client is None:
            return []
        return await unit.appointments.for_client(client.id, since=bot.clock.now)


def series_notices(user):
    return [m for m in user.bot_messages if "weekly series" in (m.text or "")]


async def test_preview_shows_the_taken_week_swap_it_confirm_and_the_provider_hears_once(bot, ana):
    await book_once(bot.user(301, "Other"), "7")  # Monday Dec 7, 9:00: week 2 is taken
    zoe = bot.user(302, "Zoe")
    preview = await preview_of(zoe)
    lines = preview.text.splitlines()
    assert any(line.startswith("2. ✖") and "taken" in line for line in lines), preview.text
    assert sum(line.startswith(("1. ✅", "3. ✅", "4. ✅")) for line in lines) == 3
    assert not any(text.startswith("✅ Confirm") for text in preview.button_texts)  # week 2 undecided
    assert "🔄 Swap 1" not in preview.button_texts  # a free one can only be skipped

    await zoe.tap("🔄 Swap 2")
    assert "December 7, 2026" in zoe.last.text
    assert NINE not in zoe.last.button_texts
    await zoe.tap("9:40\u202fAM")
    preview = zoe.last
    assert any(line.startswith("2. 🔄") for line in preview.text.splitlines()), preview.text
    notices_before = len(ana.bot_messages)
    confirm_text, confirm_data = button(preview, "✅ Confirm")
    assert confirm_text == "✅ Confirm 4 sessions"

    await zoe.tap(confirm_text)
    assert EN._("✅ Series booked and confirmed!") in zoe.last.text
    assert zoe.last.button_texts == ["My appointments"]
    rows = await series_rows(bot, 302)
    assert len(rows) == 4 and len({a.series_id for a in rows}) == 1 and rows[0].series_id is not None
    expected = [MONDAYS_NINE[0], MONDAYS_NINE[1] + timedelta(minutes=40), *MONDAYS_NINE[2:]]
    assert sorted(a.start for a in rows) == expected
    assert {a.status for a in rows} == {AppointmentStatus.CONFIRMED}
    assert len(ana.bot_messages) == notices_before + 1
    assert len(series_notices(ana)) == 1 and "Zoe" in series_notices(ana)[0].text

    # A second tap on the same Confirm: the same series, said so, nobody told again.
    await zoe.tap_data(confirm_data, preview.message_id)
    assert EN._("✅ You have already booked this series.") in zoe.last.text
    assert len(await series_rows(bot, 302)) == 4
    assert len(ana.bot_messages) == notices_before + 1
    assert not bot.standin.open_callback_queries


async def test_a_time_taken_between_preview_and_confirm_shows_the_new_preview_and_books_nothing(bot, ana):
    zoe = bot.user(311, "Zoe")
    preview = await preview_of(zoe)
    assert all(line.startswith(f"{n}. ✅") for n, line in zip(range(1, 5), preview.text.splitlines()[2:6]))
    await book_once(bot.user(312, "Quick"), "14")  # week 3, 9:00, while Zoe looks

    await zoe.tap("✅ Confirm 4 sessions", preview)
    again = zoe.last
    assert "Nothing was booked: session 3 is no longer available." in again.text
    assert any(line.startswith("3. ✖") and "taken" in line for line in again.text.splitlines())
    assert await series_rows(bot, 311) == []
    assert series_notices(ana) == []

    await zoe.tap("⏭ Skip 3")  # then it books the other three
    await zoe.tap("✅ Confirm 3 sessions")
    rows = await series_rows(bot, 311)
    assert sorted(a.start for a in rows) == [MONDAYS_NINE[0], MONDAYS_NINE[1], MONDAYS_NINE[3]]
    assert "Not booked:" in zoe.last.text and "skipped" in zoe.last.text
    assert len(series_notices(ana)) == 1


async def test_double_tap_on_confirm_books_one_series(bot, ana):
    zoe = bot.user(321, "Zoe")
    preview = await preview_of(zoe, count="2")
    _text, confirm = button(preview, "✅ Confirm")
    await zoe.tap_data(confirm, preview.message_id)
    await zoe.tap_data(confirm, preview.message_id)
    assert EN._("✅ You have already booked this series.") in zoe.last.text
    rows = await series_rows(bot, 321)
    assert sorted(a.start for a in rows) == MONDAYS_NINE[:2]
    assert len({a.series_id for a in rows}) == 1
    assert len(series_notices(ana)) == 1


async def test_an_older_previews_buttons_say_expired(bot, ana):
    zoe = bot.user(331, "Zoe")
    old = await preview_of(zoe, count="2")
    _text, old_confirm = button(old, "✅ Confirm")  # data as it was: the message is edited later
    await preview_of(zoe, count="3")
    await zoe.tap_data(old_confirm, old.message_id)
    (answer,) = zoe.new_messages()  # the old preview, edited
    assert answer.message_id == old.message_id and EN._("This menu has expired.") in answer.text
    assert await series_rows(bot, 331) == []


async def test_until_a_date_answers_hostile_text_and_keeps_asking(bot, ana):
    zoe = bot.user(341, "Zoe")
    await zoe.tap("🔁 Repeat weekly…", await summary_of(zoe))
    await zoe.tap("every week")
    await zoe.tap("📅 Until a date…")
    assert "date of the last session" in zoe.last.text

    await zoe.send("<b>soon</b> & later")
    assert "“<b>soon</b> & later”" in zoe.last.text  # shown as typed: escaped, not markup
    for hostile in ("</i>" * 500, "2026-13-45", "\u202e12.12", "tomorrow and then"):
        await zoe.send(hostile)
        assert "cannot read" in zoe.last.text, zoe.last.text
    await zoe.send("2026-11-20")
    assert "has passed" in zoe.last.text
    await zoe.send("2027-06-01")  # more than the type's 12
    assert "at the latest" in zoe.last.text
    await zoe.send("2026-11-30")
    assert "at the earliest" in zoe.last.text
    await zoe.send("21.12.2026")
    preview = zoe.last
    assert [line[:4] for line in preview.text.splitlines()[2:6]] == ["1. ✅", "2. ✅", "3. ✅", "4. ✅"]
    assert "✅ Confirm 4 sessions" in preview.button_texts


async def test_cancel_at_the_until_prompt_gets_out(bot, ana):
    zoe = bot.user(351, "Zoe")
    await zoe.tap("🔁 Repeat weekly…", await summary_of(zoe))
    await zoe.tap("every 2 weeks")
    await zoe.tap("📅 Until a date…")
    await zoe.send("/cancel")
    await zoe.send("2026-12-28")
    assert "buttons" in zoe.last.text  # a stray text now, no preview
    assert await series_rows(bot, 351) == []


async def test_repeat_is_offered_only_where_the_type_allows_series(bot, ana):
    zoe = bot.user(361, "Zoe")
    summary = await summary_of(zoe)
    assert "🔁 Repeat weekly…" in summary.button_texts
    await zoe.send("/book")
    await zoe.tap("Dr. Ana Petrova")
    await zoe.tap("Video follow-up")
    await zoe.tap("30")
    await zoe.tap(0)
    assert "🔁 Repeat weekly…" not in zoe.last.button_texts


async def change_ana(bot, *, settings=None, allow_series=None):
    async with bot.uow() as unit:
        await unit.begin_write()
        if settings:
            provider = await unit.providers.get(ANA)
            await unit.providers.update(dataclasses.replace(
                provider, settings=dataclasses.replace(provider.settings, **settings)))
        if allow_series is not None:
            consultation = await unit.providers.appointment_type(bot.type_ids[0][0])
            await unit.providers.update_type(dataclasses.replace(consultation, allow_series=allow_series))
        await unit.commit()


async def test_the_booking_cap_counts_every_session_and_refuses_with_its_text(bot, ana):
    await change_ana(bot, settings={"max_active_bookings_per_client": 3})
    zoe = bot.user(371, "Zoe")
    await preview_of(zoe)
    await zoe.tap("✅ Confirm 4 sessions")
    assert EN.ngettext("You can hold at most {n} upcoming appointment with this provider.",
                       "You can hold at most {n} upcoming appointments with this provider.",
                       3).format(n=3) in zoe.last.text
    assert await series_rows(bot, 371) == [] and series_notices(ana) == []


async def test_series_switched_off_before_confirm_books_nothing_and_says_so(bot, ana):
    zoe = bot.user(381, "Zoe")
    await preview_of(zoe, count="2")
    await change_ana(bot, allow_series=False)
    await zoe.tap("✅ Confirm 2 sessions")
    assert "can no longer be booked as a series" in zoe.last.text
    assert await series_rows(bot, 381) == []
