"""Running the bot: long polling against Telegram, or the console against the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application, publish_commands
from bot.bootstrap import App, open_app
from bot.demo import DEMO_CLINIC
from bot.errors import BotStartError
from bot.settings import Settings
from conversations.common import Services
from core.catalog import list_offers
from core.providers import register_provider

log = logging.getLogger(__name__)
CONSOLE_USER_ID = 1001


@contextlib.asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:
    """Initialise, start and poll; stop everything cleanly on the way out."""
    try:
        await application.initialize()
    except InvalidToken:
        raise BotStartError(
            "Telegram rejected SLOTBOT_TELEGRAM_TOKEN: check the token from @BotFather"
        ) from None
    except NetworkError as exc:
        raise BotStartError(f"cannot reach the Telegram Bot API: {exc.message}") from None
    await publish_commands(application)
    try:
        await application.start()
        await application.updater.start_polling(drop_pending_updates=False)  # type: ignore[union-attr]
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_bot(settings: Settings) -> None:
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        raise BotStartError(
            "SLOTBOT_TELEGRAM_TOKEN is not set: get a token from @BotFather, "
            "or try the bot without Telegram: slotbot console"
        )
    async with open_app(settings) as app:
        application = build_application(
            settings.telegram_token.get_secret_value().strip(),
            Services(app.uow, app.clock, settings.admin_ids),
            api_url=settings.telegram_api_url,
        )
        async with running(application):
            me = application.bot.username
            log.warning("Slotbot is running as @%s; stop with Ctrl+C", me)
            await _until_signalled()


async def seed_demo(app: App) -> None:
    if await list_offers(app.uow()):
        return
    for provider in DEMO_CLINIC:
        await register_provider(app.uow(), provider)


async def run_console(settings: Settings, *, language: str = "en") -> None:
    """The real bot, the demo clinic, and a chat in the terminal — no Telegram needed."""
    from bot.standin.console import run_console as chat
    from bot.standin.server import BotApiStandIn

    console_settings = settings.model_copy(
        update={"database_url": f"sqlite:///{(settings.data_dir / 'console.db').resolve()}"}
    )
    standin = BotApiStandIn()
    await standin.start()
    try:
        async with open_app(console_settings) as app:
            await seed_demo(app)
            application = build_application(
                standin.token,
                # The console's person is an admin: /invite and /act show the provider side.
                Services(app.uow, app.clock, frozenset({CONSOLE_USER_ID})),
                api_url=standin.base_url,
                on_update_done=standin.processed_hook,
            )
            async with running(application):
                user = standin.user(CONSOLE_USER_ID, "You", language_code=language)
                print(  # noqa: T201 - the console talks to a person
                    "Slotbot console: you are chatting with the real bot. Type /start, a "
                    "message, or the number of a button; /quit leaves.\n"
                )
                await chat(standin, user)
    except TelegramError as exc:
        raise BotStartError(f"the console could not start: {exc}") from None
    finally:
        await standin.stop()
