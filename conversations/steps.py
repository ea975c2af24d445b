"""The one pending text step a person may have: what their next typed message means.

A person is a client and may also run a provider's calendar, from one chat. A
typed message is an answer only to the question the bot asked last, so:

* there is one conversation state per chat for both sides (``wiring.py``): a
  question of one side is ended by any command or button of either side;
* a question waits :data:`STEP_LIFETIME`; text after that is told the question
  expired and changes nothing (``"Berlin"`` typed an hour after "type the
  reason" must not cancel an appointment);
* /cancel ends whichever question is pending and forgets its draft.

When a step began is kept in ``user_data`` (persisted with the state, so it
holds across processes and restarts), read with the one injected clock.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from conversations.common import caller, delete_secret_message, services, show
from conversations.i18n import Texts
from conversations.states import BROWSING

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]

STEP_LIFETIME = timedelta(minutes=15)
STEP_STARTED = "step_started"  # user_data: when the pending question was asked
#: Set (True) on a text step whose message is a secret: deleted even when the question expired.
READS_SECRET = "reads_secret"

#: ``user_data`` keys that only mean something while their question is pending.
#: Each text step's module names its own; /cancel and expiry drop them all.
STEP_DRAFTS = (
    "note_for", "cancel_reason_for",  # client: a booking note, a cancellation reason
    "series_until_for",  # client: the series whose last date is typed (series_draft.UNTIL_FOR)
    "provider_cancel",  # provider: the appointment a typed reason cancels
    "series_cancel",  # provider: the appointment whose series a typed reason cancels from its date
    "setting_text", "type_draft", "type_edit",  # provider: a setting, a new or edited type
    "caldav_url", "caldav_user",  # provider: connecting a CalDAV calendar (never the password)
)  # fmt: skip


def forget_step(context: ContextTypes.DEFAULT_TYPE) -> None:
    data = context.user_data
    if data is None:
        return
    for key in (STEP_STARTED, *STEP_DRAFTS):
        data.pop(key, None)


def _now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    return services(context).clock()


def after_handler(handler: Handler, text_states: Collection[object]) -> Handler:
    """Wrap a command or button handler: what it returns is the chat's one state.

    A handler that returns nothing ends any pending question (PTB would keep the
    old state, so a provider's pending "reason" would outlive a client screen);
    one that asks a question starts its clock.
    """

    @functools.wraps(handler)
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        return await _run(handler, update, context, text_states)

    return wrapped


def text_step(handler: Handler, text_states: Collection[object]) -> Handler:
    """Wrap what a typed message means in a state: refused once the question expired."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        started = (context.user_data or {}).get(STEP_STARTED)
        if not isinstance(started, datetime) or _now(context) - started > STEP_LIFETIME:
            if getattr(handler, READS_SECRET, False):  # a password: gone from the chat anyway
                await delete_secret_message(update, context)
            forget_step(context)
            await show(update, step_expired(caller(context).texts))
            return BROWSING
        return await _run(handler, update, context, text_states)

    return wrapped


async def _run(
    handler: Handler, update: Update, context: ContextTypes.DEFAULT_TYPE, text_states: Collection[object]
) -> object:
    """Run ``handler``; what it returns (nothing: no question) is the chat's state, clock set."""
    state = await handler(update, context)
    if state is None:
        state = BROWSING
    _mark(context, state, text_states)
    return state


def _mark(context: ContextTypes.DEFAULT_TYPE, state: object, text_states: Collection[object]) -> None:
    data = context.user_data
    if data is None:
        return
    if state in text_states:
        data[STEP_STARTED] = _now(context)
    elif state in (BROWSING, ConversationHandler.END):
        # Drafts stay (a half-typed type is kept while its buttons are used);
        # only the clock goes: a text can no longer answer the old question.
        data.pop(STEP_STARTED, None)


def step_expired(t: Texts) -> str:
    minutes = int(STEP_LIFETIME.total_seconds() // 60)
    return t._(
        "That question has expired (I wait {minutes} minutes for an answer), so nothing was "
        "changed. Please tap the button or send the command again."
    ).format(minutes=minutes)
