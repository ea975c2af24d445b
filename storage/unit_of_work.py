"""The SQLAlchemy unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Self

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.engine import WRITE_OPTION, sqlite_write_lock
from storage.orm import ProviderRow
from storage.outbox import SqlOutboxRepository
from storage.providers import SqlProviderRepository
from storage.repositories import SqlAppointmentRepository, SqlClientRepository
from storage.waitlist import SqlWaitlistRepository

# Serialises writes that concern no provider (e.g. creating a client) on PostgreSQL.
_GLOBAL_WRITE_LOCK = 0x510780


class SqlUnitOfWork:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._session: AsyncSession | None = None
        self._held_lock: asyncio.Lock | None = None

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
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()
        finally:
            await session.close()
            if self._held_lock is not None:
                self._held_lock.release()
                self._held_lock = None

    async def begin_write(self, provider_id: int | None = None) -> None:
        session = self.session
        if session.bind.dialect.name == "sqlite":
            if self._held_lock is None:
                lock = sqlite_write_lock(session.bind.sync_engine)
                await lock.acquire()
                self._held_lock = lock
            # SQLite cannot upgrade a deferred transaction without risking an
            # immediate SQLITE_BUSY; start over with BEGIN IMMEDIATE, which waits
            # for the single write lock. Callers re-read what they need after this.
            if session.in_transaction():
                await session.rollback()
            await session.connection(execution_options={WRITE_OPTION: True})
            return
        if provider_id is None:
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GLOBAL_WRITE_LOCK}
            )
            return
        # The provider row always exists, so locking it blocks a concurrent
        # booking even on a day with no appointments to lock (no phantoms).
        await session.execute(
            select(ProviderRow.id).where(ProviderRow.id == provider_id).with_for_update()
        )

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(sessions, clock)
