"""One async engine per process, set up for safe concurrent writes.

SQLite: WAL (readers beside the one writer), a busy timeout, foreign keys on
every connection, and transactions begun by us, not by the driver, so that
writers can say ``BEGIN IMMEDIATE`` (a deferred ``BEGIN`` that later writes gets
SQLITE_BUSY at once, ignoring the timeout). This is SQLAlchemy's documented
recipe for pysqlite/aiosqlite transaction control.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.driver_sql import announce
from storage.sqlite_driver import LOOP_BUSY_TIMEOUT_SECONDS, LoopThreadConnection, loop_thread_connector

T = TypeVar("T")

#: Connections older than this are replaced when checked out (idle-timeout proxies, restarts).
POSTGRES_RECYCLE_SECONDS = 600
#: Execution option a write transaction sets on its connection before it begins.
WRITE_OPTION = "slotbot_write"
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class UnsupportedDatabase(ValueError):
    """A database URL this project cannot use."""


def normalise_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs; use the async drivers."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(
            "not a database URL: use sqlite:///path/to.db or postgresql://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, echo: bool = False, **pool_options: Any) -> AsyncEngine:
    """The process's engine; ``pool_options`` (``pool_size`` …) go to SQLAlchemy."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.database and parsed.database != ":memory:":
            # A file: every call on the loop's thread (storage/sqlite_driver.py).
            engine = create_async_engine(
                url, echo=echo, async_creator=loop_thread_connector(parsed.database), **pool_options
            )
            _configure_sqlite(engine, busy_timeout=LOOP_BUSY_TIMEOUT_SECONDS)
            return engine
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            **pool_options,
        )
        _configure_sqlite(engine, busy_timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        return engine
    # No pre-ping: it cost three round trips on every checkout, half of what a
    # booking costs on PostgreSQL (bench_booking: 107 -> 210 bookings/s without).
    # A connection the server dropped fails its one statement instead; SQLAlchemy
    # then throws the whole pool away, and recycling keeps idle ones fresh.
    return create_async_engine(
        url, echo=echo, pool_pre_ping=False, pool_recycle=POSTGRES_RECYCLE_SECONDS, **pool_options
    )


#: Connections beside the updates': the timed jobs (reminder senders and their
#: producer, a second reminder poll, waitlist, digest, housekeeping, the two
#: calendar feeds synced at once, the two CalDAV calendars written at once) and a
#: health check, so that a job never takes a running update's connection.
JOB_CONNECTIONS = 14
#: For the rare nesting of units of work. A process holds at most
#: concurrent updates + JOB_CONNECTIONS + POOL_OVERFLOW connections (34 by
#: default): PostgreSQL's max_connections (100 by default) must exceed that
#: times the processes (``run --workers`` splits the concurrency among them).
POOL_OVERFLOW = 4
#: Waiting for a connection is queueing: a wait this long means something is stuck.
POOL_WAIT_SECONDS = 600


def pool_for(concurrent_updates: int) -> dict[str, Any]:
    """Pool options that fit ``concurrent_updates`` updates at once and the jobs.

    Each running update holds at most one connection at a time (a unit of work
    is opened, used and closed; none is held across a Bot API call), so a pool
    this size never makes an update wait; the overflow covers the rare nesting.
    """
    return {
        "pool_size": concurrent_updates + JOB_CONNECTIONS,
        "max_overflow": POOL_OVERFLOW,
        "pool_timeout": POOL_WAIT_SECONDS,
    }


_write_locks: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def sqlite_write_lock(engine: Engine) -> asyncio.Lock:
    """One queue for this process's SQLite writers.

    Writers waiting in SQLite's busy handler poll with sleeps of up to 100 ms, so
    the lock sits idle between polls and the order is unfair; queueing the
    process's own writers on an asyncio lock keeps the file lock busy and the
    order FIFO (the benchmark measured 4-5x the throughput and a tenth of the
    worst latency). Writers of other processes still meet the busy timeout.
    """
    lock = _write_locks.get(engine)
    if lock is None:
        lock = _write_locks[engine] = asyncio.Lock()
    return lock


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver (we emit BEGIN below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection):  # type: ignore[no-untyped-def]
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        driver = connection.connection.driver_connection
        if isinstance(driver, LoopThreadConnection):
            # Straight to SQLite on this thread (every booking begins here; the
            # execution layer cost more than SQLite's own work), announced to
            # statement counters like any statement.
            announce(connection, statement, ())
            try:
                driver.run_now(statement)
            except sqlite3.Error as error:
                # As SQLAlchemy would have raised it ("database is locked" is waited out).
                raise DBAPIError.instance(statement, (), error, sqlite3.Error) from error
        else:
            connection.exec_driver_sql(statement)


#: How long a writer waits for another process's SQLite write lock (a CLI command, say).
SQLITE_WRITER_WAIT_SECONDS = 30.0


async def wait_out_other_writers(
    attempt: Callable[[], Awaitable[T]], after_refusal: Callable[[], Awaitable[None]] | None = None
) -> T:
    """``attempt()``, again while SQLite says another process holds the write lock.

    The driver runs on the loop's thread with a short busy timeout
    (``storage/sqlite_driver.py``), so a lock held elsewhere comes back as
    "database is locked" at once; waiting here, between tries, keeps the loop
    running. This process's own writers never meet each other here (they queue
    on :func:`sqlite_write_lock` first). ``after_refusal`` undoes a failed try.
    """
    deadline = time.monotonic() + SQLITE_WRITER_WAIT_SECONDS
    pause = 0.005
    while True:
        try:
            return await attempt()
        except OperationalError as error:
            if "locked" not in str(error.orig) or time.monotonic() > deadline:
                raise
        if after_refusal is not None:
            await after_refusal()
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
