"""Two separate bot processes (``python -m bot run``) on one PostgreSQL send each reminder once.

The processes are the real entry point with its real JobQueue and clock, so the
reminders are made due *now*: appointments booked days ago, starting in a few hours.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from benchmarks.bench_reminders import FIRST_CLIENT, Recorder, seed, start_bot, stop, wait_for
from bot.standin import BotApiStandIn

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
COUNT = 240  # more than one claim batch (100), so both processes get work


async def test_two_bot_processes_send_every_reminder_exactly_once(engine, tmp_path):
    await seed(engine, COUNT, datetime.now(UTC))
    standin = BotApiStandIn()
    recorder = Recorder(standin)
    for n in range(COUNT):
        standin.user(FIRST_CLIENT + n, f"Client {n}")
    await standin.start()
    url = engine.url.render_as_string(hide_password=False)
    try:
        workers = [await start_bot(url, standin, tmp_path / f"bot{n}.log") for n in range(2)]
        try:
            await wait_for(recorder, COUNT, 90, workers[0])
        finally:
            for worker in workers:
                await stop(worker)  # SIGTERM: each finishes what it had started
    finally:
        await standin.stop()

    per_chat = Counter(chat for _, chat in recorder.arrivals)
    assert len(per_chat) == COUNT and set(per_chat.values()) == {1}
    async with engine.connect() as connection:
        statuses = dict((await connection.execute(
            text("SELECT status, count(*) FROM outbox GROUP BY status")
        )).all())
    assert statuses == {"SENT": COUNT}
