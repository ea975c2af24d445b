"""Two ``slotbot run --webhook`` processes behind one URL, on one PostgreSQL.

The stand-in plays Telegram and the load balancer: it sends each update to the
next process in turn, so one client's booking hops between the two — including
a typed note asked for by one process and received by the other.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys

import aiohttp
import pytest
from sqlalchemy import text

from bot.demo import DEMO_CLINIC
from bot.standin import BotApiStandIn
from conversations.i18n import texts_for
from core.providers import register_provider
from tests.e2e.conftest import free_port

EN = texts_for("en")
SECRET = "two-workers-secret"



async def start_worker(url: str, standin: BotApiStandIn, port: int, log) -> asyncio.subprocess.Process:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
    env.update(
        SLOTBOT_DATABASE_URL=url, SLOTBOT_TELEGRAM_TOKEN=standin.token,
        SLOTBOT_TELEGRAM_API_URL=standin.base_url, SLOTBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        SLOTBOT_WEBHOOK_SECRET=SECRET, SLOTBOT_HTTP_HOST="127.0.0.1", SLOTBOT_HTTP_PORT=str(port),
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
    )


async def until_healthy(port: int, process) -> None:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        for _ in range(300):  # a separate process starting up: ask its health check
            if process.returncode is not None:
                raise AssertionError(f"worker exited with {process.returncode}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"worker on port {port} never became healthy")


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_booking_hops_between_two_worker_processes(engine, uow, tmp_path):
    for provider in DEMO_CLINIC:
        await register_provider(uow(), provider)
    standin = BotApiStandIn()
    await standin.start()
    ports = [free_port(), free_port()]
    url = engine.url.render_as_string(hide_password=False)
    workers = []
    try:
        for n, port in enumerate(ports):
            workers.append(await start_worker(url, standin, port, (tmp_path / f"worker{n}.log").open("wb")))
        for port, worker in zip(ports, workers, strict=True):
            await until_healthy(port, worker)
        standin.webhook.spread_over([f"http://127.0.0.1:{port}/telegram" for port in ports])

        ana = standin.user(7, "Ana")
        await ana.send("/book")
        await ana.tap("Dr. Ana Petrova")
        await ana.tap("Consultation")
        first_free_day = next(b for b in ana.last.button_texts if re.fullmatch(r"\d{1,2}", b))
        await ana.tap(first_free_day)
        await ana.tap(0)  # the first free time
        await ana.tap("✏️ " + EN._("Add a note"))
        await ana.send("Second floor, please")
        assert "Second floor, please" in ana.last.text
        await ana.tap("✅ " + EN._("Confirm"))
        assert EN._("✅ Booked and confirmed!") in ana.last.text
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
        codes = [await worker.wait() for worker in workers]
        await standin.stop()

    targets = [d.target for d in standin.webhook.deliveries]
    note_tap, note_text = targets[-3], targets[-2]
    assert note_tap != note_text  # asked by one process, answered by the other
    assert {p for p in ports if any(f":{p}/" in t for t in targets)} == set(ports)
    assert all(d.status == 200 for d in standin.webhook.deliveries)
    assert codes == [0, 0]  # both stopped cleanly on SIGTERM
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT notes, status FROM appointments"))).all()
    assert rows == [("Second floor, please", "CONFIRMED")]


async def test_run_with_two_workers_migrates_a_new_database_shares_one_port_and_stops_on_sigterm(tmp_path):
    from storage.engine import create_engine, session_factory
    from storage.unit_of_work import unit_of_work_factory
    from tests.conftest import Clock

    database = f"sqlite:///{tmp_path / 'new.db'}"  # does not exist yet
    standin = BotApiStandIn()
    await standin.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
    env.update(
        SLOTBOT_DATABASE_URL=database, SLOTBOT_TELEGRAM_TOKEN=standin.token,
        SLOTBOT_TELEGRAM_API_URL=standin.base_url, SLOTBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        SLOTBOT_WEBHOOK_SECRET=SECRET, SLOTBOT_HTTP_HOST="127.0.0.1", SLOTBOT_HTTP_PORT=str(port),
    )
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", "--workers", "2", env=env,
        stdout=(tmp_path / "run.log").open("wb"), stderr=asyncio.subprocess.STDOUT,
    )
    engine = create_engine(database)
    try:
        await until_healthy(port, parent)
        for _ in range(300):  # both workers up: each registers the webhook when it is ready
            if len(standin.calls_to("setWebhook")) == 2:
                break
            await asyncio.sleep(0.1)
        uow = unit_of_work_factory(session_factory(engine), Clock())
        await register_provider(uow(), DEMO_CLINIC[0])  # the schema is there: migrated at start
        ana = standin.user(8, "Ana")
        await ana.send("/book")
        assert ana.last.text == EN._("Whom would you like to see?")
    finally:
        if parent.returncode is None:
            parent.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(parent.wait(), 60)
        await engine.dispose()
        await standin.stop()
    assert code == 0, (tmp_path / "run.log").read_text()
    assert len(standin.calls_to("setWebhook")) == 2  # one per worker
    with socket.socket() as probe:  # nobody listens any more: no worker was left behind
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # closed connections may linger
        probe.bind(("127.0.0.1", port))
