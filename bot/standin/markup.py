"""reply_markup as Telegram checks it: inline buttons, their data, text and number.

Descriptions are Telegram's own: an empty button text is BUTTON_TEXT_INVALID, data over
64 bytes BUTTON_DATA_INVALID, more than 100 inline buttons REPLY_MARKUP_TOO_LONG, and a
button that does nothing (no callback data, URL, ...; an empty callback_data counts as
none) is refused as a text button.
"""

from __future__ import annotations

from typing import Any

from bot.standin.records import ApiError, ChatMessage, ChatState, ReplyKeyboard

TEXT_BUTTON = (
    "Bad Request: can't parse InlineKeyboardButton: Text buttons are not allowed in the inline "
    "keyboard"
)
INLINE_BUTTONS_LIMIT = 100


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup the way Telegram rejects it; normalise string buttons."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        for button in buttons:
            # Only an empty text: " " is fine (calendar keyboards pad rows with it).
            if str(button.get("text", "")) == "":
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            # An empty callback_data is no callback at all: a text button.
            if set(button) - {"text", "callback_data"} == set() and not data:
                raise ApiError(400, TEXT_BUTTON)
            if data is not None and len(str(data).encode()) > 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            web_app = button.get("web_app")
            # Telegram opens Web Apps from https:// addresses only.
            if web_app is not None and not str((web_app or {}).get("url", "")).startswith("https://"):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        if len(buttons) > INLINE_BUTTONS_LIMIT:
            raise ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        rows = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
        markup = {**markup, "keyboard": rows}
    return markup


def apply_markup(chat: ChatState, message: ChatMessage, markup: dict[str, Any] | None) -> None:
    """Reply keyboards, keyboard removal and ForceReply change the chat, not the message."""
    if not markup:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = ReplyKeyboard(
            rows=markup["keyboard"],
            one_time=bool(markup.get("one_time_keyboard")),
            resize=bool(markup.get("resize_keyboard")),
            persistent=bool(markup.get("is_persistent")),
            placeholder=markup.get("input_field_placeholder"),
            message_id=message.message_id,
        )
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup.get("force_reply"):
        chat.force_reply_to = message.message_id


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    if markup is not None and "inline_keyboard" not in markup:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    return markup or None
