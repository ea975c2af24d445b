"""The bot's one conversation per chat: the client side and the provider side together.

One person can be both a client and a provider (or an admin acting for one).
Two ConversationHandlers gave them two pending questions at once: the
provider side, tried first, took text typed for the client side ("Berlin" at
the time zone prompt became the reason of a cancellation) and its /cancel. One
handler holds one state per chat, so a typed message answers only the
question asked last (``steps.py``).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler

from conversations import client, preferences, provider
from conversations.states import BROWSING
from conversations.wiring import TEXT, SharedConversationHandler, conversation

NAME = "chat"


def chat_conversation() -> SharedConversationHandler:
    clashing = set(client.TEXT_STEPS) & set(provider.TEXT_STEPS)
    assert not clashing, f"client and provider text steps share states {clashing}"
    return conversation(
        NAME,
        # Last, any button nothing above understood (old, forged, foreign): it
        # is a tap on another screen, so it too ends a pending question.
        [*provider.routes(), *client.routes(), CallbackQueryHandler(preferences.on_expired)],
        {**client.TEXT_STEPS, **provider.TEXT_STEPS},
        idle_state=BROWSING,
        cancel=preferences.cmd_cancel,
    )


def outside_conversation() -> list[BaseHandler]:
    """After the conversation in the same group: what it did not take."""
    return [
        CallbackQueryHandler(preferences.on_expired),  # buttons nothing understood
        MessageHandler(TEXT, preferences.on_stray_text),  # text when nothing was asked
    ]
