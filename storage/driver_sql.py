"""A few statements sent straight to the database driver, past SQLAlchemy's execution layer.

Measured on this project's machine (PostgreSQL, one ``SELECT 1``, CPU per call):
a unit of work running one Core statement costs ~530 µs, a bare
``engine.connect()`` + ``text()`` ~270 µs, the same connection handing the
statement to asyncpg ~85 µs, of which asyncpg itself is ~15 µs. The bot runs
about seven statements an update, so SQLAlchemy's per-statement and
per-transaction work was a third of its CPU under load (py-spy, issue #11).

So the reads every tap makes (who is asking, the catalogue, a provider's
calendar with its bookings) and the booking's read and insert go through
:class:`DriverStatement`: SQL written once for both databases with ``:name``
parameters, values converted by the SQLAlchemy column types' own bind
processors (so SQLite's text timestamps compare exactly as the ORM stores
them), run on a pooled connection's driver. Everything else keeps the ORM.

What SQLAlchemy did for such a statement is done here by hand:

* it is announced to ``before_cursor_execute`` listeners, so statement counts
  (tests, benchmarks) still see every statement;
* a driver error that is not the database refusing the statement (a dropped
  connection) invalidates the pooled connection, as SQLAlchemy would;
* transactions stay SQLAlchemy's: inside a unit of work that has begun one
  (the booking's lock) the statement runs on its connection and in it; a read
  outside any transaction is one statement in autocommit, which reads one
  consistent snapshot on both databases.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.types import TypeEngine

# ``:name`` parameters, not PostgreSQL's ``::type`` casts.
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
Row = Sequence[Any]


class _Compiled:
    """One statement for one dialect: its text, parameter order and converters."""

    __slots__ = ("sql", "names", "converters", "positional")

    def __init__(self, sql: str, types: Mapping[str, TypeEngine[Any]], dialect: Dialect) -> None:
        self.positional = dialect.name == "postgresql"
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}" if self.positional else f":{name}"

        self.sql = _PARAMETER.sub(number, sql)
        self.names = tuple(names)
        missing = set(names) - set(types)
        if missing:
            raise ValueError(f"parameters without a type: {sorted(missing)}")
        self.converters: dict[str, Callable[[Any], Any] | None] = {
            name: types[name].dialect_impl(dialect).bind_processor(dialect) for name in names
        }

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = {}
        for name in self.names:
            value, convert = values[name], self.converters[name]
            converted[name] = value if convert is None or value is None else convert(value)
        if self.positional:
            return tuple(converted[name] for name in self.names)
        return converted


class DriverStatement:
    """A statement written once with ``:name`` parameters, run by the driver.

    ``sql`` is the text, or a function of the dialect's name giving it (for
    the few functions the databases name differently); ``types`` gives each
    parameter's SQLAlchemy type.
    """

    def __init__(self, sql: str | Callable[[str], str], **types: TypeEngine[Any]) -> None:
        self._sql = sql
        self._types = types
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            sql = self._sql if isinstance(self._sql, str) else self._sql(dialect.name)
            compiled = self._compiled[dialect.name] = _Compiled(sql, self._types, dialect)
        return compiled

    async def fetchone(self, connection: AsyncConnection, **values: Any) -> Row | None:
        rows = await self._run(connection, values, one=True)
        return rows[0] if rows else None

    async def fetchall(self, connection: AsyncConnection, **values: Any) -> list[Row]:
        return await self._run(connection, values, one=False)

    async def _run(self, connection: AsyncConnection, values: Mapping[str, Any], *, one: bool) -> list[Row]:
        compiled = self._for(connection.dialect)
        arguments = compiled.arguments(values)
        assert connection.sync_connection is not None
        announce(connection.sync_connection, compiled.sql, arguments)
        raw = await _driver(connection)
        try:
            if compiled.positional:
                if one:
                    row = await raw.fetchrow(compiled.sql, *arguments)
                    return [] if row is None else [row]
                return list(await raw.fetch(compiled.sql, *arguments))
            cursor = await raw.execute(compiled.sql, arguments)
            try:
                if one:
                    row = await cursor.fetchone()
                    return [] if row is None else [row]
                return list(await cursor.fetchall())
            finally:
                await cursor.close()
        except (asyncpg.PostgresError, sqlite3.DatabaseError):
            raise  # the database refused the statement; the connection is fine
        except BaseException:
            # Cut off mid-statement (connection lost, task cancelled): the
            # connection's state is unknown, so the pool must not hand it out again.
            await connection.invalidate()
            raise


def announce(connection: Connection, statement: str, parameters: Any) -> None:
    """Tell ``before_cursor_execute`` listeners (statement counters; none in
    production) of a statement sent past SQLAlchemy, as it would have."""
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, None, statement, parameters, None, False)


async def _driver(connection: AsyncConnection) -> Any:
    """The driver's own connection (asyncpg's, aiosqlite's) under ``connection``."""
    sync = connection.sync_connection
    assert sync is not None
    if not sync.closed and not sync.invalidated:
        # Checked out already (a live Connection always is): read it directly;
        # ``get_raw_connection()`` costs a greenlet round trip to say the same.
        return sync.connection.driver_connection
    return (await connection.get_raw_connection()).driver_connection


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error (asyncpg), or of the one SQLAlchemy wrapped."""
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


@asynccontextmanager
async def statement_connection(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """Where a read of a unit of work runs: its transaction's connection if it has
    one, else a pooled connection held for this statement only.

    Read-only uses (a tap's screens) then never begin a transaction: no
    ``BEGIN``/``ROLLBACK`` round trips and none of the session's bookkeeping,
    and the update still holds at most one connection at a time.
    """
    if session.in_transaction():
        yield await transaction_connection(session)
        return
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as connection:
        yield connection


_CONNECTION_KEY = "slotbot_transaction_connection"


async def transaction_connection(session: AsyncSession) -> AsyncConnection:
    """``await session.connection()``, remembered for the session's current transaction.

    Each ``AsyncSession.connection()`` is a trip through a greenlet (~30 µs); a
    booking asks three times (lock, read, insert) while the provider waits.
    """
    transaction = session.sync_session.get_transaction()
    remembered = session.info.get(_CONNECTION_KEY)
    if transaction is not None and remembered is not None and remembered[0] is transaction:
        return remembered[1]  # type: ignore[no-any-return]
    connection = await session.connection()
    session.info[_CONNECTION_KEY] = (session.sync_session.get_transaction(), connection)
    return connection
