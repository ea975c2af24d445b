"""Providers join by a single-use, expiring invite; their Telegram account is then linked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from core.errors import InviteInvalid, NotAuthorised, NotFound
from core.localtime import require_utc
from core.model import Invite, NewProvider, Provider
from core.ports import UnitOfWork
from core.providers import register_provider

INVITE_LIFETIME = timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def invite_provider(
    uow: UnitOfWork, new: NewProvider, *, now: datetime, lifetime: timedelta = INVITE_LIFETIME
) -> tuple[Provider, str]:
    """Register a provider and make the invite token that links their account."""
    provider, _types = await register_provider(uow, new)
    token = await create_invite(uow, provider.id, now=now, lifetime=lifetime)  # type: ignore[arg-type]
    return provider, token


async def create_invite(
    uow: UnitOfWork, provider_id: int, *, now: datetime, lifetime: timedelta = INVITE_LIFETIME
) -> str:
    now = require_utc(now, "now")
    # 16 random bytes, URL-safe: fits Telegram's 64-character deep-link payload.
    token = secrets.token_urlsafe(16)
    async with uow:
        await uow.begin_write(provider_id)
        if await uow.providers.get(provider_id) is None:
            raise NotFound("provider", provider_id)
        await uow.providers.add_invite(
            Invite(None, provider_id, _hash(token), created_at=now, expires_at=now + lifetime)
        )
        await uow.commit()
    return token


async def redeem_invite(
    uow: UnitOfWork, token: str, telegram_user_id: int, *, now: datetime, language: str | None
) -> Provider:
    """Link ``telegram_user_id`` to the invite's provider; the invite is then used up."""
    now = require_utc(now, "now")
    async with uow:
        invite = await uow.providers.invite_by_hash(_hash(token))
        if invite is None:
            raise InviteInvalid("unknown")
        await uow.begin_write(invite.provider_id)
        invite = await uow.providers.invite_by_hash(_hash(token))
        assert invite is not None
        provider = await uow.providers.get(invite.provider_id)
        if provider is None:
            raise InviteInvalid("unknown")
        if invite.used_at is not None:
            if invite.used_by == telegram_user_id and provider.telegram_user_id == telegram_user_id:
                return provider  # the same person tapping the link twice
            raise InviteInvalid("used")
        if now >= invite.expires_at:
            raise InviteInvalid("expired")
        other = await uow.providers.by_telegram_id(telegram_user_id)
        if other is not None and other.id != provider.id:
            raise NotAuthorised("this Telegram account already runs another provider")
        linked = replace(provider, telegram_user_id=telegram_user_id, language=provider.language or language)
        await uow.providers.update(linked)
        await uow.providers.save_invite(replace(invite, used_at=now, used_by=telegram_user_id))
        await uow.commit()
    return linked


async def provider_for_user(uow: UnitOfWork, telegram_user_id: int) -> Provider | None:
    async with uow:
        return await uow.providers.by_telegram_id(telegram_user_id)
