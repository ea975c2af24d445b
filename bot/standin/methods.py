"""The Bot API methods the stand-in serves, with Telegram's own error answers.

Each method is ``impl(standin, params, files) -> result``: ``params`` are already decoded from
the form (JSON fields parsed), ``files`` maps multipart part names to ``Upload``. Raising
``ApiError`` produces ``{"ok": false, ...}`` with that HTTP status, which PTB turns into
BadRequest (400), Forbidden (403), InvalidToken (401/404), Conflict (409) or RetryAfter.

The error descriptions are copied from the real API so that code matching on them (e.g.
ignoring "message is not modified") behaves the same against the stand-in and production.
"""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.standin.formatting import parse
from bot.standin.markup import apply_markup as _apply_markup
from bot.standin.markup import check_markup as _check_markup
from bot.standin.markup import inline_only as _inline_only
from bot.standin.records import (
    ApiError,
    CallbackAnswer,
    ChatMessage,
    ChatState,
    StoredFile,
    utf16_len,
)

if TYPE_CHECKING:
    from bot.standin.server import BotApiStandIn

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Telegram's limits, counted in UTF-16 code units after the markup is parsed and the text
# trimmed (as entity offsets are); the callback answer's 200 is counted the same way.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
_TRIMMED = " \t\r\n"
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass
class Upload:
    """One multipart file part of a request."""

    filename: str
    content: bytes
    content_type: str


def scope_key(scope: dict[str, Any] | None) -> str:
    """Commands are stored per BotCommandScope (canonical JSON) and language code."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


# -------------------------------------------------------------------------- shared checks


def _chat_for_send(standin: BotApiStandIn, params: dict[str, Any]) -> ChatState:
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise ApiError(400, "Bad Request: chat_id is empty")
    # Bots can only write to users who have started them, i.e. users the test created.
    if not isinstance(chat_id, int) or chat_id not in standin.chats:
        raise ApiError(400, "Bad Request: chat not found")
    if chat_id in standin.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return standin.chats[chat_id]


def _formatted(
    params: dict[str, Any], key: str, limit: int, too_long: str
) -> tuple[str | None, str | None, list[dict[str, Any]] | None]:
    """(plain text, raw text, entities) of a text or caption parameter, length checked."""
    raw = params.get(key)
    if raw is None:
        return None, None, None
    text, entities = parse(str(raw), params.get("parse_mode"))
    if utf16_len(text.strip(_TRIMMED)) > limit:
        raise ApiError(400, too_long)
    return text, str(raw), entities


def _message_text(params: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]] | None]:
    text, raw, entities = _formatted(params, "text", MESSAGE_LIMIT, "Bad Request: message is too long")
    if not text or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    return text, raw, entities  # type: ignore[return-value]


def _reply_to(chat: ChatState, params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters") or {}
    message_id = reply.get("message_id", params.get("reply_to_message_id"))
    if message_id is None:
        return None
    if chat.find(message_id) is None:
        if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")
    return message_id


def _message_to_edit(standin: BotApiStandIn, params: dict[str, Any]) -> ChatMessage:
    if "inline_message_id" in params:
        raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat = standin.chats.get(params.get("chat_id"))  # type: ignore[arg-type]
    message = chat.find(params.get("message_id", -1)) if chat else None
    if message is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    return message


# -------------------------------------------------------------------------- methods


def get_me(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    return standin.bot_user


def set_webhook(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    url = params.get("url") or ""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided for webhook")
    standin.webhook.set(url, params.get("secret_token"))
    return True


def delete_webhook(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    standin.webhook.clear()
    if params.get("drop_pending_updates"):
        standin.updates.pending.clear()
    return True


def get_webhook_info(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    pending = len(standin.updates.pending)
    return {"url": standin.webhook.url, "has_custom_certificate": False, "pending_update_count": pending}


async def get_updates(standin: BotApiStandIn, params: dict, files: dict) -> list[dict[str, Any]]:
    if standin.webhook.active:
        raise ApiError(
            409, "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    return await standin.updates.get_updates(params)


def send_message(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    chat = _chat_for_send(standin, params)
    text, raw, entities = _message_text(params)
    markup = _check_markup(params.get("reply_markup"))
    message = standin.new_message(
        chat,
        from_bot=True,
        text=text,
        raw_text=raw,
        entities=entities or None,
        parse_mode=params.get("parse_mode"),
        reply_markup=markup,
        reply_to_message_id=_reply_to(chat, params),
    )
    _apply_markup(chat, message, markup)
    return standin.message_to_api(message)


def send_document(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    chat = _chat_for_send(standin, params)
    caption, raw_caption, entities = _formatted(
        params, "caption", CAPTION_LIMIT, "Bad Request: message caption is too long"
    )
    markup = _check_markup(params.get("reply_markup"))
    upload: Upload | None = files.get("document")
    document = params.get("document")
    if upload is None and isinstance(document, str) and document.startswith("attach://"):
        upload = files.get(document.removeprefix("attach://"))
    if upload is not None:
        n = standin.next_id()
        stored = StoredFile(
            file_id=f"DOC-{n}",
            file_unique_id=f"doc{n}",
            filename=upload.filename,
            content=upload.content,
            mime_type=upload.content_type
            or mimetypes.guess_type(upload.filename)[0]
            or "application/octet-stream",
        )
    elif isinstance(document, str) and document in standin.files:  # re-sending by file_id
        stored = standin.files[document]
    else:
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
    stored = StoredFile(**{**stored.__dict__, "caption": caption})
    message = standin.new_message(
        chat,
        from_bot=True,
        caption=caption,
        raw_text=raw_caption,
        entities=entities or None,
        parse_mode=params.get("parse_mode"),
        document=stored,
        reply_markup=markup,
        reply_to_message_id=_reply_to(chat, params),
    )
    stored.message_id = message.message_id
    standin.files[stored.file_id] = stored
    _apply_markup(chat, message, markup)
    return standin.message_to_api(message)


def get_file(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    stored = standin.files.get(params.get("file_id", ""))
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def edit_message_text(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    message = _message_to_edit(standin, params)
    if message.text is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    text, raw, entities = _message_text(params)
    # Leaving reply_markup out removes the inline keyboard, as on Telegram.
    markup = _inline_only(_check_markup(params.get("reply_markup")))
    # Telegram compares what the user sees: the text and its entities, not the markup
    # that produced them (<b> and <strong> are the same bold).
    before = _shown(message.text, message.entities, message.raw_text, message.parse_mode)
    after = _shown(text, entities, raw, params.get("parse_mode"))
    if after == before and markup == _current_inline(message):
        raise ApiError(400, NOT_MODIFIED)
    message.text, message.raw_text, message.parse_mode = text, raw, params.get("parse_mode")
    message.entities = entities or None
    return _edited(standin, message, markup)


def edit_message_reply_markup(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    message = _message_to_edit(standin, params)
    markup = _inline_only(_check_markup(params.get("reply_markup")))
    if markup == _current_inline(message):
        raise ApiError(400, NOT_MODIFIED)
    return _edited(standin, message, markup)


def _shown(text: str | None, entities: list | None, raw: str | None, mode: str | None) -> tuple:
    """What an edit is compared on; Markdown (entities not computed here) by its markup."""
    if (mode or "").lower().startswith("markdown"):
        return ("markdown", raw)
    return (text, entities or [])


def _current_inline(message: ChatMessage) -> dict[str, Any] | None:
    return message.reply_markup if message.inline_keyboard else None


def _edited(standin: BotApiStandIn, message: ChatMessage, markup: dict | None) -> dict[str, Any]:
    message.reply_markup = markup
    message.edit_count += 1
    message.edit_date = int(standin.clock())
    standin.touch(message)
    return standin.message_to_api(message)


def delete_message(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    chat = standin.chats.get(params.get("chat_id"))  # type: ignore[arg-type]
    message = chat.find(params.get("message_id", -1)) if chat else None
    if message is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    message.deleted = True
    standin.touch(message)
    return True


def answer_callback_query(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    query_id = str(params.get("callback_query_id"))
    if query_id not in standin.open_callback_queries:  # unknown, or answered already
        raise ApiError(400, QUERY_TOO_OLD)
    if utf16_len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")  # the query stays unanswered
    query = standin.open_callback_queries.pop(query_id)
    standin.callback_answers.append(
        CallbackAnswer(
            callback_query_id=query["id"],
            user_id=query["from"]["id"],
            data=query.get("data"),
            message_id=query["message"]["message_id"],
            text=params.get("text"),
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
        )
    )
    standin.touch()
    return True


def send_chat_action(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    _chat_for_send(standin, params)
    return True


def set_my_commands(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        if not _COMMAND_RE.match(str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise ApiError(400, "Bad Request: command description is empty")
    language_code = params.get("language_code", "")
    standin.commands[(scope_key(params.get("scope")), language_code)] = commands
    return True


def get_my_commands(standin: BotApiStandIn, params: dict, files: dict) -> list[dict[str, str]]:
    return standin.commands_for(params.get("scope"), params.get("language_code", ""))


def delete_my_commands(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    standin.commands.pop((scope_key(params.get("scope")), params.get("language_code", "")), None)
    return True


def set_chat_menu_button(standin: BotApiStandIn, params: dict, files: dict) -> bool:
    standin.menu_buttons[params.get("chat_id")] = params.get("menu_button") or {"type": "default"}
    return True


def get_chat_menu_button(standin: BotApiStandIn, params: dict, files: dict) -> dict[str, Any]:
    buttons = standin.menu_buttons
    return buttons.get(params.get("chat_id"), buttons.get(None, {"type": "default"}))


METHODS = {
    "getMe": get_me,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getUpdates": get_updates,
    "sendMessage": send_message,
    "sendDocument": send_document,
    "getFile": get_file,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
