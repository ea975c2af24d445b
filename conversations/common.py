"""What every handler shares: the services, the caller resolved once, and replying."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext, ContextTypes

from conversations import callbacks as cb
from conversations.i18n import Texts, resolve_locale, texts_for
from core.clients import get_or_create_client
from core.model import Client
from core.ports import UnitOfWork

if TYPE_CHECKING:
    from conversations.provider_common import Acting
    from core.caldav_sync import CalDavAccess
    from core.calendar_sync import FeedAccess

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
ButtonT = TypeVar("ButtonT", bound=cb.Callback)


def pressed(update: Update, kind: type[ButtonT]) -> ButtonT:
    """The button behind this callback query (its handler's pattern already checked it)."""
    query = update.callback_query
    button = cb.decode(query.data if query is not None else None)
    if not isinstance(button, kind):
        raise LookupError(f"expected a {kind.__name__} button")
    return button


@dataclass(frozen=True)
class Services:
    """Handed to handlers through ``bot_data``: storage, the one clock, who is admin, and
    the network side of calendar feeds (None: feeds are not synced by this bot)."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    admin_ids: frozenset[int] = frozenset()
    # SLOTBOT_PUBLIC_URL: the base of the providers' calendar feed links
    # (core.feed_urls.feed_url); None when the bot has no public address.
    public_url: str | None = None
    feeds: FeedAccess | None = None
    caldav: CalDavAccess | None = None  # providers' CalDAV calendars (conversations/caldav_job.py)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data["services"]


@dataclass(frozen=True)
class Caller:
    client: Client
    texts: Texts


class BotContext(CallbackContext[Any, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context, built once per update and shared by all its handlers.

    What is worked out for this update alone — who is asking and in which
    language, the provider whose calendar they run — lives here, so it is never
    persisted, copied or kept after the update (``user_data`` is persisted).
    """

    def __init__(self, application: Any, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.caller: Caller | None = None
        self.acting: Acting | None = None


CONTEXT_TYPES = ContextTypes(context=BotContext)


class CallerUnavailable(Exception):
    """Who is asking could not be worked out: the update cannot be handled at all."""


async def resolve_caller(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: find or create the client and pick their locale, once per update."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    user = update.effective_user
    # A new client's language starts as their Telegram app's, so that notices
    # sent outside their own updates (from the provider side) read right too.
    try:
        client = await get_or_create_client(
            services(context).uow(),
            user.id,
            name=user.first_name,
            language=resolve_locale(None, user.language_code),
        )
    except Exception as exc:
        # The error handler answers once and stops the update: no handler may
        # run without knowing who is asking.
        raise CallerUnavailable(f"user {user.id}") from exc
    locale = resolve_locale(client.language, user.language_code)
    context.caller = Caller(client, texts_for(locale))  # type: ignore[attr-defined]


def caller(context: ContextTypes.DEFAULT_TYPE) -> Caller:
    who = getattr(context, "caller", None)
    if who is None:
        raise LookupError("the caller was not resolved for this update")
    return who  # type: ignore[no-any-return]


def set_caller(context: ContextTypes.DEFAULT_TYPE, client: Client) -> Caller:
    """After the client changed a preference: re-resolve the locale for this update on."""
    current = caller(context)
    locale = resolve_locale(client.language, current.texts.locale)
    context.caller = Caller(client, texts_for(locale))  # type: ignore[attr-defined]
    return context.caller  # type: ignore[attr-defined,no-any-return]


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


async def show(
    update: Update, text: str, markup: Markup = None, *, new_message: bool = False
) -> None:
    """Edit the message whose button was tapped, or send a new one.

    Editing to identical content is Telegram's "message is not modified":
    the screen already shows what we want, so that is success.
    """
    query = update.callback_query
    # A message without text (the .ics document) cannot be edited into one.
    editable = query is not None and query.message is not None and getattr(query.message, "text", None)
    unread = SCREEN_ONLY.set(True)
    try:
        if editable and not new_message:
            if markup is None or isinstance(markup, InlineKeyboardMarkup):
                try:
                    await query.edit_message_text(
                        text, parse_mode=ParseMode.HTML, reply_markup=markup
                    )
                    return
                except BadRequest as error:
                    if is_not_modified(error):
                        return
                    log.info("edit failed (%s); sending a new message instead", error.message)
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    finally:
        SCREEN_ONLY.reset(unread)


#: Set while a screen is sent whose Message nobody reads back: the request layer
#: (bot/rate_limits.py) then hands PTB ``True`` instead of the sent message, and
#: PTB skips building it (a month calendar's Message with its 44 buttons costs
#: ~0.36 ms of CPU to build, a tenth of a busy bot's time per update).
SCREEN_ONLY: ContextVar[bool] = ContextVar("slotbot_screen_only", default=False)


# The callback query this update's task has answered. Telegram refuses a second
# answer ("query is too old"), so a handler that answered and then reaches a
# path that answers again would fail the update; a per-task variable (each
# update runs in its own task) needs no handler to know what another did.
_ANSWERED: ContextVar[str | None] = ContextVar("answered_callback_query", default=None)


def was_answered(update: object) -> bool:
    query = getattr(update, "callback_query", None)
    return query is not None and _ANSWERED.get() == query.id


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the callback query first, before any slow work (Telegram times out).

    Only the first answer of a query is sent; a later one is dropped, so show
    anything a later step has to say on the screen, not in an answer.
    """
    query = update.callback_query
    if query is None or was_answered(update):
        return
    _ANSWERED.set(query.id)
    await query.answer(text, show_alert=alert)


async def delete_secret_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Delete the message just typed (it holds a password); False: Telegram refused, and the
    person is asked to delete it themselves. Run first, before anything else can fail."""
    message = update.effective_message
    if message is None:
        return True
    try:
        await context.bot.delete_message(message.chat_id, message.message_id)
        return True
    except TelegramError as exc:
        log.warning("a password message in chat %s was not deleted (%s)",
                    message.chat_id, type(exc).__name__)
    locale = resolve_locale(None, update.effective_user.language_code if update.effective_user else None)
    who = getattr(context, "caller", None)
    t = who.texts if who is not None else texts_for(locale)
    await show(update, "⚠️ " + t._("I could not delete your message with the password: please "
                                  "delete it yourself."))
    return False
