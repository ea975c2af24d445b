"""Reminders at scale: 5,000 due at once, sent by real bot processes through the stand-in.

Run: ``.venv/bin/python -m benchmarks.bench_reminders [--quick] [--backend sqlite|postgres]``

Each scenario seeds a fresh database with ``--count`` CONFIRMED appointments
(one client each, all booked days ago) starting between 2 and 14 hours from
now, so every "tomorrow" reminder is due at once. Then ``python -m bot run`` —
the real entry point, its real JobQueue, clock and rate limits — is started
against the Bot API stand-in running in this process, which timestamps every
``sendMessage``.

* ``clean``: one bot process drains the queue.
* ``killed``: the bot is killed with SIGKILL once half the messages (+37) arrived,
  then started again; the new process hands back what the dead one had queued
  (after the claim lease, 2 minutes) and finishes.

Printed: time to drain, average and peak (any 1-second window) messages per
second against the pacing (25/s) and Telegram's limit (30/s), and per chat the
reminders lost (none arrived) and duplicated (more than one). Both must be 0;
the benchmark exits 1 otherwise. A send cut off by SIGKILL is marked UNSURE and
never resent: if its request had reached the server it counts as delivered,
if not it is lost — the count says which.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_reminders.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.common import base_arguments, fresh_database, over_backends
from bot.standin import BotApiStandIn
from bot.standin import methods as standin_methods
from conversations.reminders import CLAIM_LEASE, REMINDERS_PER_SECOND
from storage.orm import AppointmentRow, AppointmentTypeRow, ClientRow, ProviderRow

TELEGRAM_LIMIT = 30
PER_PROVIDER = 48  # 15-minute appointments: 12 hours of a provider's day
FIRST_CLIENT = 100_000


@dataclass
class Outcome:
    scenario: str
    count: int
    drain_s: float
    average_rate: float
    peak_rate: int
    lost: int
    duplicated: int
    unsure: int


async def seed(engine: AsyncEngine, count: int, now: datetime) -> None:
    """``count`` confirmed appointments due for their day-before reminder right now."""
    booked = now - timedelta(days=3)
    providers = -(-count // PER_PROVIDER)
    async with engine.begin() as connection:
        await connection.execute(insert(ProviderRow), [
            {"id": p + 1, "name": f"Bench {p}", "type": "DOCTOR", "timezone": "Europe/Berlin",
             "buffer_minutes": 0, "max_advance_days": 60, "min_notice_hours": 0, "auto_confirm": True,
             "is_active": True, "created_at": booked}
            for p in range(providers)
        ])
        await connection.execute(insert(AppointmentTypeRow), [
            {"id": p + 1, "provider_id": p + 1, "name": "Visit", "duration_minutes": 15,
             "max_participants": 1, "is_virtual": False, "is_active": True}
            for p in range(providers)
        ])
        await connection.execute(insert(ClientRow), [
            {"id": n + 1, "telegram_user_id": FIRST_CLIENT + n, "name": f"Client {n}",
             "language": "en", "timezone": "Europe/Berlin", "created_at": booked}
            for n in range(count)
        ])
        first_start = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
        await connection.execute(insert(AppointmentRow), [
            {"provider_id": n // PER_PROVIDER + 1, "client_id": n + 1, "type_id": n // PER_PROVIDER + 1,
             "starts_at": first_start + timedelta(minutes=15 * (n % PER_PROVIDER)),
             "ends_at": first_start + timedelta(minutes=15 * (n % PER_PROVIDER + 1)),
             "status": "CONFIRMED", "created_at": booked, "updated_at": booked, "start_set_at": booked}
            for n in range(count)
        ])
        if engine.dialect.name == "postgresql":  # ids given explicitly: move the sequences on
            for table in ("providers", "appointment_types", "clients"):
                await connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                ))


class Recorder:
    """Timestamps every sendMessage the stand-in accepts."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self.arrivals: list[tuple[float, int]] = []
        standin.add_method("sendMessage", self._send)

    def _send(self, standin: BotApiStandIn, params: dict, files: dict) -> dict:
        result = standin_methods.send_message(standin, params, files)
        self.arrivals.append((time.monotonic(), params["chat_id"]))
        return result


def start_bot(url: str, standin: BotApiStandIn, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
    env.update(
        SLOTBOT_DATABASE_URL=url, SLOTBOT_TELEGRAM_TOKEN=standin.token,
        SLOTBOT_TELEGRAM_API_URL=standin.base_url, SLOTBOT_LOG_LEVEL="WARNING",
        SLOTBOT_HTTP_PORT="0",  # no health server: several of these may run at once
    )
    return asyncio.create_subprocess_exec(  # type: ignore[return-value]
        sys.executable, "-m", "bot", "run", env=env,
        stdout=log.open("ab"), stderr=asyncio.subprocess.STDOUT,
    )


async def wait_for(recorder: Recorder, target: int, timeout: float, process) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while len(recorder.arrivals) < target and time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with status {process.returncode}")
        await asyncio.sleep(0.1)  # polling a counter, not synchronising: the bot runs apart


async def stop(process, *, kill: bool = False) -> None:  # type: ignore[no-untyped-def]
    if process.returncode is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    await process.wait()


async def run_scenario(engine: AsyncEngine, count: int, killed: bool, workdir: Path) -> Outcome:
    await seed(engine, count, datetime.now(UTC))
    url = engine.url.render_as_string(hide_password=False)
    standin = BotApiStandIn()
    recorder = Recorder(standin)
    for n in range(count):
        standin.user(FIRST_CLIENT + n, f"Client {n}")
    await standin.start()
    log = workdir / f"bot-{'killed' if killed else 'clean'}.log"
    started = time.monotonic()
    try:
        # Sending takes count / 25 s; the lease, startup and the 30 s poll come on top.
        budget = count / REMINDERS_PER_SECOND * 2 + CLAIM_LEASE.total_seconds() + 90
        process = await start_bot(url, standin, log)
        if killed:
            # Not at a batch boundary (every 100): mid-batch, with sends in flight.
            await wait_for(recorder, count // 2 + 37, budget, process)
            await stop(process, kill=True)
            process = await start_bot(url, standin, log)
        await wait_for(recorder, count, budget, process)
        await asyncio.sleep(2)  # would anything arrive twice? give stragglers a moment
        await stop(process)
    finally:
        await standin.stop()
    per_chat = Counter(chat for _, chat in recorder.arrivals)
    times = [t for t, _ in recorder.arrivals]
    seconds = Counter(int(t - started) for t in times)
    async with engine.connect() as connection:
        unsure = (await connection.execute(
            text("SELECT count(*) FROM outbox WHERE status = 'UNSURE'")
        )).scalar_one()
    drain = (max(times) - min(times)) if times else float("nan")
    return Outcome(
        scenario="killed + restarted" if killed else "clean",
        count=count,
        drain_s=drain,
        average_rate=len(times) / drain if times and drain > 0 else float("nan"),
        peak_rate=max(seconds.values(), default=0),
        lost=sum(1 for n in range(count) if per_chat[FIRST_CLIENT + n] == 0),
        duplicated=sum(c - 1 for c in per_chat.values() if c > 1),
        unsure=unsure,
    )


async def run_backend(backend: str, quick: bool, count: int) -> list[Outcome]:
    outcomes = []
    scenarios = (False,) if quick else (False, True)  # the killed run waits out a 2-minute lease
    with tempfile.TemporaryDirectory(prefix="slotbot_reminders_") as directory:
        for killed in scenarios:
            async with fresh_database(backend) as engine:
                outcome = await run_scenario(engine, count, killed, Path(directory))
            outcomes.append(outcome)
            print(
                f"{backend:9} {outcome.scenario:19} {outcome.count:6} reminders  "
                f"drain {outcome.drain_s:7.1f} s  {outcome.average_rate:5.1f} msg/s "
                f"(peak {outcome.peak_rate}/s; pacing {REMINDERS_PER_SECOND}/s, Telegram {TELEGRAM_LIMIT}/s)  "
                f"lost {outcome.lost}  duplicated {outcome.duplicated}  unsure {outcome.unsure}",
                flush=True,
            )
    return outcomes


def main() -> int:
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=None, help="reminders due (default 5000; quick 150)")
    args = parser.parse_args()
    count = args.count or (150 if args.quick else 5000)
    results, failed = asyncio.run(over_backends(args, lambda b, q: run_backend(b, q, count)))
    bad = [o for outcomes in results for o in outcomes if o.lost or o.duplicated]
    if bad:
        print(f"FAILED: lost or duplicated reminders in {len(bad)} run(s)", flush=True)
    return 1 if bad or failed else 0


if __name__ == "__main__":
    sys.exit(main())
