"""``slotbot invite``: a single-use link that makes whoever opens it a provider.

Either a new provider (``--name --type --timezone``), or, with ``--provider ID``,
one that exists without a Telegram account (imported from a JSON file, say):
opening that link links the account to it. A provider already linked is refused
(exit 3): the link would hand its calendar to whoever opened it.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.bootstrap import App
from bot.errors import UsageError
from bot.settings import Settings
from core.errors import BookingError, NotFound
from core.model import NewProvider, Provider
from core.onboarding import INVITE_LIFETIME, create_invite, invite_provider

log = logging.getLogger(__name__)


class AlreadyLinked(BookingError):
    """The provider runs its calendar from a Telegram account already."""

    def __init__(self, provider_id: int) -> None:
        super().__init__(
            f"provider {provider_id} is already linked to a Telegram account: "
            "an invite would hand its calendar to someone else"
        )


def check_invite_args(args: argparse.Namespace) -> None:
    """Either ``--provider`` alone, or all of ``--name``, ``--type`` and ``--timezone``."""
    new = {"--name": args.name, "--type": args.type, "--timezone": args.timezone}
    given = [option for option, value in new.items() if value is not None]
    if args.provider is not None:
        if given:
            raise UsageError(f"--provider invites an existing provider: leave out {', '.join(given)}")
        return
    missing = [option for option, value in new.items() if value is None]
    if missing:
        raise UsageError(
            f"invite needs {', '.join(missing)} for a new provider (or --provider ID for an existing one)"
        )


async def make_invite(args: argparse.Namespace, settings: Settings, app: App) -> dict[str, Any]:
    from conversations.provider_onboarding import invite_link

    if args.provider is None:
        new = NewProvider(Provider(None, args.name.strip(), args.type, args.timezone))
        provider, token = await invite_provider(app.uow(), new, now=app.clock())
    else:
        async with app.uow() as unit:
            provider = await unit.providers.get(args.provider)
        if provider is None:
            raise NotFound("provider", args.provider)
        if provider.telegram_user_id is not None:
            raise AlreadyLinked(args.provider)
        token = await create_invite(app.uow(), args.provider, now=app.clock())
    username = settings.bot_username or await _bot_username(settings)
    return {
        "provider_id": provider.id,
        "link": invite_link(username, token),
        "expires_in_days": INVITE_LIFETIME.days,
    }


async def _bot_username(settings: Settings) -> str | None:
    """Ask Telegram for the bot's username when a token is configured (else: none)."""
    if settings.telegram_token is None:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    kwargs = {"base_url": settings.telegram_api_url} if settings.telegram_api_url else {}
    try:
        async with Bot(settings.telegram_token.get_secret_value(), **kwargs) as bot:
            return bot.username
    except TelegramError:
        log.warning("could not ask Telegram for the bot's username")
        return None
