"""Typed and named text through the real bot and the strict stand-in: escaped, cut, paged.

Issue #12: "<3" at the time zone prompt, a digest lost to an unescaped type name (and
marked sent anyway), /my past 4,096 characters with a dozen bookings and long names.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram.ext import CallbackContext

from conversations import callbacks as cb
from conversations.digest import REFUSALS_RETRIED, send_digests
from conversations.i18n import texts_for
from core.booking import book_appointment
from core.clients import find_client
from tests.e2e.test_provider_journey import lena_with_hours_and_a_type, onboard

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
WRONG = EN._("Sorry, something went wrong on my side. Please try again in a moment.")
HOSTILE_TYPE = "Check-up <30 min> & more"


def _refusals(bot) -> list:
    """Sends the stand-in refused because of the bot (not the failures a test injected)."""
    return [c for c in bot.standin.errors if not getattr(c, "injected", False)]


async def test_a_heart_typed_at_the_time_zone_prompt_is_echoed_as_typed(bot):
    ann = bot.user(810, "Ann")
    await ann.send("/timezone")
    await ann.send("<3")
    assert ann.last.text == EN._("I don't know “{query}”. Try a big city near you, e.g. Berlin.").format(
        query="<3")
    assert WRONG not in [m.text for m in ann.messages]
    assert _refusals(bot) == []


# -- the morning digest -----------------------------------------------------------------------


async def _lena_with_a_digest_and_a_request(bot):
    lena, _ = await onboard(bot)
    await lena.send("/hours mon-fri 09:00-12:00")
    await lena.send("/types")
    await lena.tap("➕ Add a type")
    for answer in (HOSTILE_TYPE, "30", "50 EUR"):
        await lena.send(answer)
    await lena.tap("In person")
    await lena.send("1")
    await lena.send("/settings")
    await lena.tap("Confirm bookings")
    await lena.tap("by hand")
    await lena.tap("Morning agenda")
    await lena.tap("08:00")
    tom = bot.user(811, "Tom & <Jerry>")
    await tom.send("/book")
    await tom.tap("Dr. Lena Vogel")
    await tom.tap(HOSTILE_TYPE)
    await tom.tap("30")
    await tom.tap("9:00\u202fAM")
    await tom.tap("✅ Confirm")
    bot.clock.now = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)  # 08:05 in Berlin: due
    return lena


def _digests(lena, before: int) -> list:
    return [m for m in lena.messages[before:] if m.from_bot and m.text.startswith("☀️")]


async def test_a_digest_with_html_in_a_type_name_arrives_with_the_name_as_typed(bot):
    lena = await _lena_with_a_digest_and_a_request(bot)
    before = len(lena.messages)
    await send_digests(CallbackContext(bot.application))
    (digest,) = _digests(lena, before)
    assert HOSTILE_TYPE in digest.text and "Tom & <Jerry>" in digest.text
    assert any("Tom & <Jerry> · Check-up <3" in label for label in digest.button_texts)  # plain
    assert not any("&amp;" in label or "&lt;" in label for label in digest.button_texts)
    assert _refusals(bot) == []


async def test_a_refused_digest_is_sent_at_the_next_poll_and_then_only_once(bot):
    lena = await _lena_with_a_digest_and_a_request(bot)
    before = len(lena.messages)
    bot.standin.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found",
                          retry_after=None)
    await send_digests(CallbackContext(bot.application))
    assert _digests(lena, before) == []
    await send_digests(CallbackContext(bot.application))
    await send_digests(CallbackContext(bot.application))
    assert len(_digests(lena, before)) == 1


async def test_a_digest_refused_again_and_again_is_given_up_for_the_day(bot):
    lena = await _lena_with_a_digest_and_a_request(bot)
    before = len(lena.messages)
    sends = len(bot.standin.calls_to("sendMessage"))
    bot.standin.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found",
                          retry_after=None, times=REFUSALS_RETRIED + 5)
    for _ in range(REFUSALS_RETRIED + 3):
        await send_digests(CallbackContext(bot.application))
    assert len(bot.standin.calls_to("sendMessage")) - sends == REFUSALS_RETRIED + 1
    assert _digests(lena, before) == []
    bot.clock.now += timedelta(days=1)  # the next morning's digest is tried afresh
    bot.standin._failures.clear()
    await send_digests(CallbackContext(bot.application))
    assert len(_digests(lena, before)) == 1


async def test_a_digest_that_may_have_arrived_is_not_sent_again(bot):
    lena = await _lena_with_a_digest_and_a_request(bot)
    sends = len(bot.standin.calls_to("sendMessage"))
    # A gateway error comes after the request reached Telegram: it may have been delivered.
    bot.standin.fail_next("sendMessage", error_code=502, description="Bad Gateway", retry_after=None)
    for _ in range(3):
        await send_digests(CallbackContext(bot.application))
    assert len(bot.standin.calls_to("sendMessage")) - sends == 1


# -- /my with many bookings and long names ----------------------------------------------------


async def _client_with_bookings(bot, count: int):
    ann = bot.user(812, "Ann")
    await ann.send("/start")
    provider_id, type_id = bot.provider_ids[0], bot.type_ids[0][0]  # Dr. Ana Petrova, Berlin
    async with bot.uow() as unit:
        await unit.begin_write(provider_id)
        provider = await unit.providers.get(provider_id)
        await unit.providers.update(replace(provider, name="Dr. <Ana> & " + "Petrova" * 27))
        (kind,) = [t for t in await unit.providers.types(provider_id) if t.id == type_id]
        await unit.providers.update_type(replace(kind, name="Consultation & <check> " + "é" * 170))
        await unit.commit()
    client = await find_client(bot.uow(), 812)
    day, booked = bot.clock.now.date() + timedelta(days=1), 0
    while booked < count:  # 09:00 in Berlin on the next weekdays
        if day.weekday() < 5:
            start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            await book_appointment(bot.uow(), provider_id=provider_id, type_id=type_id,
                                   client_id=client.id, start=start, now=bot.clock.now)
            booked += 1
        day += timedelta(days=1)
    return ann


async def test_my_with_thirteen_bookings_and_long_names_pages(bot):
    ann = await _client_with_bookings(bot, 13)
    await ann.send("/my")
    first = ann.last
    assert first.text.startswith(EN._("Your upcoming appointments:") + " 1/3")
    assert first.text.count("• ") == 5 and "Dr. <Ana> & Petrova" in first.text
    assert [t for t in first.button_texts if t in ("◀", "1/3", "▶")] == ["1/3", "▶"]
    await ann.tap("▶")
    assert ann.last.text.startswith(EN._("Your upcoming appointments:") + " 2/3")
    await ann.tap("▶")
    last = ann.last
    assert last.text.count("• ") == 3 and "▶" not in last.button_texts
    await ann.tap("◀")
    assert " 2/3" in ann.last.text.splitlines()[0]
    assert _refusals(bot) == []


async def test_a_stale_or_forged_page_of_my_shows_a_page_that_exists(bot):
    ann = await _client_with_bookings(bot, 6)
    await ann.send("/my")
    screen = ann.last
    answer = await ann.tap_data(cb.encode(cb.MyPage(40)), screen.message_id)
    assert answer is not None
    assert ann.last.text.startswith(EN._("Your upcoming appointments:") + " 2/2")
    assert ann.last.text.count("• ") == 1
    assert WRONG not in [m.text for m in ann.messages]
    assert _refusals(bot) == []


async def test_the_provider_agenda_of_a_busy_day_pages(bot):
    lena = await lena_with_hours_and_a_type(bot, "mon-fri 09:00-18:00", ("Quick & <short>", "15", "free"))
    async with bot.uow() as unit:
        provider_id = (await unit.providers.by_telegram_id(lena.id)).id
        (kind,) = await unit.providers.types(provider_id)
    starts = [datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(20)]
    for i, start in enumerate(starts):
        guest = bot.user(900 + i, f"Guest {i} & <co>")
        await guest.send("/start")
        client = await find_client(bot.uow(), 900 + i)
        await book_appointment(bot.uow(), provider_id=provider_id, type_id=kind.id,
                               client_id=client.id, start=start, now=bot.clock.now)
    await lena.send("/agenda 2026-11-30")
    screen = lena.last
    assert " 1/2" in screen.text.splitlines()[0] and "Guest 14 & <co>" in screen.text
    assert "Guest 15" not in screen.text
    assert any(t.startswith("9:00\u202fAM Guest 0 & <co> · Quick & <short>") for t in screen.button_texts)
    await lena.tap("▶")
    assert " 2/2" in lena.last.text.splitlines()[0] and "Guest 19 & <co>" in lena.last.text
    assert _refusals(bot) == []
