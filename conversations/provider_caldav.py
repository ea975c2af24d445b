"""/calendar → "Connect a CalDAV calendar": three typed steps, and "Disconnect".

The server's address and the user name wait in ``user_data`` only while their
question is pending (``steps.STEP_DRAFTS``: /cancel and expiry drop them, and the last
step pops them). The app password is read from its message, which is deleted at
once (if Telegram refuses, the provider is asked to delete it), and goes straight
to the same service as ``slotbot calendar caldav-connect`` (discovery and the address
guard in threads, the password stored encrypted): it is never echoed, logged, or
kept in ``user_data`` or the conversation state.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from conversations import caldav_views as views
from conversations import callbacks as cb
from conversations.common import answer, delete_secret_message, pressed, services, show
from conversations.provider_common import acting, provider_only
from conversations.provider_feeds import show_calendar_screen
from conversations.states import BROWSING, CALDAV_PASSWORD, CALDAV_URL, CALDAV_USER
from conversations.steps import READS_SECRET, forget_step
from core.errors import NotFound

log = logging.getLogger(__name__)
URL_KEY, USER_KEY = "caldav_url", "caldav_user"  # user_data, while the question is pending
TYPED_MAX_CHARS = 2000  # an address or a user name longer than this is nobody's


def can_connect(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Only a bot with SLOTBOT_SECRET_KEY can keep a password."""
    access = services(context).caldav
    return access is not None and access.cipher is not None


def _typed(update: Update) -> str:
    return (update.effective_message.text or "").strip()  # type: ignore[union-attr]


@provider_only
async def on_caldav_connect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    if not can_connect(context):  # a button from before the key went
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    forget_step(context)
    await show(update, views.ask_caldav_url(acting(context).texts), new_message=True)
    return CALDAV_URL


@provider_only
async def on_caldav_url(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = _typed(update)
    if not text or len(text) > TYPED_MAX_CHARS:
        await show(update, views.ask_caldav_url(acting(context).texts))
        return CALDAV_URL
    context.user_data[URL_KEY] = text  # type: ignore[index]
    await show(update, views.ask_caldav_user(acting(context).texts))
    return CALDAV_USER


@provider_only
async def on_caldav_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = _typed(update)
    if (context.user_data or {}).get(URL_KEY) is None:  # the draft went: start again
        return await on_caldav_connect(update, context)
    if not text or len(text) > TYPED_MAX_CHARS:
        await show(update, views.ask_caldav_user(acting(context).texts))
        return CALDAV_USER
    context.user_data[USER_KEY] = text  # type: ignore[index]
    await show(update, views.ask_caldav_password(acting(context).texts, text))
    return CALDAV_PASSWORD


async def on_caldav_password(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The app password: its message is deleted first, whoever sent it and whatever follows."""
    await delete_secret_message(update, context)
    return await _connect(update, context)  # type: ignore[no-any-return]


setattr(on_caldav_password, READS_SECRET, True)


@provider_only
async def _connect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    from core.caldav_sync import CalDavRefused, connect_account  # icalendar: only when used

    who = acting(context)
    t = who.texts
    svc = services(context)
    data = context.user_data or {}
    url, user = data.get(URL_KEY), data.get(USER_KEY)
    forget_step(context)  # the drafts go whatever happens next
    if url is None or user is None or svc.caldav is None or not can_connect(context):
        await show(update, t._("This menu has expired."))
        return BROWSING
    await show(update, views.caldav_connecting(t))
    try:
        account = await connect_account(
            svc.uow, who.provider.id, url, user,  # type: ignore[arg-type]
            (update.effective_message.text or "").strip(),  # type: ignore[union-attr]
            access=svc.caldav, now=svc.clock(),
        )
    except CalDavRefused as refused:
        await show_calendar_screen(update, context, views.caldav_refused(t, refused.reason),
                                   new_message=True)
        return BROWSING
    except NotFound:
        await show(update, t._("This menu has expired."))
        return BROWSING
    await show_calendar_screen(update, context, views.caldav_connected(t, account),
                               new_message=True)
    return BROWSING


@provider_only
async def on_caldav_disconnect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    from core.caldav_sync import disconnect_account, list_accounts

    button = pressed(update, cb.CalDavDisconnect)
    await answer(update)
    who = acting(context)
    svc = services(context)
    if not button.confirm:
        found = await list_accounts(svc.uow(), who.provider.id)
        if not found:
            await show(update, who.texts._("This menu has expired."))
            return BROWSING
        await show(update, *views.disconnect_question(who.texts, found[0].account))
        return BROWSING
    try:
        account = await disconnect_account(svc.uow(), who.provider.id)  # type: ignore[arg-type]
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    await show_calendar_screen(update, context, views.caldav_disconnected(who.texts, account))
    return BROWSING
