"""Clients: the people who book, known by their Telegram user id."""

from __future__ import annotations

from dataclasses import replace

from core.errors import NotFound
from core.localtime import zone
from core.model import Client
from core.ports import UnitOfWork


async def get_or_create_client(
    uow: UnitOfWork,
    telegram_user_id: int,
    *,
    name: str | None = None,
    language: str | None = None,
) -> Client:
    """The client with this Telegram id, created on first contact."""
    async with uow:
        existing = await uow.clients.by_telegram_id(telegram_user_id)
        if existing is not None and existing.unreachable_at is None:
            return existing
        await uow.begin_write()
        if existing is not None:
            # They write to us again, so they unblocked the bot: reminders and
            # waitlist offers reach them again.
            back = replace(existing, unreachable_at=None)
            await uow.clients.update(back)
            await uow.commit()
            return back
        # Another process may have created it between the read and the lock.
        existing = await uow.clients.by_telegram_id(telegram_user_id)
        if existing is not None:
            return existing
        client = await uow.clients.add(
            Client(id=None, telegram_user_id=telegram_user_id, name=name, language=language)
        )
        await uow.commit()
    return client


async def find_client(uow: UnitOfWork, telegram_user_id: int) -> Client | None:
    """The client with this Telegram id, if they ever wrote to us."""
    async with uow:
        return await uow.clients.by_telegram_id(telegram_user_id)


async def update_client_preferences(
    uow: UnitOfWork,
    client_id: int,
    *,
    language: str | None = None,
    timezone: str | None = None,
    name: str | None = None,
) -> Client:
    """Save a client's language, time zone or name (``None`` leaves a field as it is)."""
    if timezone is not None:
        zone(timezone)  # UnknownTimeZone for anything zoneinfo does not know
    async with uow:
        await uow.begin_write()
        client = await uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        updated = replace(
            client,
            language=language if language is not None else client.language,
            timezone=timezone if timezone is not None else client.timezone,
            name=name if name is not None else client.name,
        )
        await uow.clients.update(updated)
        await uow.commit()
    return updated
