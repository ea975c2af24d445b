"""The command line tells people in Telegram, as the chat does; ``invite --provider``.

The real bot polls the Bot API stand-in (without its timed jobs: nothing polls the
waitlist here), and ``slotbot`` runs as a separate process on the same database,
pointed at the stand-in by ``SLOTBOT_TELEGRAM_API_URL`` with its token. The clock
stands at Wednesday 2026-11-25 12:00 UTC in both.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import CallbackContext

from conversations.i18n import texts_for
from conversations.waitlist_offers import waitlist_job
from core.booking import book_appointment
from core.clients import get_or_create_client
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EN = texts_for("en")
NOW = "2026-11-25T12:00:00Z"
EXAMPLE = Path(__file__).parents[1] / "fixtures" / "provider.json"
SATURDAY_4PM_NY = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
OFFER = "A time has freed up"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> object:
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout)


class Cli:
    """``slotbot`` as its own process; awaited, so the stand-in keeps answering meanwhile."""

    def __init__(self, database_url: str, standin) -> None:
        self.env = {
            **os.environ,
            "SLOTBOT_DATABASE_URL": database_url,
            "SLOTBOT_TELEGRAM_TOKEN": standin.token,
            "SLOTBOT_TELEGRAM_API_URL": standin.base_url,
        }

    async def __call__(self, *args: str) -> Result:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        result = Result(process.returncode, out.decode(), err.decode())  # type: ignore[arg-type]
        assert "Traceback" not in result.stderr, result.stderr
        return result


@pytest.fixture
def cli(bot, database_url) -> Cli:
    return Cli(database_url, bot.standin)


def texts_of(user, needle: str) -> list[str]:
    return [m.text for m in user.bot_messages if needle in (m.text or "")]


async def link(cli, bot, provider_id: int, user_id: int, name: str):
    """``invite --provider``, then the person opens the link: they run that provider now."""
    out = (await cli("invite", "--provider", str(provider_id), "--now", NOW)).json()
    token = re.search(r"start[= ](i[\w-]+)", out["link"])
    assert out["provider_id"] == provider_id and token, out
    person = bot.user(user_id, name)
    await person.send(f"/start {token.group(1)}")
    assert "Your calendar is linked to this account." in person.last.text
    return person


async def test_invite_for_an_imported_provider_makes_the_opener_that_provider(bot, cli):
    imported = (await cli("provider", "import", str(EXAMPLE))).json()
    provider_id = imported["provider_id"]
    tom = bot.user(424242, "Tom")
    await tom.send("/start")
    booked = await cli(
        "book", "--provider", str(provider_id), "--type", str(imported["type_ids"][0]),
        "--client", "424242", "--start", "2026-12-04T21:00:00Z", "--now", NOW, "--no-notify",
    )
    assert booked.returncode == 0, booked.stderr

    nora = await link(cli, bot, provider_id, 800, "Nora")
    await nora.send("/agenda 2026-12-04")
    assert "Agenda for Friday, December 4, 2026" in nora.last.text
    assert "Tom" in nora.last.text and "Consultation" in nora.last.text
    async with bot.uow() as unit:
        assert (await unit.providers.get(provider_id)).telegram_user_id == 800

    again = await cli("invite", "--provider", str(provider_id))
    assert again.returncode == 3 and "already linked" in again.stderr
    unknown = await cli("invite", "--provider", "999")
    assert unknown.returncode == 2 and "provider 999 not found" in unknown.stderr
    for result in (again, unknown):
        assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


async def test_book_tells_the_client_and_the_provider_once(bot, cli):
    ana = await link(cli, bot, bot.provider_ids[0], 700, "Ana")
    tom = bot.user(424242, "Tom")
    await tom.send("/start")
    provider, consultation = str(bot.provider_ids[0]), str(bot.type_ids[0][0])
    (start, *_rest) = (await cli(
        "slots", "--provider", provider, "--type", consultation, "--date", "2026-11-26", "--now", NOW,
    )).json()
    args = ("book", "--provider", provider, "--type", consultation, "--client", "424242",
            "--start", start, "--now", NOW)
    first = await cli(*args)
    assert first.json()["status"] == "CONFIRMED" and "warning" not in first.stderr

    (notice,) = texts_of(tom, EN._("✅ Booked and confirmed!"))
    assert "Consultation" in notice and "Dr. Ana Petrova" in notice
    assert tom.last.button_texts == [EN._("My appointments")]
    (told,) = texts_of(ana, EN._("🆕 New booking:"))
    assert "Tom" in told

    await cli(*args)  # the same booking again: it is held already, nobody is told twice
    assert len(texts_of(tom, EN._("✅ Booked and confirmed!"))) == 1
    assert len(texts_of(ana, EN._("🆕 New booking:"))) == 1


async def test_cancel_tells_both_and_offers_the_freed_time_at_once(bot, cli):
    carter = await link(cli, bot, bot.provider_ids[2], 701, "John")
    holder = bot.user(50, "Holder")
    await holder.send("/start")
    holds = []
    for hour in range(5):  # John Carter's Saturday, fully booked
        client = await get_or_create_client(bot.uow(), 50 + hour, name=f"Holder {hour}", language="en")
        appointment = await book_appointment(
            bot.uow(), provider_id=bot.provider_ids[2], type_id=bot.type_ids[2][0],
            client_id=client.id, start=SATURDAY_4PM_NY + timedelta(hours=hour), now=FIXED_NOW,
        )
        holds.append(appointment.id)
    waiter = bot.user(60, "Waiter")
    await waiter.send("/book")
    await waiter.tap("John Carter")
    await waiter.tap("Maths lesson")
    await waiter.tap("28✕")
    await waiter.tap("🔔 " + EN._("Join the waitlist"))
    assert EN._("🔔 You are on the waitlist.") in waiter.last.text

    out = (await cli("cancel", str(holds[0]), "--reason", "ill <3", "--now", NOW)).json()
    assert out["status"] == "CANCELLED"

    (notice,) = texts_of(holder, EN._("Your appointment is cancelled."))
    assert "Maths lesson" in notice and "John Carter" in notice
    (told,) = texts_of(carter, EN._("❌ Cancelled by the client:"))
    assert "ill &lt;3" not in told and "ill <3" in told  # escaped HTML, shown as typed
    # The freed hour went to the waiting client when the CLI cancelled, not at a poll.
    (offer,) = [m for m in waiter.bot_messages if OFFER in (m.text or "")]
    assert any("Claim" in b for b in offer.button_texts)

    await waitlist_job(CallbackContext(bot.application))  # the bot's poll sends it no second time
    assert len([m for m in waiter.bot_messages if OFFER in (m.text or "")]) == 1


async def test_reschedule_tells_both_and_no_notify_tells_nobody(bot, cli):
    ana = await link(cli, bot, bot.provider_ids[0], 700, "Ana")
    tom = bot.user(424242, "Tom")
    await tom.send("/start")
    provider, consultation = str(bot.provider_ids[0]), str(bot.type_ids[0][0])
    first, second, *_rest = (await cli(
        "slots", "--provider", provider, "--type", consultation, "--date", "2026-11-26", "--now", NOW,
    )).json()
    before = len(tom.bot_messages), len(ana.bot_messages)
    booked = (await cli(
        "book", "--provider", provider, "--type", consultation, "--client", "424242",
        "--start", first, "--now", NOW, "--no-notify",
    )).json()
    assert (len(tom.bot_messages), len(ana.bot_messages)) == before

    moved = (await cli("reschedule", str(booked["id"]), "--start", second, "--now", NOW)).json()
    assert moved["start"] == second
    (notice,) = texts_of(tom, EN._("✅ Moved!"))
    assert "Consultation" in notice
    assert len(texts_of(ana, EN._("🔁 Moved by the client to:"))) == 1

    await cli("reschedule", str(booked["id"]), "--start", second, "--now", NOW)  # already there
    assert len(texts_of(tom, EN._("✅ Moved!"))) == 1
