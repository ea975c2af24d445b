"""Building the bot's ConversationHandlers the same way for clients and providers.

Every command and button is both an entry point and a handler of every state,
so it works with no conversation at all (after a restart, say); states differ
only in what a typed message means. With ``allow_reentry`` entry points are
tried first, so they never include a text handler.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from conversations import callbacks as cb
from conversations import steps

TEXT = filters.TEXT & ~filters.COMMAND


class SharedConversationHandler(ConversationHandler):
    """A ConversationHandler whose states another process may have moved on.

    Before an update is processed, the bot sets the state of that update's key
    from the database (``bot/persistence.py``), so a conversation continues on
    whichever process gets the next message, and after a restart.
    """

    def key_of(self, update: object) -> tuple[int | str, ...] | None:
        try:
            return self._get_key(update)  # type: ignore[arg-type]
        except (RuntimeError, AttributeError):
            return None  # an update without a chat or user has no conversation

    def state_of(self, key: tuple[int | str, ...]) -> object | None:
        states = getattr(self._conversations, "data", self._conversations)
        return states.get(key)

    def restore(self, key: tuple[int | str, ...], state: object | None) -> None:
        # PTB keeps states in a TrackingDict once persistence is on; writing its
        # inner dict sets the state without marking it as changed by this process.
        states = getattr(self._conversations, "data", self._conversations)
        if state is None:
            states.pop(key, None)
        else:
            states[key] = state


def on_button(button: type[cb.Callback], handler: Callable) -> CallbackQueryHandler:  # type: ignore[type-arg]
    return CallbackQueryHandler(handler, pattern=cb.pattern(button))


def conversation(
    name: str,
    routes: list[BaseHandler],
    text_steps: Mapping[int, Callable],  # type: ignore[type-arg]
    *,
    idle_state: int,
    cancel: Callable,  # type: ignore[type-arg]
    persistent: bool = True,
) -> SharedConversationHandler:
    """``text_steps``: state → what a typed message means there.

    The idle state (waiting for nothing) may have one too: stray text gets a
    nudge towards the buttons. Every other text step is a question with a
    lifetime (``steps.py``); every route ends or replaces it.
    """
    questions = frozenset(state for state in text_steps if state != idle_state)
    for route in routes:
        route.callback = steps.after_handler(route.callback, questions)
    states: dict[object, list[BaseHandler]] = {idle_state: list(routes)}  # may be overwritten
    for state, handler in text_steps.items():
        meaning = handler if state == idle_state else steps.text_step(handler, questions)
        states[state] = [*routes, MessageHandler(TEXT, meaning)]
    with warnings.catch_warnings():
        # Buttons route by their data, not by message, so per-message tracking
        # (what PTB suggests for CallbackQueryHandlers) is not wanted.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return SharedConversationHandler(
            entry_points=routes,
            states=states,
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            name=name,
            persistent=persistent,
        )
