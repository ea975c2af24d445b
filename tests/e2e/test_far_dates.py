"""Far dates and big numbers, typed or forged into buttons, through the real bot.

Dates are held to a window (a year back, five years ahead; from today on for what is
still to come) and answered with it; ids past the database's 32-bit columns are no
button of ours ("this menu has expired") and never reach the database.

The clock stands at Wednesday 2026-11-25 12:00 UTC: the window runs 2025-11-24 ..
2031-11-29, and from today 2026-11-25 for blocks and bookings.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from conversations import callbacks as cb
from conversations.bounds_texts import out_of_range
from conversations.i18n import texts_for
from conversations.texts import expired, something_went_wrong
from core.model import AppointmentStatus
from tests.e2e.conftest import ADMIN_ID

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
EN = texts_for("en")
TODAY, WINDOW_FIRST, WINDOW_LAST = date(2026, 11, 25), date(2025, 11, 24), date(2031, 11, 29)
FUTURE = out_of_range(EN, TODAY, WINDOW_LAST)  # blocks, special hours, booking
WHOLE = out_of_range(EN, WINDOW_FIRST, WINDOW_LAST)  # the agenda may look back
ANA = 1  # the demo clinic's first provider (Europe/Berlin), linked to user 700 below
FAR_DAYS = [date(9999, 12, 31), date(1, 1, 1), date(2031, 11, 30)]
FAR_STARTS = [datetime(9999, 12, 31, 23, 0, tzinfo=UTC), datetime(1, 1, 1, 0, 0, tzinfo=UTC)]


async def link_provider(bot, provider_id=ANA, user_id=700, **settings):
    async with bot.uow() as unit:
        await unit.begin_write()
        provider = await unit.providers.get(provider_id)
        changed = dataclasses.replace(provider, telegram_user_id=user_id)
        if settings:
            changed = dataclasses.replace(
                changed, settings=dataclasses.replace(provider.settings, **settings)
            )
        await unit.providers.update(changed)
        await unit.commit()


def said(user) -> list[str]:
    """What the bot sent or edited since the user's last action."""
    return [m.text or "" for m in user.new_messages()]


def no_failure(user) -> None:
    texts = [m.text or "" for m in user.bot_messages]
    assert not any(something_went_wrong(EN) in t for t in texts), texts


async def forge(user, button: cb.Callback) -> list[str]:
    """Tap ``button`` (built by us, as anyone could) on a fresh message of the bot's.

    Fresh, so that an answer edited into it is a change even when it repeats the last.
    """
    await user.send("/help")
    await user.tap_data(cb.encode(button), user.last.message_id)
    return said(user)


@SQLITE
@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/agenda 9999-12-31", WHOLE),
        ("/agenda 0001-01-01", WHOLE),
        ("/agenda 31.12.9999", WHOLE),
        ("/block 9999-12-31", FUTURE),
        ("/block 0001-01-01", FUTURE),
        ("/block 2026-12-01..9999-12-31", FUTURE),
        ("/block 9999-12-31 10:00-12:00", FUTURE),
        ("/special 9999-12-31 10:00-12:00", FUTURE),
        ("/special 0001-01-01 10:00-12:00", FUTURE),
    ],
)
async def test_a_far_date_typed_by_a_provider_is_answered_with_the_window(bot, command, answer):
    await link_provider(bot)
    ana = bot.user(700, "Ana")
    await ana.send(command)
    assert said(ana) == [answer]
    no_failure(ana)


@SQLITE
async def test_29_february_without_a_year_blocks_the_next_one(bot):
    await link_provider(bot)
    ana = bot.user(700, "Ana")
    for typed in ("29.02", "29/02", "29.2."):
        await ana.send(f"/special {typed} 10:00-12:00")
        assert said(ana) == [EN._("Special hours on {date}: {hours}.").format(
            date=EN.format_date(date(2028, 2, 29), "full"), hours="10:00-12:00")], typed
    no_failure(ana)


@SQLITE
async def test_unblock_with_odd_arguments_still_lists_the_blocks(bot):
    await link_provider(bot)
    ana = bot.user(700, "Ana")
    for args in ("9999-12-31", "99999999999999999999", "²", "-1", "٣"):
        await ana.send(f"/unblock {args}")
        assert said(ana) == [EN._("No blocks or special hours ahead.")], args
    no_failure(ana)


@SQLITE
async def test_forged_agenda_and_block_buttons_far_away_are_answered_with_the_window(bot):
    await link_provider(bot)
    ana = bot.user(700, "Ana")
    await ana.send("/agenda")
    for day in FAR_DAYS[:2]:
        assert await forge(ana, cb.AgendaDay(day, day)) == [WHOLE], day
        assert await forge(ana, cb.AgendaPage(day, day, 1)) == [WHOLE], day
        assert await forge(ana, cb.BlockDecision(day, day, "-", True)) == [FUTURE], day
    # Far and wide: refused before millions of days become rows.
    wide = cb.BlockDecision(date(2026, 12, 1), date(9999, 12, 31), "-", False)
    assert await forge(ana, wide) == [EN._("This menu has expired.")]
    async with bot.uow() as unit:
        calendar = await unit.providers.calendar(ANA)
    assert calendar.overrides == ()
    no_failure(ana)


async def client_at_the_calendar(bot):
    tom = bot.user(701, "Tom")
    await tom.send("/book")
    await tom.tap("Dr. Ana Petrova")
    await tom.tap("Consultation")
    return tom


@SQLITE
async def test_forged_booking_buttons_far_away_are_answered_with_the_window(bot):
    tom = await client_at_the_calendar(bot)
    types = bot.type_ids[0]
    forged = [cb.ShowDay(ANA, types[0], day) for day in FAR_DAYS]
    forged += [cb.ShowMonth(ANA, types[0], year, month)
               for year, month in ((9999, 12), (1, 1), (2026, 13), (2026, 0), (2031, 12))]
    forged += [kind(ANA, types[0], start) for start in FAR_STARTS
               for kind in (cb.PickSlot, cb.ConfirmBooking, cb.AddNote)]
    for button in forged:
        texts = await forge(tom, button)
        if isinstance(button, cb.AddNote):  # asks for the note; the summary refuses the date
            await tom.send("see you")
            texts = said(tom)
        assert texts == [FUTURE], button
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(tom.id)
        assert await unit.appointments.for_client(client.id, since=datetime(1, 1, 2, tzinfo=UTC)) == []
    no_failure(tom)


@SQLITE
async def test_the_calendar_never_steps_past_the_window(bot):
    # An imported provider may book "a million days ahead"; the calendar stops at the window.
    await link_provider(bot, max_advance_days=10**6)
    tom = await client_at_the_calendar(bot)
    last_month = cb.ShowMonth(ANA, bot.type_ids[0][0], 2031, 11)
    await forge(tom, last_month)
    header = tom.last.inline_keyboard[0]
    assert [b["text"] for b in header if b["text"] == "»"] == []
    assert any(b["text"] == "«" for b in header)
    no_failure(tom)


@BOTH_DATABASES
@pytest.mark.parametrize("too_big", [2**31, 10**12 - 1])
async def test_an_id_past_the_integer_columns_is_an_expired_button(bot, too_big):
    await link_provider(bot)
    ana, tom = bot.user(700, "Ana"), await client_at_the_calendar(bot)
    for user, button in [
        (tom, cb.PickProvider(too_big)),
        (tom, cb.ShowMonth(too_big, 1, 2026, 12)),
        (tom, cb.ShowDay(ANA, too_big, date(2026, 11, 30))),
        (tom, cb.MyAppointment(too_big)),
        (tom, cb.ClaimOffer(too_big)),
        (ana, cb.AgendaEntry(too_big)),
        (ana, cb.ProviderConfirm(too_big)),
        (ana, cb.Unblock(too_big)),
        (ana, cb.TypeEntry(too_big)),
    ]:
        assert expired(EN) in await forge(user, button), button
        assert user.callback_answers[-1].text == EN._("This menu has expired."), button
    no_failure(ana)
    no_failure(tom)


@BOTH_DATABASES
async def test_a_deep_link_to_a_provider_id_past_the_columns_is_expired(bot):
    tom = bot.user(701, "Tom")
    await tom.send("/start p9999999999")
    assert said(tom) == [expired(EN)]
    await tom.send(f"/start p{2**31 - 1}")  # in range, but nobody: the same answer
    assert said(tom) == [expired(EN)]
    no_failure(tom)


@BOTH_DATABASES
async def test_act_takes_only_ascii_digits_within_the_columns(bot):
    admin = bot.user(ADMIN_ID, "Admin")
    no_such = EN._("No such provider. For example: /act 12, or /act off.")
    for arg in ("²", "٣", "99999999999999999999", str(2**31), "-1", "1e9", "", "３"):
        await admin.send(f"/act {arg}")
        assert said(admin) == [no_such], arg
    await admin.send("/act 3")  # "٣" is 3 to int(), and must not have meant it
    assert "John Carter" in admin.last.text
    no_failure(admin)


@SQLITE
async def test_a_confirm_tapped_for_a_far_date_books_nothing(bot):
    # The end of the booking path, forged: book() is never reached with such a start.
    tom = await client_at_the_calendar(bot)
    start = datetime(2031, 12, 1, 9, 0, tzinfo=UTC)  # two days past the window
    assert await forge(tom, cb.ConfirmBooking(ANA, bot.type_ids[0][0], start)) == [FUTURE]
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(tom.id)
        booked = await unit.appointments.for_client(client.id, since=datetime(2026, 1, 1, tzinfo=UTC))
    assert [a for a in booked if a.status is not AppointmentStatus.CANCELLED] == []
