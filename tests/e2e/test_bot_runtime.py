"""The bot as an operator runs it: restarts, failures of the Bot API, tokens."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.demo import DEMO_CLINIC
from bot.telegram_run import running
from conversations.common import Services
from conversations.i18n import texts_for
from core.providers import register_provider
from storage.engine import session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.e2e.conftest import fast_rate_limiter

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")


@pytest.fixture
async def services(engine, clock):
    uow = unit_of_work_factory(session_factory(engine), clock)
    for provider in DEMO_CLINIC:
        await register_provider(uow(), provider)
    return Services(uow, clock)


def new_bot(standin, services):
    return build_application(
        standin.token, services, api_url=standin.base_url, on_update_done=standin.processed_hook,
        poll_jobs=False,
        rate_limiter=fast_rate_limiter(),
    )


async def test_buttons_keep_working_after_a_restart(standin, services):
    ana = standin.user(1, "Ana")
    async with running(new_bot(standin, services)):
        await ana.send("/book")
        await ana.tap("Dr. Ana Petrova")
        await ana.tap("Consultation")
        await ana.tap("30")
        await ana.tap("9:00\u202fAM")
    summary = ana.last

    async with running(new_bot(standin, services)):  # a new process: nothing in memory
        await ana.tap("✅ Confirm", message=summary)
    assert EN._("✅ Booked and confirmed!") in ana.last.text


async def test_a_half_finished_step_continues_after_a_restart(standin, services, engine):
    """The note step was asked for by one process; the typed note reaches the next one."""
    ana = standin.user(4, "Ana")
    async with running(new_bot(standin, services)):
        await ana.send("/book")
        await ana.tap("Dr. Ana Petrova")
        await ana.tap("Consultation")
        await ana.tap("30")
        await ana.tap("9:00\u202fAM")
        await ana.tap("✏️ " + EN._("Add a note"))

    async with running(new_bot(standin, services)):  # a new process: nothing in memory
        await ana.send("Please call me first")
        assert "Please call me first" in ana.last.text  # understood as the note, not stray text
        await ana.tap("✅ " + EN._("Confirm"))
    async with engine.connect() as connection:
        notes = (await connection.execute(text("SELECT notes FROM appointments"))).scalar_one()
    assert notes == "Please call me first"


async def test_a_failing_bot_api_call_reaches_the_error_handler_and_the_user(standin, services):
    ana = standin.user(2, "Ana")
    async with running(new_bot(standin, services)):
        await ana.send("/help")
        standin.fail_next(
            "sendMessage", error_code=500, description="Internal Server Error", retry_after=None
        )
        await ana.send("/book")
        assert ana.last.text == EN._(
            "Sorry, something went wrong on my side. Please try again in a moment."
        )
        await ana.send("/book")  # and the bot goes on
        assert ana.last.text == EN._("Whom would you like to see?")


async def test_flood_limit_is_waited_out_not_reported(standin, services):
    ana = standin.user(3, "Ana")
    async with running(new_bot(standin, services)):
        standin.fail_next("sendMessage", retry_after=1)
        await ana.send("/book")
    assert ana.last.text == EN._("Whom would you like to see?")


async def _slotbot(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, err.decode()


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
    env["SLOTBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    return env


async def test_run_without_a_token_is_one_clear_line(cli_env, database_url):
    code, err = await _slotbot("run", env=cli_env)
    assert code == 2
    assert err.strip().count("\n") == 0 and "SLOTBOT_TELEGRAM_TOKEN" in err


async def test_run_with_a_rejected_token_is_one_clear_line(cli_env, standin, database_url):
    cli_env["SLOTBOT_TELEGRAM_TOKEN"] = "999:NOT-THE-RIGHT-ONE"
    cli_env["SLOTBOT_TELEGRAM_API_URL"] = standin.base_url
    code, err = await _slotbot("run", env=cli_env)
    assert code == 2
    assert err.strip().count("\n") == 0 and "rejected" in err
    assert "NOT-THE-RIGHT-ONE" not in err  # secrets never reach the logs


async def test_unchanged_state_is_not_written_back_after_every_update(standin, services, monkeypatch):
    """Each update used to rewrite the user's data and conversation state, changed or not."""
    from storage.telegram_state import TelegramStateStore

    writes: list[tuple[str, object]] = []
    real_save = TelegramStateStore.save_chat_state

    async def save_chat_state(self, user_id, data, states, *, user_data=True):  # type: ignore[no-untyped-def]
        if user_data:
            writes.append(("user_data", data))
        writes.extend((name, state) for name, _key, state in states)
        await real_save(self, user_id, data, states, user_data=user_data)

    monkeypatch.setattr(TelegramStateStore, "save_chat_state", save_chat_state)
    ana = standin.user(6, "Ana")
    async with running(new_bot(standin, services)):
        await ana.send("/book")  # the chat conversation starts: one write
        await ana.tap("Dr. Ana Petrova")
        await ana.send("/help")
        assert len(writes) == 1 and writes[0][0] == "chat"
        await ana.tap("Consultation")
        await ana.tap("30")
        await ana.tap("9:00\u202fAM")
        await ana.tap("✏️ " + EN._("Add a note"))  # a new state and a new user_data key: written
    assert {name for name, _ in writes[1:]} == {"chat", "user_data"}


async def test_an_update_writes_back_only_its_own_user_however_many_are_active(standin, services, monkeypatch):
    """PTB's application-wide flush copied every active user's data after each update."""
    import bot.persistence as persistence

    encoded: list[int] = []
    real_encode = persistence.encode_user_data

    def encode(data):  # type: ignore[no-untyped-def]
        encoded.append(1)
        return real_encode(data)

    application = new_bot(standin, services)
    async with running(application):
        others = [standin.user(100 + n, f"U{n}") for n in range(25)]
        for person in others:
            await person.send("/book")
            await person.tap("Dr. Ana Petrova")
        monkeypatch.setattr(persistence, "encode_user_data", encode)
        ana = standin.user(99, "Ana")
        await ana.send("/book")
        assert len(encoded) == 1
        await ana.tap("Dr. Ana Petrova")
        assert len(encoded) == 2
        # Who is asking lives on the update's context, never in what is persisted.
        for user_data in application.user_data.values():
            real_encode(user_data)  # raises for anything but plain data


async def test_polling_reads_a_users_stored_state_once_and_webhook_workers_every_update(standin, services, monkeypatch):
    from storage.telegram_state import TelegramStateStore

    reads: list[int] = []
    real_read = TelegramStateStore.chat_state

    async def chat_state(self, user_id, conversations):  # type: ignore[no-untyped-def]
        reads.append(user_id)
        return await real_read(self, user_id, conversations)

    monkeypatch.setattr(TelegramStateStore, "chat_state", chat_state)
    ana = standin.user(7, "Ana")
    async with running(new_bot(standin, services)):
        await ana.send("/book")
        await ana.tap("Dr. Ana Petrova")
        await ana.send("/help")
    assert reads == [7]  # one process polls: after the first sight, memory is current
    reads.clear()
    shared = build_application(
        standin.token, services, api_url=standin.base_url, on_update_done=standin.processed_hook,
        poll_jobs=False, rate_limiter=fast_rate_limiter(), shared_chats=True,
    )
    async with running(shared):
        await ana.send("/book")
        await ana.tap("Dr. Ana Petrova")
    assert reads == [7, 7]  # another process may have moved the chat on in between
