"""/calendar → "Connect a CalDAV calendar" through the real bot, against a real Radicale:
the three questions, the password message deleted at once and never shown back, a
booking written to the calendar by the push job, and "Disconnect" (asked first).

The clock stands at Wednesday 2026-11-25 12:00 UTC; Lena works Mon-Fri 09:00-12:00
Berlin. Radicale listens on 127.0.0.1 over http: SLOTBOT_CALENDAR_ALLOW_PRIVATE=1.
"""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from telegram.ext import CallbackContext

from bot import logs
from bot.caldav_client import caldav_access
from bot.settings import Settings
from conversations.caldav_job import caldav_push_job
from tests.e2e.conftest import running_demo_bot
from tests.e2e.test_provider_journey import book_with_lena, lena_with_hours_and_a_type
from tests.radicale_server import USERS, radicale  # noqa: F401 - the fixture

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PASSWORD = USERS["ben"]
CONNECT = "📅 Connect a CalDAV calendar"


def settings(key: str | None) -> Settings:
    return Settings(secret_key=None if key is None else SecretStr(key), public_url=None)


@pytest.fixture
def bot_logging():
    """The bot's own logging rules (bot/logs.py), at DEBUG; put back afterwards."""
    names = ("", *logs._QUIET)
    levels = {name: logging.getLogger(name).level for name in names}
    logs.quiet_chatty_loggers()
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def bot(engine, clock, monkeypatch):
    monkeypatch.setenv("SLOTBOT_CALENDAR_ALLOW_PRIVATE", "1")
    access = caldav_access(settings(Fernet.generate_key().decode()))
    async with running_demo_bot(engine, clock, caldav=access) as running:
        yield running


async def connect(lena, url: str, user: str, password: str) -> None:
    await lena.send("/calendar")
    await lena.tap(CONNECT)
    assert "address of your CalDAV server" in lena.last.text
    await lena.send(url)
    assert "user name" in lena.last.text
    await lena.send(user)
    assert "app password" in lena.last.text
    await lena.send(password)


def shown(user, fragment: str) -> bool:
    return any(fragment in m.text for m in user.messages)


async def events_of(radicale, calendar_url: str) -> list[str]:  # noqa: F811
    with radicale.client("ben") as client:
        calendar = client.calendar(url=calendar_url)
        return [str(e.icalendar_component.get("UID")) for e in calendar.events()]


async def test_connected_in_the_chat_the_password_deleted_a_booking_written_then_disconnected(
    bot, radicale, caplog, bot_logging  # noqa: F811
):
    radicale.new_calendar("ben", name="Lessons")
    lena = await lena_with_hours_and_a_type(bot)
    caplog.set_level(logging.DEBUG)
    await connect(lena, radicale.url, "ben", PASSWORD)

    (deleted,) = bot.standin.calls_to("deleteMessage")
    assert int(deleted["chat_id"]) == lena.id
    assert not shown(lena, PASSWORD)  # the message is gone, and no answer echoes it
    assert PASSWORD not in caplog.text
    assert "Connected" in lena.last.text and "127.0.0.1" in lena.last.text
    async with bot.uow() as unit:
        account = await unit.caldav.account_of(bot.provider_ids[-1]) or next(
            iter(await unit.caldav.accounts(None)))
    assert PASSWORD not in account.password_encrypted
    assert "🔌 Disconnect CalDAV" in lena.last.button_texts
    assert account.calendar_name and account.calendar_name in lena.last.text

    client = bot.user(801, "Olga")
    await book_with_lena(bot, client)
    await caldav_push_job(CallbackContext(bot.application))
    uids = await events_of(radicale, account.calendar_url)
    assert any(uid.startswith("appointment-") for uid in uids), uids

    await lena.send("/calendar")
    assert "written" in lena.last.text
    await lena.tap("🔌 Disconnect CalDAV")
    assert "Disconnect" in lena.last.text and "?" in lena.last.text
    await lena.tap("Yes, disconnect it")
    assert "Disconnected" in lena.last.text
    assert CONNECT in lena.last.button_texts
    async with bot.uow() as unit:
        assert await unit.caldav.accounts(None) == []


async def test_a_wrong_password_changes_nothing_and_says_why(bot, radicale):  # noqa: F811
    lena = await lena_with_hours_and_a_type(bot)
    await connect(lena, radicale.url, "ben", "not-the-password")
    assert len(bot.standin.calls_to("deleteMessage")) == 1
    assert "could not connect" in lena.last.text
    assert "refused the user name or app password" in lena.last.text
    assert CONNECT in lena.last.button_texts
    async with bot.uow() as unit:
        assert await unit.caldav.accounts(None) == []


async def test_cancel_forgets_the_address_and_user(bot, radicale):  # noqa: F811
    lena = await lena_with_hours_and_a_type(bot)
    await lena.send("/calendar")
    await lena.tap(CONNECT)
    await lena.send(radicale.url)
    await lena.send("ben")
    await lena.send("/cancel")
    await lena.send(PASSWORD)  # now just text: not a password step any more
    async with bot.uow() as unit:
        assert await unit.caldav.accounts(None) == []


async def test_without_a_secret_key_there_is_no_connect_button(engine, clock):
    async with running_demo_bot(engine, clock, caldav=caldav_access(settings(None))) as bot:
        lena = await lena_with_hours_and_a_type(bot)
        await lena.send("/calendar")
        assert CONNECT not in lena.last.button_texts
