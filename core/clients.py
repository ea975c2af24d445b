"""Clients: the people who book, known by their Telegram user id."""

from __future__ import annotations

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
        if existing is not None:
            return existing
        await uow.begin_write()
        # Another process may have created it between the read and the lock.
        existing = await uow.clients.by_telegram_id(telegram_user_id)
        if existing is not None:
            return existing
        client = await uow.clients.add(
            Client(id=None, telegram_user_id=telegram_user_id, name=name, language=language)
        )
        await uow.commit()
    return client
