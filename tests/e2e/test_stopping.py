"""`slotbot run` stops on SIGTERM within 10 s when the Bot API is gone (issue #12, defect 10).

The real command in a subprocess, talking to the stand-in through a relay that
either answers nothing (a black hole: requests wait out their timeouts) or
stops listening (connect errors). Docker and systemd kill after 10 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.standin import BotApiStandIn
from tests.e2e.conftest import free_port
from tests.e2e.unreachable import Relay

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEADLINE = 10.0


@pytest.fixture
async def relay(standin):
    relay = Relay(standin._require_port())
    await relay.start()
    yield relay
    await relay.stop()


def env_for(tmp_path: Path, standin: BotApiStandIn, relay: Relay, *, webhook: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
    env.update(
        SLOTBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        SLOTBOT_TELEGRAM_TOKEN=standin.token,
        SLOTBOT_TELEGRAM_API_URL=relay.base_url,
        SLOTBOT_HTTP_PORT=str(free_port()) if webhook else "0",
    )
    if webhook:
        env.update(SLOTBOT_WEBHOOK_URL="https://bot.example.org/telegram", SLOTBOT_WEBHOOK_SECRET="s3cret")
    return env


async def start(env: dict[str, str], log: Path, *args: str) -> asyncio.subprocess.Process:
    with log.open("wb") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )


async def until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def stop_and_time(process: asyncio.subprocess.Process) -> float:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
    return time.monotonic() - began


@pytest.mark.parametrize("mode", [(), ("--webhook",)], ids=["polling", "webhook"])
async def test_sigterm_while_starting_against_a_bot_api_that_never_answers(tmp_path, standin, relay, database_url, mode):
    relay.swallow()  # connections are taken, nothing is ever answered
    log = tmp_path / "stderr"
    process = await start(env_for(tmp_path, standin, relay, webhook=bool(mode)), log, *mode)
    await until(lambda: relay.connections > 0)  # asking the Bot API who it is: waiting
    took = await stop_and_time(process)
    err = log.read_text()
    assert took < DEADLINE and process.returncode == 0, (took, process.returncode, err)
    assert err.strip().splitlines()[-1].endswith("Slotbot stopped")
    assert "Traceback" not in err


async def test_nothing_listening_at_start_is_one_clear_line_and_exit_2(tmp_path, standin, relay, database_url):
    await relay.refuse()
    log = tmp_path / "stderr"
    process = await start(env_for(tmp_path, standin, relay), log)
    await asyncio.wait_for(process.wait(), DEADLINE)
    err = log.read_text()
    assert process.returncode == 2 and err.strip().count("\n") == 0
    assert "cannot reach the Telegram Bot API" in err


@pytest.mark.parametrize("goes", ["black hole", "nothing listening"])
async def test_sigterm_when_the_bot_api_goes_away_while_busy(tmp_path, standin, relay, database_url, goes):
    log = tmp_path / "stderr"
    process = await start(env_for(tmp_path, standin, relay), log)
    try:
        await until(lambda: "Slotbot is running" in log.read_text())
        # Sixteen people at once: more replies under way than kept-alive connections (8).
        holds = [standin.hold_next("sendMessage") for _ in range(16)]
        people = [standin.user(700 + n, f"P{n}") for n in range(16)]
        sends = [asyncio.ensure_future(p.send("/start", timeout=60)) for p in people]
        await until(lambda: sum(h.started.is_set() for h in holds) >= 8)
        if goes == "black hole":
            relay.swallow()  # the answers on their way are lost, new requests wait forever
        else:
            await relay.refuse()
        for hold in holds:
            hold.release()
        took = await stop_and_time(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for send in sends:
            send.cancel()
        await asyncio.gather(*sends, return_exceptions=True)
    err = log.read_text()
    assert took < DEADLINE and process.returncode == 0, (took, process.returncode, err[-3000:])
    assert "stopping: finishing what is under way" in err and "Slotbot stopped" in err
