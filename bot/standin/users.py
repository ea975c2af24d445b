"""The user side of the stand-in: a simulated Telegram user chatting with the bot.

Every action (``send``, ``tap``, ``press_reply_button``, ``share_location``...) puts one update
into the stand-in's getUpdates queue and then waits until the bot reports that update processed
(``BotApiStandIn.processed_hook``). So when an action returns, every reply the bot sent while
handling it is already recorded: tests assert right away, with no sleeps and no polling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.standin.records import (
    CallbackAnswer,
    ChatMessage,
    ChatState,
    ReplyKeyboard,
    StoredFile,
    command_entities,
)

if TYPE_CHECKING:
    from bot.standin.server import BotApiStandIn

ButtonRef = str | int | tuple[int, int]  # text, flat 0-based index, or (row, column)
DEFAULT_TIMEOUT = 10.0


class SimUser:
    """A Telegram user in a private chat with the bot. Create with ``standin.user(...)``."""

    def __init__(self, standin: BotApiStandIn, user_id: int):
        self.standin = standin
        self.id = user_id
        self._action_seq = 0  # stand-in seq when the latest action started

    # ------------------------------------------------------------------ who and where

    @property
    def telegram_user(self) -> dict[str, Any]:
        """The Telegram ``User`` object the bot sees."""
        return self.standin.users[self.id]

    @property
    def first_name(self) -> str:
        return self.telegram_user["first_name"]

    @property
    def chat(self) -> ChatState:
        return self.standin.chats[self.id]

    def block(self) -> None:
        """The user blocks the bot: the bot's sends now fail with 403 Forbidden."""
        self.standin.block(self.id)

    def unblock(self) -> None:
        self.standin.block(self.id, blocked=False)

    # ------------------------------------------------------------------ actions

    async def send(self, text: str, *, timeout: float = DEFAULT_TIMEOUT) -> ChatMessage:
        """Send a text message ("/start p12" becomes a command with a deep-link argument)."""
        return await self._send_message(timeout, text=text, entities=command_entities(text) or None)

    async def share_location(
        self, latitude: float, longitude: float, *, timeout: float = DEFAULT_TIMEOUT
    ) -> ChatMessage:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._send_message(timeout, location=location)

    async def share_contact(
        self, phone_number: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> ChatMessage:
        """Share the user's own contact (what a request_contact button sends)."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        return await self._send_message(timeout, contact=contact)

    async def press_reply_button(
        self,
        text: str,
        *,
        location: tuple[float, float] = (52.5200, 13.4050),
        phone_number: str = "+4930123456",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> ChatMessage:
        """Press a button of the reply keyboard currently shown.

        A plain button sends its text; a ``request_location`` button shares ``location`` and a
        ``request_contact`` button shares ``phone_number``, as the Telegram app does.
        """
        keyboard = self.reply_keyboard
        button = keyboard.find(text) if keyboard else None
        if keyboard is None or button is None:
            shown = keyboard.button_texts if keyboard else "no reply keyboard is shown"
            raise LookupError(f"user {self.id}: no reply button {text!r}; shown: {shown}")
        if keyboard.one_time:  # the app hides a one-time keyboard once it has been used
            self.chat.reply_keyboard = None
        if button.get("request_location"):
            return await self.share_location(*location, timeout=timeout)
        if button.get("request_contact"):
            return await self.share_contact(phone_number, timeout=timeout)
        return await self.send(text, timeout=timeout)

    async def tap(
        self,
        button: ButtonRef,
        message: ChatMessage | int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> CallbackAnswer | None:
        """Tap an inline button; returns the bot's callback answer (None if it gave none).

        ``button``: its text, its 0-based position counting row by row, or (row, column).
        ``message``: a ChatMessage or message_id; default: the latest bot message that has
        inline buttons.
        """
        target = self._message_with_buttons(message)
        rows = target.inline_keyboard
        flat = [b for row in rows for b in row]
        found: dict[str, Any] | None = None
        if isinstance(button, str):
            found = next((b for b in flat if b["text"] == button), None)
        elif isinstance(button, int):
            found = flat[button] if 0 <= button < len(flat) else None
        else:
            row, column = button
            found = rows[row][column] if row < len(rows) and column < len(rows[row]) else None
        if found is None:
            raise LookupError(f"no inline button {button!r} on {target}")
        if "callback_data" not in found:
            raise ValueError(f"button {found['text']!r} is not a callback button: {found}")
        return await self.tap_data(found["callback_data"], target.message_id, timeout=timeout)

    async def tap_data(
        self, callback_data: str, message_id: int, *, timeout: float = DEFAULT_TIMEOUT
    ) -> CallbackAnswer | None:
        """A callback query with any data for any message: for stale or forged taps.

        An unknown or deleted message arrives as an InaccessibleMessage (date 0), as on
        Telegram.
        """
        self._begin_action()
        standin = self.standin
        query_id = str(standin.next_id() * 7919 + 4_000_000_000)  # opaque numeric string
        target = self.chat.find(message_id)
        if target is not None:
            message_data = standin.message_to_api(target)
        else:
            chat = standin.chat_to_api(self.id)
            message_data = {"chat": chat, "message_id": message_id, "date": 0}
        query = {
            "id": query_id,
            "from": self.telegram_user,
            "message": message_data,
            "chat_instance": str(self.id * 31 + 7),
            "data": callback_data,
        }
        standin.open_callback_queries[query_id] = query
        summary = f"user {self.id} taps {callback_data!r} on message {message_id}"
        await self._deliver("callback_query", query, summary, timeout)
        return next((a for a in standin.callback_answers if a.callback_query_id == query_id), None)

    async def _send_message(self, timeout: float, **content: Any) -> ChatMessage:
        self._begin_action()
        standin, chat = self.standin, self.chat
        standin.block(self.id, blocked=False)  # writing to a bot you blocked restarts it
        reply_to, chat.force_reply_to = chat.force_reply_to, None  # the app answers ForceReply
        message = standin.new_message(
            chat, from_bot=False, raw_text=content.get("text"), reply_to_message_id=reply_to,
            **content,
        )  # fmt: skip
        summary = f"user {self.id} sends " + (
            repr(content["text"]) if "text" in content else ", ".join(sorted(content))
        )
        await self._deliver("message", standin.message_to_api(message), summary, timeout)
        return message

    def _begin_action(self) -> None:
        self._action_seq = self.standin.seq

    async def _deliver(self, kind: str, payload: dict, summary: str, timeout: float) -> None:
        update_id = self.standin.enqueue_update(kind, payload, summary)
        await self.standin.wait_processed(update_id, timeout)

    def _message_with_buttons(self, message: ChatMessage | int | None) -> ChatMessage:
        if isinstance(message, ChatMessage):
            message = message.message_id
        if isinstance(message, int):
            found = self.chat.find(message)
            if found is None:
                raise LookupError(f"user {self.id}: no message #{message} in the chat")
            return found
        for candidate in reversed(self.bot_messages):
            if candidate.inline_keyboard:
                return candidate
        raise LookupError(
            f"user {self.id}: no bot message has inline buttons; chat: "
            + "; ".join(str(m) for m in self.messages[-5:])
        )

    # ------------------------------------------------------------------ inspecting

    @property
    def messages(self) -> list[ChatMessage]:
        """The chat as the user sees it, both sides, oldest first (deleted ones left out)."""
        return [m for m in self.chat.messages if not m.deleted]

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def last(self) -> ChatMessage:
        """The bot's latest message (LookupError if it has sent nothing)."""
        if not self.bot_messages:
            raise LookupError(f"the bot has sent nothing to user {self.id}")
        return self.bot_messages[-1]

    def new_messages(self) -> list[ChatMessage]:
        """Bot messages sent or edited since this user's latest action began."""
        return [m for m in self.bot_messages if m.changed_seq > self._action_seq]

    @property
    def reply_keyboard(self) -> ReplyKeyboard | None:
        return self.chat.reply_keyboard

    @property
    def documents(self) -> list[StoredFile]:
        return [m.document for m in self.bot_messages if m.document is not None]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return [a for a in self.standin.callback_answers if a.user_id == self.id]
