"""What the Bot API stand-in remembers: chats, messages, files, callback answers, API calls.

These are plain dataclasses so tests can assert on them directly. They hold the state *as a
Telegram user would see it* (the current text of an edited message, the reply keyboard that is
currently shown, ...), plus the raw request data for anyone who needs more. Formatted text
(``parse_mode``) is parsed in ``bot.standin.formatting``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class ApiCall:
    """One request the bot made. ``params`` are decoded (JSON fields parsed, ints as ints)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # part -> (filename, size)
    error: ApiError | None = None  # set when the stand-in answered with an error
    injected: bool = False  # the error was asked for with fail_next (not the bot's fault)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def description(self) -> str | None:
        return self.error.description if self.error is not None else None

    def __str__(self) -> str:  # handy in assertion messages
        answer = "ok" if self.error is None else f"{self.error.error_code} {self.description}"
        return f"{self.method}({_short(self.params)}) -> {answer}"


def _short(params: dict[str, Any], limit: int = 160) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class StoredFile:
    """A file the bot sent (``sendDocument``); ``content`` is the uploaded bytes."""

    file_id: str
    file_unique_id: str
    filename: str
    content: bytes
    mime_type: str
    caption: str | None = None
    message_id: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def file_path(self) -> str:
        return f"documents/{self.file_unique_id}/{self.filename}"

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }


@dataclass
class CallbackAnswer:
    """The bot's ``answerCallbackQuery`` for one tap (the toast or alert the user sees)."""

    callback_query_id: str
    user_id: int
    data: str | None
    message_id: int | None
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None


@dataclass
class ReplyKeyboard:
    """The custom keyboard currently shown below the input field of a chat."""

    rows: list[list[dict[str, Any]]]  # KeyboardButton objects, strings normalised to {"text"}
    one_time: bool = False
    resize: bool = False
    persistent: bool = False
    placeholder: str | None = None
    message_id: int | None = None  # the message that brought it

    @property
    def texts(self) -> list[list[str]]:
        return [[button["text"] for button in row] for row in self.rows]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.texts for text in row]

    def find(self, text: str) -> dict[str, Any] | None:
        return next((b for row in self.rows for b in row if b["text"] == text), None)


@dataclass
class ChatMessage:
    """A message in a private chat, from either side, in its *current* state."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None  # what the user reads: markup removed, entities decoded
    raw_text: str | None = None  # exactly as sent, markup included
    parse_mode: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None  # as sent: inline, reply keyboard, remove, force
    document: StoredFile | None = None
    location: dict[str, float] | None = None
    contact: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    changed_seq: int = 0  # stand-in change counter at the last send/edit/delete

    @property
    def edited(self) -> bool:
        return self.edit_count > 0

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline buttons attached to the message ([] when there are none)."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of ``(text, callback_data)``; ``callback_data`` is None for URL buttons etc."""
        return [[(b["text"], b.get("callback_data")) for b in row] for row in self.inline_keyboard]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for row in self.inline_keyboard for b in row]

    def __str__(self) -> str:  # handy in assertion messages
        who = "bot" if self.from_bot else "user"
        body = self.text if self.text is not None else self.caption or ""
        return f"#{self.message_id} {who}: {body!r} buttons={self.button_texts}"


@dataclass
class ChatState:
    """One private chat (chat id == user id)."""

    chat_id: int
    messages: list[ChatMessage] = field(default_factory=list)
    reply_keyboard: ReplyKeyboard | None = None
    force_reply_to: int | None = None  # a ForceReply message the user's next text answers
    next_message_id: int = 1

    def find(self, message_id: int) -> ChatMessage | None:
        return next(
            (m for m in self.messages if m.message_id == message_id and not m.deleted), None
        )


def utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, like Telegram does."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram adds to a message starting with "/cmd"."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
