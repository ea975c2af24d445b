"""What the Bot API stand-in remembers: chats, messages, files, callback answers, API calls.

These are plain dataclasses so tests can assert on them directly. They hold the state *as a
Telegram user would see it* (the current text of an edited message, the reply keyboard that is
currently shown, ...), plus the raw request data for anyone who needs more.

The module also renders formatted text (``parse_mode``) to the plain text a user would read,
rejecting malformed markup with the same kind of 400 error Telegram gives: a bot that builds an
HTML message from an unescaped user name fails here exactly as it would in production.
"""

from __future__ import annotations

import html
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

    @property
    def ok(self) -> bool:
        return self.error is None


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


# --------------------------------------------------------------------------------------------
# Formatted text. Telegram parses the markup server-side; errors are 400 "can't parse entities".
# --------------------------------------------------------------------------------------------

_CANT_PARSE = "Bad Request: can't parse entities: "
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji", "tg-time",
}  # fmt: skip
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _offset(text: str, index: int) -> int:
    """Telegram reports positions as UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


def render_text(raw: str, parse_mode: str | None) -> str:
    """Return the plain text a user reads for ``raw`` sent with ``parse_mode``.

    Raises ApiError(400, "Bad Request: can't parse entities: ...") for malformed markup.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _render_html(raw)
    if mode == "markdownv2":
        return _render_markdown(raw, strict=True)
    if mode == "markdown":
        return _render_markdown(raw, strict=False)
    if mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return raw


def _render_html(raw: str) -> str:
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    pos = 0
    while (lt := raw.find("<", pos)) != -1:
        out.append(html.unescape(raw[pos:lt]))
        match = _TAG_RE.match(raw, lt)
        if match is None:
            # A bare "<" (e.g. an unescaped user-supplied name) is the classic production bug.
            name = raw[lt + 1 : lt + 11].split(">")[0]
            where = _offset(raw, lt)
            message = f'{_CANT_PARSE}Unsupported start tag "{name}" at byte offset {where}'
            raise ApiError(400, message)
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise ApiError(
                400,
                f'{_CANT_PARSE}Unsupported {kind} tag "{name}" at byte offset {_offset(raw, lt)}',
            )
        if closing:
            if not stack or stack[-1][0] != name:
                expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
                raise ApiError(
                    400,
                    f"{_CANT_PARSE}Unmatched end tag at byte offset {_offset(raw, lt)}, "
                    f'expected {expected}, found "</{name}>"',
                )
            stack.pop()
        else:
            stack.append((name, lt))
        pos = match.end()
    out.append(html.unescape(raw[pos:]))
    if stack:
        raise ApiError(
            400, f'{_CANT_PARSE}Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
        )
    return "".join(out)


def _render_markdown(raw: str, *, strict: bool) -> str:
    """MarkdownV2 (strict: reserved characters must be escaped) or legacy Markdown."""
    out: list[str] = []
    open_marks: list[tuple[str, int]] = []
    i, n = 0, len(raw)
    escapable = _MDV2_RESERVED | {"\\"} if strict else {"_", "*", "`", "["}
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n and (strict or raw[i + 1] in escapable):
            out.append(raw[i + 1])
            i += 2
            continue
        if char == "`":  # code / pre: taken literally up to the closing backticks
            fence = "```" if raw.startswith("```", i) else "`"
            end = raw.find(fence, i + len(fence))
            if end == -1:
                raise ApiError(
                    400,
                    f"{_CANT_PARSE}Can't find end of the entity starting at byte offset "
                    f"{_offset(raw, i)}",
                )
            body = raw[i + len(fence) : end]
            if fence == "```" and "\n" in body:  # drop the optional language line
                body = body.split("\n", 1)[1]
            out.append(re.sub(r"\\([`\\])", r"\1", body) if strict else body)
            i = end + len(fence)
            continue
        if strict and raw.startswith(("__", "||"), i):
            mark = raw[i : i + 2]
        else:
            mark = char
        if mark in (("*", "_", "__", "~", "||") if strict else ("*", "_")):
            if open_marks and open_marks[-1][0] == mark:
                open_marks.pop()
            else:
                open_marks.append((mark, i))
            i += len(mark)
            continue
        if char == "[":
            open_marks.append(("[", i))
            i += 1
            continue
        if char == "]" and open_marks and open_marks[-1][0] == "[":
            open_marks.pop()
            if raw.startswith("(", i + 1) and (close := raw.find(")", i + 2)) != -1:
                i = close + 1  # the URL is not part of the visible text
            else:
                i += 1
            continue
        if strict and char == ">" and (i == 0 or raw[i - 1] == "\n"):
            i += 1  # blockquote marker
            continue
        if strict and char in _MDV2_RESERVED:
            raise ApiError(
                400,
                f"{_CANT_PARSE}Character '{char}' is reserved and must be escaped with the "
                "preceding '\\'",
            )
        out.append(char)
        i += 1
    if open_marks:
        raise ApiError(
            400,
            f"{_CANT_PARSE}Can't find end of the entity starting at byte offset "
            f"{_offset(raw, open_marks[-1][1])}",
        )
    return "".join(out)


def utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, like Telegram does."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram adds to a message starting with "/cmd"."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
