"""The composition root: one engine, the schema brought up to date, a unit-of-work factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import utc_now
from bot.settings import Settings
from storage.engine import create_engine, pool_for, session_factory
from storage.schema import upgrade_schema
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory


@dataclass(frozen=True)
class App:
    engine: AsyncEngine
    uow: Callable[[], SqlUnitOfWork]
    clock: Callable[[], datetime]


@asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    upgrade: bool = True,
) -> AsyncIterator[App]:
    engine = create_engine(settings.resolved_database_url, **pool_for(settings.concurrent_updates))
    try:
        if upgrade:
            await upgrade_schema(engine)
        yield App(engine, unit_of_work_factory(session_factory(engine), clock), clock)
    finally:
        await engine.dispose()
