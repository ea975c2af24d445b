"""aiosqlite's interface, run on the event loop's own thread.

aiosqlite gives every connection a thread and hands each call to it: a queue
put, a thread wake-up and a ``call_soon_threadsafe`` back, about 55 µs of CPU
per hop on this project's machine, and SQLAlchemy makes four hops per
statement (cursor, execute, fetch, close). The SQLite work itself is a few
microseconds: an indexed read, or a commit that appends to the WAL without an
fsync (``synchronous=NORMAL``). Profiling 100 clients booking at once showed
the hops at a fifth of the bot's CPU, and the bot is bound by its one CPU.

So this connection keeps aiosqlite's API (which SQLAlchemy's aiosqlite
dialect drives) but runs each call at once, in the caller's thread. What it
gives up is the ability to wait on SQLite's file lock without blocking the
loop: in-process writers never wait there (``storage.engine.sqlite_write_lock``
queues them first), and a writer of *another* process (a CLI command) is
waited for with a short busy timeout that the unit of work retries without
blocking (``storage.unit_of_work``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite

#: How long one SQLite call may block the loop waiting for another process's lock.
LOOP_BUSY_TIMEOUT_SECONDS = 0.05


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread: runs each call on the spot.

    aiosqlite (and SQLAlchemy's adapter, for ``isolation_level``) put
    ``(future, function)`` pairs here; the future is settled before they await it.
    """

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class LoopThreadConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no worker thread to start

    def run_now(self, statement: str) -> None:
        """Run a statement that returns nothing (``BEGIN``) from synchronous code."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        self._connection.execute(statement)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def loop_thread_connector(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for SQLAlchemy: connections to the SQLite file ``path``."""

    async def connect() -> LoopThreadConnection:
        connection = LoopThreadConnection(
            lambda: sqlite3.connect(path, timeout=LOOP_BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        )
        return await connection  # type: ignore[return-value]

    return connect
