"""A local stand-in for the Telegram Bot API, for end-to-end tests and the console mode.

The real python-telegram-bot Application runs against it over HTTP on 127.0.0.1; simulated
users (``standin.user(...)``) chat with the bot and wait for it to finish each update.
"""

from bot.standin.processing import NotifyingUpdateProcessor
from bot.standin.records import (
    ApiCall,
    ApiError,
    CallbackAnswer,
    ChatMessage,
    ReplyKeyboard,
    StoredFile,
)
from bot.standin.server import BotApiStandIn
from bot.standin.users import SimUser

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiStandIn",
    "CallbackAnswer",
    "ChatMessage",
    "NotifyingUpdateProcessor",
    "ReplyKeyboard",
    "SimUser",
    "StoredFile",
]
