"""What bench_booking compares itself with: the raw booking transaction, and that SQL through our stack.

* **raw anchor**: ``raw_booking.sh`` (kept outside the repository, in
  ``../shared/bench/`` next to it; ``--raw-anchor`` or ``SLOTBOT_RAW_BOOKING``
  name another copy). The minimal correct booking in raw SQL: lock the provider
  row, count overlaps, insert, commit. pgbench, 8 clients, on 50 providers and
  on one; Python's ``sqlite3`` in one process on SQLite. Every transaction it
  counts is a successful one.
* **floor**: that same SQL (lock, count, insert, commit) through our engine and
  :class:`storage.unit_of_work.SqlUnitOfWork` (``begin_write``, statements on
  the session's connection, ``commit``): what any booking through SQLAlchemy
  and the driver (asyncpg, aiosqlite) costs before a single booking rule runs.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Integer, bindparam, text

from storage.orm import UTCDateTime
from storage.unit_of_work import SqlUnitOfWork

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RAW = REPO.parent / "shared" / "bench" / "raw_booking.sh"
RAW_TIMEOUT_SECONDS = 300

_PATTERNS = {
    "pg_many": r"pg raw booking tx \(many providers\): tps = ([0-9.]+)",
    "pg_one": r"pg raw booking tx \(one providers?\): tps = ([0-9.]+)",
    "sqlite": r"sqlite raw booking tx: ([0-9.]+)/s",
}


@dataclass(frozen=True)
class RawAnchor:
    """Successful raw booking transactions per second, as the script printed them."""

    pg_many: float | None
    pg_one: float | None
    sqlite: float | None

    def for_backend(self, backend: str) -> float | None:
        return self.pg_one if backend == "postgres" else self.sqlite


def raw_anchor_path(option: str | None) -> Path:
    return Path(option or os.environ.get("SLOTBOT_RAW_BOOKING") or DEFAULT_RAW)


def run_raw_anchor(path: Path) -> RawAnchor | str:
    """Run the script; its figures, or why there are none (a line to print)."""
    if not path.is_file():
        return f"raw anchor not run: {path} does not exist (--raw-anchor PATH or SLOTBOT_RAW_BOOKING)"
    try:
        done = subprocess.run(
            ["bash", str(path)], capture_output=True, text=True, timeout=RAW_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"raw anchor not run: {path}: {exc}"
    found = {
        key: float(match.group(1)) if (match := re.search(pattern, done.stdout)) else None
        for key, pattern in _PATTERNS.items()
    }
    if not any(found.values()):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"raw anchor not run: {path} exited {done.returncode}: {tail[0]}"
    return RawAnchor(**found)


def mean_anchor(runs: list[RawAnchor]) -> RawAnchor:
    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    return RawAnchor(*(mean([getattr(r, k) for r in runs]) for k in ("pg_many", "pg_one", "sqlite")))


# The raw script's transaction, on our schema: the overlap count and a bare insert.
_COUNT = text(
    "SELECT count(*) FROM appointments WHERE provider_id = :provider"
    " AND starts_at < :until AND ends_at > :since"
).bindparams(
    bindparam("provider", type_=Integer),
    bindparam("until", type_=UTCDateTime),
    bindparam("since", type_=UTCDateTime),
)
_INSERT = text(
    "INSERT INTO appointments (provider_id, client_id, type_id, starts_at, ends_at, status,"
    " created_at, late_cancel) VALUES (:provider, :client, :type, :start, :end, 'CONFIRMED',"
    " :start, false)"
).bindparams(
    *(bindparam(n, type_=Integer) for n in ("provider", "client", "type")),
    bindparam("start", type_=UTCDateTime),
    bindparam("end", type_=UTCDateTime),
)


async def floor_per_second(
    make_uow: Callable[[], SqlUnitOfWork],
    ids: tuple[int, int, int],
    *,
    clients: int,
    per_client: int,
    far: datetime,
) -> float:
    """Raw transactions per second through our unit of work: ``clients`` at once on one provider.

    ``ids``: a provider of its own (the raw transaction inserts overlaps), a
    client and a type; ``far``: where the random starts begin (a year of them).
    """
    provider, client, type_id = ids
    # Random half-hours that never overlap: PostgreSQL's exclusion constraint
    # (which the raw schema lacks) would refuse an overlap.
    grid = random.Random(7).sample(range(500_000 // 30), clients * per_client)

    async def one_client(first: int) -> None:
        for position in grid[first::clients]:
            start = far + timedelta(minutes=30 * position)
            async with make_uow() as uow:
                await uow.begin_write(provider)
                connection = await uow.session.connection()
                await connection.execute(_COUNT, {
                    "provider": provider, "until": start + timedelta(minutes=40),
                    "since": start - timedelta(minutes=10),
                })
                await connection.execute(_INSERT, {
                    "provider": provider, "client": client, "type": type_id,
                    "start": start, "end": start + timedelta(minutes=30),
                })
                await uow.commit()

    began = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return clients * per_client / (time.perf_counter() - began)
