"""Bringing the database schema up to date (the bot and the CLI do it on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import WRITE_OPTION, wait_out_other_writers

MIGRATIONS = Path(__file__).with_name("migrations")
# Several processes may start at once on one PostgreSQL; one migrates at a time.
_MIGRATION_LOCK = 0x510781


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    # Workers start together and each upgrades (a no-op but the first): on
    # SQLite each waits for the others' write lock as any writer does.
    async def upgrade() -> None:
        async with engine.connect() as connection:
            connection = await connection.execution_options(**{WRITE_OPTION: True})
            async with connection.begin():
                await connection.run_sync(_upgrade, revision)

    await wait_out_other_writers(upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
