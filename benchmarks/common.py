"""Shared helpers for the benchmarks: throw-away databases, a statement counter, percentiles.

Nothing here is a test. Every run gets a fresh database (a file in a temporary
directory for SQLite, a ``slotbot_bench_<random>`` database for PostgreSQL, dropped
at the end) brought to the current schema with :func:`storage.schema.upgrade_schema`,
so numbers never depend on what an earlier run left behind.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.engine import create_engine, normalise_url
from storage.schema import upgrade_schema

#: Server (and maintenance database) where throw-away benchmark databases are created.
POSTGRES_URL = os.environ.get(
    "SLOTBOT_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")
T = TypeVar("T")


class BackendUnavailable(Exception):
    """The PostgreSQL server cannot be reached: that backend is skipped, not failed."""


def make_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """The project's engine; with ``pool_size``, a pool big enough for many bookers."""
    if pool_size is None:
        return create_engine(url)
    return create_engine(url, pool_size=pool_size, max_overflow=5, pool_timeout=120)


async def _postgres_admin(statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction: AUTOCOMMIT.
    admin = create_async_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


@asynccontextmanager
async def fresh_database(
    backend: str, *, pool_size: int | None = None
) -> AsyncIterator[AsyncEngine]:
    """An engine on a new, migrated, empty database; everything is removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="slotbot_bench_") as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}", pool_size=pool_size)
            try:
                await upgrade_schema(engine)
                yield engine
            finally:
                await engine.dispose()
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"slotbot_bench_{uuid.uuid4().hex[:10]}"
    try:
        await _postgres_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        safe = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        raise BackendUnavailable(f"PostgreSQL at {safe} unreachable: {exc}") from exc
    try:
        url = make_url(normalise_url(POSTGRES_URL)).set(database=name)
        engine = make_engine(url.render_as_string(hide_password=False), pool_size=pool_size)
        try:
            await upgrade_schema(engine)
            yield engine
        finally:
            await engine.dispose()
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


class StatementCounter:
    """Counts SQL statements SQLAlchemy sends to the database through a cursor.

    It listens to ``before_cursor_execute`` on ``engine.sync_engine``, which fires
    for every statement executed through a SQLAlchemy connection - ORM queries,
    ``session.get`` misses, flushes, ``exec_driver_sql`` - once per call (an
    executemany batch counts once). What it does NOT see: statements a driver
    issues on its own, and ``commit()``/``rollback()`` (DBAPI methods, no cursor).

    The two backends differ in one respect, so transaction control is counted
    apart from ``queries``: on SQLite the project emits ``BEGIN`` / ``BEGIN
    IMMEDIATE`` itself via ``exec_driver_sql`` (seen, counted in ``transactions``),
    while asyncpg starts transactions inside the driver (not seen). ``queries``
    is therefore comparable across backends; ``transactions`` is SQLite only.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.queries = 0
        self.transactions = 0
        self._target = engine.sync_engine
        event.listen(self._target, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        if _TRANSACTION_CONTROL.match(statement):
            self.transactions += 1
        else:
            self.queries += 1

    def close(self) -> None:
        event.remove(self._target, "before_cursor_execute", self._seen)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (``fraction`` 0.5 = median), like numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    p50_ms: float
    p95_ms: float


def summarise(seconds: Sequence[float]) -> Summary:
    millis = [s * 1000 for s in seconds]
    return Summary(percentile(millis, 0.50), percentile(millis, 0.95))


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``; perf_counter based."""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start


def base_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a small, fast smoke run (CI): numbers mean little"
    )
    parser.add_argument(
        "--backend",
        choices=("all", *BACKENDS),
        default="all",
        help="which database(s) to measure (default: both)",
    )
    parser.add_argument(
        "--require-postgres",
        action="store_true",
        help="fail (exit 1) instead of skipping when PostgreSQL is unreachable",
    )
    return parser


async def over_backends(
    args: argparse.Namespace, run: Callable[[str, bool], Awaitable[T]]
) -> tuple[list[T], bool]:
    """``run(backend, quick)`` for each chosen backend; True if a required one was missing."""
    results, failed = [], False
    for backend in list(BACKENDS) if args.backend == "all" else [args.backend]:
        try:
            results.append(await run(backend, args.quick))
        except BackendUnavailable as exc:
            print(f"{backend}: SKIPPED ({exc})", flush=True)
            failed |= args.require_postgres
    return results, failed
