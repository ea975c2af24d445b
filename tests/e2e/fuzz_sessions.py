"""Longer randomised sessions than CI runs: ``scripts/fuzz-sessions --seed S --steps N``.

The same Session as tests/e2e/test_randomised_sessions.py, on the same kind of bot the
``bot`` fixture builds (the demo clinic, the admin ADMIN_ID, a fixed clock the run
moves), each seed on a fresh SQLite file (or PostgreSQL with --postgres URL: a database
that is emptied first). Prints each seed's report; exits 1 if any seed found something.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from storage.engine import create_engine
from storage.schema import upgrade_schema
from tests.conftest import TABLES, Clock
from tests.e2e.conftest import Bot, running_demo_bot
from tests.e2e.sessions import Session


@asynccontextmanager
async def demo_bot(database_url: str) -> AsyncIterator[tuple[Bot, object]]:
    """What the ``bot`` and ``engine`` fixtures give a test, outside pytest."""
    engine = create_engine(database_url)
    await upgrade_schema(engine)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    try:
        async with running_demo_bot(engine, Clock()) as bot:
            yield bot, engine
    finally:
        await engine.dispose()


async def run_seed(seed: int, steps: int, postgres: str | None, history: int) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        url = postgres or f"sqlite+aiosqlite:///{Path(folder) / 'fuzz.db'}"
        began = time.monotonic()
        async with demo_bot(url) as (bot, engine):
            session = Session(bot, engine, seed, history)
            findings = await session.run(steps)
        print(session.report(findings, steps))
        print(f"({time.monotonic() - began:.0f} s)\n" + "=" * 100, flush=True)
        return not findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz-sessions", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="the first seed (default: from the time)")
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds, counting up from --seed")
    parser.add_argument("--steps", type=int, default=3000, help="random steps per seed")
    parser.add_argument("--history", type=int, default=30, help="steps shown before a finding")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (emptied)")
    args = parser.parse_args(argv)
    first = args.seed if args.seed is not None else int(time.time()) % 1_000_000
    clean = [asyncio.run(run_seed(seed, args.steps, args.postgres, args.history)) for seed in range(first, first + args.seeds)]
    return 0 if all(clean) else 1


if __name__ == "__main__":
    sys.exit(main())
