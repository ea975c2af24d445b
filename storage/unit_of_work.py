"""The SQLAlchemy unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Self

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import SessionTransaction

from core.model import BookingSnapshot
from storage.booking_snapshot import read_booking_snapshot
from storage.calendar_conflicts import SqlCalendarConflictRepository
from storage.caldav import SqlCalDavRepository
from storage.calendar_feeds import SqlCalendarFeedRepository
from storage.driver_sql import transaction_connection
from storage.engine import WRITE_OPTION, sqlite_write_lock, wait_out_other_writers
from storage.outbox import SqlOutboxRepository
from storage.providers import SqlProviderRepository
from storage.repositories import SqlAppointmentRepository, SqlClientRepository
from storage.series import SqlSeriesRepository
from storage.subscriptions import SqlSubscriptionRepository
from storage.waitlist import SqlWaitlistRepository

# Serialises writes that concern no provider (e.g. creating a client) on PostgreSQL.
_GLOBAL_WRITE_LOCK = 0x510780
# The provider row always exists, so locking it blocks a concurrent booking even
# on a day with no appointments to lock (no phantoms). Plain text on the
# connection: this runs once per booking, and the ORM's select costs more.
_LOCK_PROVIDER = text("SELECT id FROM providers WHERE id = :id FOR UPDATE").bindparams(
    bindparam("id", type_=Integer)
)


async def _begin_immediate(session: AsyncSession) -> None:
    """BEGIN IMMEDIATE, waiting without blocking the loop while another process writes."""

    async def begin() -> None:
        await session.connection(execution_options={WRITE_OPTION: True})

    await wait_out_other_writers(begin, after_refusal=session.rollback)


class SqlUnitOfWork:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._session: AsyncSession | None = None
        self._held_lock: asyncio.Lock | None = None
        # The transaction begin_write last locked in, and for which providers
        # (on SQLite one lock covers them all), so a booking inside a claim
        # does not lock again.
        self._write_tx: SessionTransaction | None = None
        self._locked: set[int | None] = set()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        self._session = self._sessions()
        now = self._clock()
        self.providers = SqlProviderRepository(self._session, now)
        self.clients = SqlClientRepository(self._session, now)
        self.appointments = SqlAppointmentRepository(self._session)
        self.outbox = SqlOutboxRepository(self._session)
        self.waitlist = SqlWaitlistRepository(self._session)
        self.feeds = SqlCalendarFeedRepository(self._session)
        self.subscriptions = SqlSubscriptionRepository(self._session)
        self.conflicts = SqlCalendarConflictRepository(self._session)
        self.caldav = SqlCalDavRepository(self._session)
        self.series = SqlSeriesRepository(self._session)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        session, self._session = self.session, None
        try:
            if session.in_transaction():  # after a commit there is nothing to undo
                await session.rollback()
        finally:
            # The transaction is over: the next writer need not wait for the
            # connection's trip back to the pool.
            self._transaction_over()
            await session.close()

    def _transaction_over(self) -> None:
        """Its locks went with the transaction; the process's SQLite queue moves on."""
        self._write_tx = None
        if self._held_lock is not None:
            self._held_lock.release()
            self._held_lock = None

    async def begin_write(self, provider_id: int | None = None) -> None:
        await self._begin_write(provider_id)
        transaction = self.session.get_transaction()
        if transaction is not self._write_tx:
            self._write_tx, self._locked = transaction, set()
        self._locked.add(provider_id)

    async def begin_keyed_write(self) -> None:
        """A write of rows that only their own key decides (upserts of chat state).

        No rule reads them together with other rows, so on PostgreSQL the
        transaction alone is enough: taking the global write lock would make
        every webhook worker's every update queue behind every other's. SQLite
        still needs its single writer's BEGIN IMMEDIATE.
        """
        if self.session.bind.dialect.name == "sqlite":
            await self.begin_write()

    def _holds_write_lock(self, provider_id: int) -> bool:
        session = self.session
        if self._write_tx is None or session.get_transaction() is not self._write_tx:
            return False
        return session.bind.dialect.name == "sqlite" or provider_id in self._locked

    async def begin_booking(
        self, *, provider_id: int, type_id: int, client_id: int, start: datetime, now: datetime
    ) -> BookingSnapshot:
        # PostgreSQL: the FOR UPDATE of begin_write, then the read in a statement
        # of its own (see storage/booking_snapshot.py for why not in one).
        # SQLite: BEGIN IMMEDIATE, then the read.
        if not self._holds_write_lock(provider_id):
            await self.begin_write(provider_id)
        return await read_booking_snapshot(
            self.session, provider_id=provider_id, type_id=type_id, client_id=client_id,
            start=start, now=now,
        )

    async def _begin_write(self, provider_id: int | None) -> None:
        session = self.session
        if session.bind.dialect.name == "sqlite":
            # SQLite cannot upgrade a deferred transaction without risking an
            # immediate SQLITE_BUSY; start over with BEGIN IMMEDIATE, which waits
            # for the single write lock. Callers re-read what they need after this.
            # Ending the read first gives its connection back while this writer
            # queues, so queued writers never starve readers of connections.
            if session.in_transaction():
                await session.rollback()
            if self._held_lock is None:
                lock = sqlite_write_lock(session.bind.sync_engine)
                await lock.acquire()
                self._held_lock = lock
            await _begin_immediate(session)
            return
        if provider_id is None:
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GLOBAL_WRITE_LOCK}
            )
            return
        # Through SQLAlchemy, not the driver: its asyncpg adapter begins the
        # transaction on a statement it runs (storage/driver_sql.py).
        connection = await transaction_connection(session)
        await connection.execute(_LOCK_PROVIDER, {"id": provider_id})

    async def commit(self) -> None:
        await self.session.commit()
        self._transaction_over()

    async def rollback(self) -> None:
        await self.session.rollback()
        self._transaction_over()


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(sessions, clock)
