"""Running the bot: long polling against Telegram, or the console against the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable

from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application, close_bot_api_clients, publish_commands
from bot.bootstrap import App, open_app
from bot.demo import DEMO_CLINIC
from bot.errors import BotStartError
from bot.calendar_route import CalendarFeeds
from bot.caldav_client import caldav_access
from bot.feed_access import feed_access
from bot.http_server import Webhook, http_app, start_http
from bot.webapp_access import MiniApp
from bot.settings import Settings
from conversations.common import Services
from conversations.delivery import STOPPING
from core.catalog import list_offers
from core.feed_urls import host_label
from core.providers import register_provider

log = logging.getLogger(__name__)
CONSOLE_USER_ID = 1001
#: Stopping finishes what is under way for at most this long, all steps together.
#: A reachable Bot API answers in milliseconds; an unreachable one holds every
#: request for its timeouts (5 s each, 30 s waiting for a pooled connection), and
#: whoever sent SIGTERM (Docker, systemd) kills what still runs after 10 s.
STOP_SECONDS = 7.0
#: Of which the poller's last getUpdates (it confirms what was fetched) may take this.
POLLER_STOP_SECONDS = 2.0


def _stop_deadline(application: Application) -> float:
    """When stopping must be done; the first step of stopping starts the clock.

    The mark in ``bot_data`` also tells the timed jobs to start no new send
    (conversations/delivery.py).
    """
    if not application.bot_data.get(STOPPING):
        application.bot_data[STOPPING] = asyncio.get_running_loop().time() + STOP_SECONDS
    return float(application.bot_data[STOPPING])


async def _bounded(application: Application, step: str, awaitable: Awaitable[object], cap: float | None = None) -> bool:
    """Await ``awaitable`` until the stop deadline (or ``cap`` s); ``False`` (logged) if cut off."""
    seconds = max(0.0, _stop_deadline(application) - asyncio.get_running_loop().time())
    if cap is not None:
        seconds = min(seconds, cap)
    try:
        async with asyncio.timeout(seconds):  # in this task: each step begins at once
            await awaitable
    except TimeoutError:
        log.warning("stopping: %s still under way after %.1f s (is the Bot API reachable?); cut off", step, seconds)
        return False
    return True


@contextlib.asynccontextmanager
async def started(application: Application) -> AsyncIterator[Application]:
    """Initialise and start (handlers, jobs); on the way out stop cleanly.

    Stopping waits for running jobs, then writes the persistence back; whoever
    feeds updates (the poller, the webhook server) must be stopped first.
    """
    try:
        try:
            await application.initialize()
        except BaseException:
            # PTB leaves its HTTP clients open when asking who the bot is fails or
            # is abandoned (a stop during start-up): close them, or their sessions
            # complain at exit.
            await close_bot_api_clients(application)
            raise
    except InvalidToken:
        raise BotStartError(
            "Telegram rejected SLOTBOT_TELEGRAM_TOKEN: check the token from @BotFather"
        ) from None
    except NetworkError as exc:
        raise BotStartError(f"cannot reach the Telegram Bot API: {exc.message}") from None
    application.bot_data.pop(STOPPING, None)  # an application may be started again
    try:
        await publish_commands(application)
        await application.start()
        yield application
    finally:
        if application.running:
            if not await _bounded(application, "handling updates and jobs", application.stop()):
                # What is left is cut: a reminder cut mid-send stays SENDING and
                # becomes UNSURE after its lease (never resent); updates still
                # being handled end with the process.
                if application.job_queue is not None:
                    await application.job_queue.stop(wait=False)
        await application.shutdown()


@contextlib.asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:
    """Started and long polling; the poller stops first on the way out."""
    async with started(application):
        try:
            try:
                await application.updater.start_polling(  # type: ignore[union-attr]
                    drop_pending_updates=False, error_callback=_polling_failed
                )
            except TelegramError as exc:
                raise BotStartError(f"cannot reach the Telegram Bot API: {exc.message}") from None
            yield application
        finally:
            if application.updater is not None and application.updater.running:
                await _bounded(application, "the poller", application.updater.stop(), POLLER_STOP_SECONDS)


def _polling_failed(exc: TelegramError) -> None:
    # PTB retries on its own (backoff up to 30 s); one line, not a traceback a second.
    log.warning("polling for updates failed, retrying: %s", exc.message)


def _stop_signal() -> asyncio.Event:
    """Set by SIGINT or SIGTERM, from now on (start-up included)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _until_signalled() -> None:
    await _stop_signal().wait()


def _token(settings: Settings) -> str:
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        raise BotStartError(
            "SLOTBOT_TELEGRAM_TOKEN is not set: get a token from @BotFather, "
            "or try the bot without Telegram: slotbot console"
        )
    return settings.telegram_token.get_secret_value().strip()


def _webhook_settings(settings: Settings) -> tuple[str, str]:
    url = (settings.webhook_url or "").strip()
    if not url.startswith(("https://", "http://")):
        raise BotStartError("run --webhook needs SLOTBOT_WEBHOOK_URL, the public https:// URL of this bot")
    if settings.webhook_secret is None:
        raise BotStartError(
            "run --webhook needs SLOTBOT_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -), "
            "e.g. from: openssl rand -hex 32"
        )
    if not settings.http_port:
        raise BotStartError("run --webhook needs SLOTBOT_HTTP_PORT, where Telegram's requests arrive")
    return url, settings.webhook_secret.get_secret_value()


@contextlib.asynccontextmanager
async def serving(
    application: Application,
    engine: AsyncEngine,
    *,
    host: str,
    port: int,
    webhook: tuple[str, str] | None = None,
    feeds: CalendarFeeds | None = None,
) -> AsyncIterator[web.AppRunner | None]:
    """The bot started and fed (webhook or long polling), with /healthz, /metrics and
    (given ``feeds``) the providers' calendar feeds on ``port``.

    On the way out, in order: no new updates are taken, the ones under way
    finish, jobs stop, the persistence is written back.
    """
    hook = None
    if webhook is not None:
        url, secret = webhook
        # The persistence's store also remembers which update ids were seen.
        store = application.persistence.store  # type: ignore[union-attr]
        hook = Webhook(urlsplit(url).path or "/", secret, application, store)
    async with (started(application) if hook is not None else running(application)):
        if webhook is not None:
            try:
                await application.bot.set_webhook(
                    webhook[0], secret_token=webhook[1], allowed_updates=Update.ALL_TYPES
                )
            except TelegramError as exc:
                raise BotStartError(f"cannot set the webhook at the Telegram Bot API: {exc.message}") from None
        # The Mini App's API acts with the application's services and sends the
        # chat's notices with its bot, in polling and webhook mode alike.
        miniapp = MiniApp(application)
        runner = await start_http(http_app(engine, hook, feeds, miniapp), host, port) if port else None
        try:
            yield runner
        finally:
            if runner is not None:
                await _bounded(application, "webhook requests", runner.cleanup())


async def run_bot(settings: Settings, *, webhook: bool = False) -> None:
    """Polling (default) or webhook; /healthz and /metrics on SLOTBOT_HTTP_PORT either way.

    SIGINT/SIGTERM are watched from the start: during start-up (which may wait
    on an unreachable Bot API for its timeouts) they abandon it at once; once
    running, stopping is orderly and bounded (STOP_SECONDS).
    """
    token = _token(settings)
    hook_settings = _webhook_settings(settings) if webhook else None
    stop, live = _stop_signal(), asyncio.Event()
    body = asyncio.ensure_future(_serve(settings, token, hook_settings, stop, live))
    signalled = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({body, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if not body.done() and not live.is_set():
            body.cancel()  # still starting: nothing under way to finish
            log.warning("stopping before Slotbot was running")
        await asyncio.wait({body}, timeout=None if live.is_set() else STOP_SECONDS)
    finally:
        signalled.cancel()
        if not body.done():
            body.cancel()
    if not body.done() or body.cancelled():
        log.warning("Slotbot stopped")
        return
    body.result()  # a start-up failure (BotStartError …) is raised here


async def _serve(
    settings: Settings, token: str, hook_settings: tuple[str, str] | None,
    stop: asyncio.Event, live: asyncio.Event,
) -> None:
    webhook = hook_settings is not None
    async with open_app(settings) as app:
        application = build_application(
            token,
            Services(
                app.uow, app.clock, settings.admin_ids, settings.public_url,
                feeds=feed_access(settings), caldav=caldav_access(settings),
            ),
            api_url=settings.telegram_api_url,
            shared_chats=webhook, reminder_rate=settings.reminders_per_second,
            concurrent_updates=settings.concurrent_updates,
            bot_api_connections=settings.bot_api_connections,
        )
        feeds = CalendarFeeds(app.uow, app.clock, host_label(settings.public_url))
        async with serving(
            application, app.engine, host=settings.http_host, port=settings.http_port,
            webhook=hook_settings, feeds=feeds,
        ):
            log.warning(
                "Slotbot is running as @%s (%s); stop with Ctrl+C",
                application.bot.username, "webhook" if webhook else "long polling",
            )
            live.set()
            await stop.wait()
            log.warning("stopping: finishing what is under way")
    log.warning("Slotbot stopped")


async def run_workers(settings: Settings, count: int) -> None:
    """``count`` webhook processes on one port; a signal (or one dying) stops them all."""
    _token(settings)
    _webhook_settings(settings)
    async with open_app(settings):
        pass  # the schema is brought up to date once, before the workers start
    # Telegram's limit is per bot, not per process: the workers share the reminder pace.
    # They share the database server too: each gets its part of the concurrency, so
    # their pools together stay what one process would hold, within max_connections.
    env = {
        **os.environ,
        "SLOTBOT_REMINDERS_PER_SECOND": str(settings.reminders_per_second / count),
        "SLOTBOT_CONCURRENT_UPDATES": str(max(4, settings.concurrent_updates // count)),
    }
    workers = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--webhook", env=env)
        for _ in range(count)
    ]
    signalled = asyncio.ensure_future(_until_signalled())
    exits = [asyncio.ensure_future(worker.wait()) for worker in workers]
    await asyncio.wait([signalled, *exits], return_when=asyncio.FIRST_COMPLETED)
    for worker in workers:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
    codes = await asyncio.gather(*(worker.wait() for worker in workers))
    signalled.cancel()
    failed = [code for code in codes if code not in (0, -signal.SIGTERM)]
    if failed:
        raise BotStartError(f"a worker stopped with status {failed[0]}; the others were stopped too")


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
                Services(
                    app.uow, app.clock, frozenset({CONSOLE_USER_ID}), feeds=feed_access(settings)
                ),
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
