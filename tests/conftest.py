"""Database fixtures: every storage test runs on SQLite *and* PostgreSQL.

PostgreSQL comes from ``SLOTBOT_TEST_POSTGRES_URL`` (default: the development
and CI server at 127.0.0.1:5432). Each test run creates a throw-away database
there and drops it at the end. When ``SLOTBOT_REQUIRE_POSTGRES=1`` (CI sets it)
a server that cannot be reached fails the PostgreSQL tests instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.engine import create_engine, normalise_url, session_factory
from storage.schema import upgrade_schema
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

POSTGRES_URL = os.environ.get(
    "SLOTBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SLOTBOT_REQUIRE_POSTGRES", "").lower() in ("1", "true", "yes")

TABLES = (
    "calendar_conflicts",
    "caldav_outbox",
    "caldav_accounts",
    "calendar_busy",
    "calendar_feeds",
    "tg_chat_leases",
    "tg_conversations",
    "tg_user_data",
    "tg_updates_seen",
    "outbox",
    "waitlist_offers",
    "invites",
    "client_blocks",
    "waitlist_entries",
    "appointments",
    "clients",
    "appointment_types",
    "schedule_overrides",
    "weekly_intervals",
    "providers",
)

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def _admin(statement: str) -> None:
    engine = create_async_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head."""
    name = f"slotbot_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        message = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(
        hide_password=False
    )

    async def migrate() -> None:
        engine = create_engine(url)
        try:
            await upgrade_schema(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'slotbot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_schema(engine)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(
                text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            )
    yield engine
    await engine.dispose()


@dataclass
class Clock:
    """A settable clock for the storage layer's ``created_at`` stamps."""

    now: datetime = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def uow(engine: AsyncEngine, clock: Clock):
    """A factory: each call is a fresh unit of work on the test database."""
    make = unit_of_work_factory(session_factory(engine), clock)

    def new() -> SqlUnitOfWork:
        return make()

    return new
