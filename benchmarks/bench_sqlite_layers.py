"""The raw anchor's SQLite transaction through each layer of our stack: where the time goes.

Run: ``.venv/bin/python -m benchmarks.bench_sqlite_layers [--quick]``

The same transaction every time - BEGIN IMMEDIATE, count overlaps, insert,
COMMIT, on the raw anchor's table - through:

1. ``sqlite3`` in this thread (what ``raw_booking.sh`` measures);
2. aiosqlite, one call per statement (``execute_fetchall``: one trip to the
   driver's thread each, the fewest its public API allows);
3. aiosqlite's cursor API, as SQLAlchemy's adapter drives it (cursor, execute,
   fetch, close: a trip each);
4. SQLAlchemy Core on stock aiosqlite (a thread per connection), with the
   project's recipe for ``BEGIN IMMEDIATE``;
5. SQLAlchemy Core on the project's engine (``storage.engine.create_engine``,
   which runs aiosqlite's calls on the loop's own thread,
   ``storage/sqlite_driver.py``);
6. our unit of work (``begin_write``, the statements, ``commit``) on that
   engine: the floor of any booking through it, before a single rule runs.

"trips" counts calls into aiosqlite's thread per transaction (each costs two
thread wake-ups; "one trip" is ``SELECT 1`` through ``execute_fetchall``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_sqlite_layers.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.engine import WRITE_OPTION, create_engine, session_factory
from storage.unit_of_work import unit_of_work_factory

SCHEMA = (
    "CREATE TABLE providers(id int primary key)",
    "INSERT INTO providers VALUES (1)",
    "CREATE TABLE appts(id integer primary key, provider int, start int, finish int)",
    "CREATE INDEX i ON appts(provider, start)",
)
COUNT = "SELECT count(*) FROM appts WHERE provider = 1 AND start < ? AND finish > ?"
INSERT = "INSERT INTO appts(provider, start, finish) VALUES (1, ?, ?)"
SA_COUNT = text("SELECT count(*) FROM appts WHERE provider = 1 AND start < :a AND finish > :b")
SA_INSERT = text("INSERT INTO appts(provider, start, finish) VALUES (1, :s, :f)")

trips = 0
counting = False


def _count_trips() -> None:
    # aiosqlite runs every call through Connection._execute: count them (a
    # private method; without it the column shows "?").
    global counting
    execute = getattr(aiosqlite.Connection, "_execute", None)
    if execute is None:
        return
    counting = True

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        global trips
        trips += 1
        return await execute(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]


def fresh_file(directory: str, name: str) -> str:
    path = os.path.join(directory, f"{name}.db")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    for statement in SCHEMA:
        connection.execute(statement)
    connection.close()
    return path


def with_sqlite3(path: str, n: int) -> float:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA synchronous=NORMAL")
    began = time.perf_counter()
    for _ in range(n):
        m = random.randrange(10**7)
        c.execute("BEGIN IMMEDIATE")
        c.execute(COUNT, (m + 40, m - 10)).fetchone()
        c.execute(INSERT, (m, m + 30))
        c.execute("COMMIT")
    return (time.perf_counter() - began) / n


async def with_aiosqlite(path: str, n: int, *, cursors: bool) -> float:
    db = await aiosqlite.connect(path, isolation_level=None)
    await db.execute("PRAGMA synchronous=NORMAL")

    async def run(sql: str, args: tuple[int, ...] = ()) -> None:
        if not cursors:
            await db.execute_fetchall(sql, args)
            return
        cursor = await db.cursor()
        await cursor.execute(sql, args)
        await cursor.fetchall()
        await cursor.close()

    began = time.perf_counter()
    for _ in range(n):
        m = random.randrange(10**7)
        await run("BEGIN IMMEDIATE")
        await run(COUNT, (m + 40, m - 10))
        await run(INSERT, (m, m + 30))
        await run("COMMIT")
    took = (time.perf_counter() - began) / n
    await db.close()
    return took


async def one_trip(path: str, n: int) -> float:
    db = await aiosqlite.connect(path)
    began = time.perf_counter()
    for _ in range(n):
        await db.execute_fetchall("SELECT 1")
    took = (time.perf_counter() - began) / n
    await db.close()
    return took


def stock_aiosqlite_engine(path: str) -> AsyncEngine:
    """aiosqlite as SQLAlchemy ships it, with SQLAlchemy's recipe for our own BEGIN."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        dbapi_connection.cursor().execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection):  # type: ignore[no-untyped-def]
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


async def with_engine(path: str, n: int, *, unit_of_work: bool, stock: bool = False) -> float:
    engine = stock_aiosqlite_engine(path) if stock else create_engine(f"sqlite:///{path}")
    make_uow = unit_of_work_factory(session_factory(engine), lambda: datetime.now(UTC))
    try:
        began = time.perf_counter()
        for _ in range(n):
            m = random.randrange(10**7)
            if unit_of_work:
                async with make_uow() as uow:
                    await uow.begin_write(1)
                    connection = await uow.session.connection()
                    await connection.execute(SA_COUNT, {"a": m + 40, "b": m - 10})
                    await connection.execute(SA_INSERT, {"s": m, "f": m + 30})
                    await uow.commit()
                continue
            async with engine.connect() as connection:
                connection = await connection.execution_options(**{WRITE_OPTION: True})
                async with connection.begin():
                    await connection.execute(SA_COUNT, {"a": m + 40, "b": m - 10})
                    await connection.execute(SA_INSERT, {"s": m, "f": m + 30})
        return (time.perf_counter() - began) / n
    finally:
        await engine.dispose()


async def measure(label: str, run: Callable[[], Awaitable[float]], n: int, raw: float | None) -> None:
    before = trips
    seconds = await run()
    per_tx = f"{(trips - before) / n:5.1f}" if counting else "?"
    share = f"{100 * raw / seconds:6.0f} %" if raw else "       -"
    print(f"{label:<46} {seconds * 1e6:8.0f} {1 / seconds:7.0f} {share} {per_tx:>6}")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred transactions each")
    n = 300 if parser.parse_args(argv).quick else 2000
    _count_trips()
    with tempfile.TemporaryDirectory(prefix="slotbot_layers_") as directory:
        raw = with_sqlite3(fresh_file(directory, "raw"), n)
        print(f"{'layer (' + str(n) + ' transactions each)':<46} {'us/tx':>8} {'tx/s':>7}"
              f" {'of raw':>8} {'trips':>6}")
        print(f"{'1. sqlite3 (the raw anchor)':<46} {raw * 1e6:8.0f} {1 / raw:7.0f} {100:6.0f} % {0:6.1f}")
        await measure("   one trip to aiosqlite's thread (SELECT 1)",
                      lambda: one_trip(fresh_file(directory, "t"), n), n, None)
        layers = [
            ("2. aiosqlite, one call per statement", lambda: with_aiosqlite(
                fresh_file(directory, "a"), n, cursors=False)),
            ("3. aiosqlite cursors (as SQLAlchemy uses them)", lambda: with_aiosqlite(
                fresh_file(directory, "c"), n, cursors=True)),
            ("4. SQLAlchemy Core on stock aiosqlite", lambda: with_engine(
                fresh_file(directory, "s"), n, unit_of_work=False, stock=True)),
            ("5. SQLAlchemy Core on the project's engine", lambda: with_engine(
                fresh_file(directory, "e"), n, unit_of_work=False)),
            ("6. our unit of work (the floor)", lambda: with_engine(
                fresh_file(directory, "u"), n, unit_of_work=True)),
        ]
        for label, run in layers:
            await measure(label, run, n, raw)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
