"""Building the Telegram application: handlers, rate limits, error handling, commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    ContextTypes,
    TypeHandler,
)

from bot.bot_api_http import AiohttpRequest
from bot.persistence import SqlPersistence
from bot.rate_limits import PerChatRateLimiter
from bot.update_processing import PerChatUpdateProcessor
from conversations.chat import chat_conversation, outside_conversation
from conversations.caldav_job import (
    CALDAV_BUSY_JOB,
    CALDAV_FIRST_SECONDS,
    CALDAV_PUSH_JOB,
    CALDAV_PUSH_SECONDS,
    caldav_busy_job,
    caldav_push_job,
)
from conversations.digest import DIGEST_JOB, DIGEST_POLL_SECONDS, send_digests
from conversations.feed_sync_job import FEED_SYNC_FIRST_SECONDS, FEED_SYNC_JOB, feed_sync_job
from conversations.reminders import REMINDER_JOB, REMINDER_POLL_SECONDS, send_reminders
from conversations.waitlist_offers import WAITLIST_JOB, WAITLIST_POLL_SECONDS, waitlist_job
from conversations.common import CONTEXT_TYPES, CallerUnavailable, Services, resolve_caller
from conversations.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, Texts, resolve_locale, texts_for
from core.clients import find_client
from conversations.texts import something_went_wrong
from storage.telegram_state import TelegramStateStore

log = logging.getLogger(__name__)
#: Updates handled at once by one process (SLOTBOT_CONCURRENT_UPDATES).
CONCURRENT_UPDATES = 16
#: Kept-alive connections to the Bot API (SLOTBOT_BOT_API_CONNECTIONS).
BOT_API_CONNECTIONS = 8
BOT_API_POOL_WAIT_SECONDS = 30.0

def file_url_for(api_url: str) -> str:
    """The Bot API serves files beside methods: ``…/bot`` → ``…/file/bot``."""
    base, _, last = api_url.rstrip("/").rpartition("/")
    return f"{base}/file/{last}" if last.startswith("bot") else api_url.rstrip("/") + "/file/bot"


def build_application(
    token: str,
    services: Services,
    *,
    api_url: str | None = None,
    on_update_done: Callable[[int], None] | None = None,
    poll_jobs: bool = True,
    rate_limiter: BaseRateLimiter | None = None,
    shared_chats: bool = False,
    reminder_rate: float | None = None,
    concurrent_updates: int = CONCURRENT_UPDATES,
    bot_api_connections: int = BOT_API_CONNECTIONS,
) -> Application:
    """The bot. ``shared_chats``: other processes take updates too (webhook workers), so a
    chat is leased in the database while one of its updates is handled, and its state is
    re-read for every update. ``concurrent_updates`` must fit the database pool
    (``bot/bootstrap.py`` sizes it from the same setting)."""
    processor = PerChatUpdateProcessor(concurrent_updates, on_done=on_update_done)
    # aiohttp, not PTB's httpx (bot/bot_api_http.py); a request that finds the
    # pool busy queues, never fails.
    requests = (
        AiohttpRequest(bot_api_connections, pool_timeout=BOT_API_POOL_WAIT_SECONDS),
        AiohttpRequest(1),
    )
    persistence = SqlPersistence(TelegramStateStore(services.uow, services.clock), shared=shared_chats)  # type: ignore[arg-type]
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(processor)
        .request(requests[0])
        .get_updates_request(requests[1])
        .persistence(persistence)
        .rate_limiter(rate_limiter or PerChatRateLimiter())
    )
    if api_url:
        builder = builder.base_url(api_url).base_file_url(file_url_for(api_url))
    application = builder.build()
    processor.before = lambda update: persistence.before(application, update)
    processor.after = lambda update: persistence.after(application, update)
    if shared_chats:
        processor.exclusive = persistence.exclusive
    application.bot_data["services"] = services
    application.bot_data[_BOT_API_CLIENTS] = requests
    application.bot_data["reminder_rate"] = reminder_rate
    application.add_handler(TypeHandler(Update, resolve_caller), group=-1)
    application.add_handler(chat_conversation())
    application.add_handlers(outside_conversation())
    application.add_error_handler(on_error)
    # Tests drive the jobs themselves with a controlled clock (poll_jobs=False).
    if poll_jobs and application.job_queue is not None:
        application.job_queue.run_repeating(
            send_digests, interval=DIGEST_POLL_SECONDS, first=DIGEST_POLL_SECONDS, name=DIGEST_JOB
        )
        # A busy poll runs for a whole interval: the next one may start before it
        # ends (claims are atomic and both share one pace), so sending never pauses.
        application.job_queue.run_repeating(
            send_reminders, interval=REMINDER_POLL_SECONDS, first=5, name=REMINDER_JOB,
            job_kwargs={"max_instances": 2},
        )
        application.job_queue.run_repeating(
            waitlist_job, interval=WAITLIST_POLL_SECONDS, first=10, name=WAITLIST_JOB
        )
        application.job_queue.run_repeating(
            forget_old_updates, interval=3600, first=60, name="forget-old-updates",
            data=persistence.store,
        )
        if services.feeds is not None:
            application.job_queue.run_repeating(
                feed_sync_job, interval=services.feeds.sync_every, first=FEED_SYNC_FIRST_SECONDS,
                name=FEED_SYNC_JOB,
            )
        if services.caldav is not None:
            # A run writing to a slow server may outlast the interval: the next one
            # starts anyway and takes the other accounts (each is leased to one run).
            application.job_queue.run_repeating(
                caldav_push_job, interval=CALDAV_PUSH_SECONDS, first=CALDAV_FIRST_SECONDS,
                name=CALDAV_PUSH_JOB, job_kwargs={"max_instances": 2},
            )
            application.job_queue.run_repeating(
                caldav_busy_job, interval=services.caldav.sync_every,
                first=CALDAV_FIRST_SECONDS + 10, name=CALDAV_BUSY_JOB,
            )
    return application


_BOT_API_CLIENTS = "slotbot_bot_api_clients"


async def close_bot_api_clients(application: Application) -> None:
    """Close the Bot API's HTTP clients of an application that never finished starting."""
    for request in application.bot_data.get(_BOT_API_CLIENTS, ()):
        await request.shutdown()


async def forget_old_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Update ids are kept to drop Telegram's repeats, which stop within a day."""
    store: TelegramStateStore = context.job.data  # type: ignore[union-attr,assignment]
    now = context.bot_data["services"].clock()
    await store.forget_updates_before(now - timedelta(days=2))


def command_list(locale: str) -> list[BotCommand]:
    t = texts_for(locale)
    return [
        BotCommand("book", t._("Book an appointment")),
        BotCommand("my", t._("My appointments")),
        BotCommand("timezone", t._("Set my time zone")),
        BotCommand("language", t._("Change the language")),
        BotCommand("help", t._("What I can do")),
        BotCommand("cancel", t._("Stop the current step")),
        BotCommand("forgetme", t._("Delete my data")),
    ]


async def publish_commands(application: Application) -> None:
    """The command menu, in each language Telegram users may have (best effort)."""
    try:
        await application.bot.set_my_commands(command_list(DEFAULT_LOCALE))
        for locale in SUPPORTED_LOCALES:
            await application.bot.set_my_commands(command_list(locale), language_code=locale)
    except TelegramError as exc:
        log.warning("could not publish the command menu: %s", exc)


async def _texts_of(context: ContextTypes.DEFAULT_TYPE, user: object) -> Texts:
    """The failed update's person's language. PTB builds a new context for the
    error handler, so the caller resolved for the update is not at hand."""
    saved = None
    try:
        client = await find_client(context.bot_data["services"].uow(), user.id)  # type: ignore[attr-defined]
        saved = client.language if client is not None else None
    except Exception:  # noqa: BLE001 - the database may be what failed: Telegram's language then
        log.warning("could not read the language of user %s", getattr(user, "id", None))
    return texts_for(resolve_locale(saved, getattr(user, "language_code", None)))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context (ids, never texts) and tell the user, without internals."""
    update_id = getattr(update, "update_id", None)
    user = getattr(update, "effective_user", None)
    log.error(
        "update %s (user %s) failed: %r",
        update_id, getattr(user, "id", None), context.error, exc_info=context.error,
    )
    chat = getattr(update, "effective_chat", None)
    if chat is None:
        return
    t = await _texts_of(context, user)
    try:
        await chat.send_message(something_went_wrong(t))
    except TelegramError:
        log.warning("could not tell user %s about the failure", getattr(user, "id", None))
    if isinstance(context.error, CallerUnavailable):
        raise ApplicationHandlerStop  # no handler may run without knowing who is asking
