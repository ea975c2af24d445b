"""A terminal chat with the bot over the stand-in: try conversations without Telegram.

The bot's messages are printed as they arrive (also ones it sends on its own, e.g. reminders),
edits are marked, and every tappable button gets a number::

    bot: Pick a time
         [1] 09:00   [2] 09:30
    keyboard: [3] Share location (sends your location)   [4] Cancel
    > 2

Type text to send it, a number to tap that button, ``/location LAT LON`` to share a location,
``/say TEXT`` to send text that looks like a number or a console command, ``/quit`` (or EOF)
to leave. The formatting functions are pure so tests can check the output.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.standin.records import CallbackAnswer, ChatMessage, ReplyKeyboard

if TYPE_CHECKING:
    from bot.standin.server import BotApiStandIn
    from bot.standin.users import SimUser

HELP = "Type a message, a button number to tap it, /location LAT LON, /say TEXT, /help, /quit."


@dataclass(frozen=True)
class Choice:
    """What typing a number does: tap an inline button or press a reply-keyboard button."""

    kind: str  # "inline" or "reply"
    text: str
    message_id: int | None = None
    callback_data: str | None = None


def _indent(text: str, prefix: str) -> str:
    pad = " " * len(prefix)
    return "\n".join((prefix if i == 0 else pad) + line for i, line in enumerate(text.split("\n")))


def render_message(message: ChatMessage, *, first_number: int = 1) -> str:
    """One message as the console shows it; callback buttons numbered from ``first_number``."""
    prefix = ("bot" if message.from_bot else "you") + ": "
    if message.deleted:
        return f"{prefix}(deleted message #{message.message_id})"
    parts = []
    if message.document is not None:
        parts.append(f"[file: {message.document.filename}, {message.document.size} bytes]")
    if message.location is not None:
        parts.append(f"[location: {message.location['latitude']}, {message.location['longitude']}]")
    if message.contact is not None:
        parts.append(f"[contact: {message.contact['phone_number']}]")
    body = message.text if message.text is not None else message.caption
    if body:
        parts.append(body)
    text = "\n".join(parts) or "(empty)"
    if message.edited:
        text = "(edited) " + text
    lines = [_indent(text, prefix)]
    number = first_number
    for row in message.inline_keyboard:
        cells = []
        for button in row:
            if "callback_data" in button:
                cells.append(f"[{number}] {button['text']}")
                number += 1
            elif "url" in button:
                cells.append(f"[link] {button['text']} <{button['url']}>")
            else:
                cells.append(f"[-] {button['text']}")
        lines.append(" " * len(prefix) + "   ".join(cells))
    if message.reply_markup and message.reply_markup.get("force_reply"):
        lines.append(" " * len(prefix) + "(reply requested: your next message answers this)")
    return "\n".join(lines)


def render_reply_keyboard(keyboard: ReplyKeyboard, *, first_number: int = 1) -> str:
    """The reply keyboard under the input field, buttons numbered from ``first_number``."""
    number, rows = first_number, []
    for row in keyboard.rows:
        cells = []
        for button in row:
            note = ""
            if button.get("request_location"):
                note = " (sends your location)"
            elif button.get("request_contact"):
                note = " (sends your phone number)"
            cells.append(f"[{number}] {button['text']}{note}")
            number += 1
        rows.append("   ".join(cells))
    return _indent("\n".join(rows), "keyboard: ")


def render_callback_answer(answer: CallbackAnswer) -> str:
    if answer.show_alert:
        return f"(alert) {answer.text or ''}"
    return f"(notice) {answer.text}" if answer.text else ""


def build_choices(messages: list[ChatMessage], keyboard: ReplyKeyboard | None) -> list[Choice]:
    """The numbered choices, in the same order the render functions number them."""
    choices = [
        Choice("inline", b["text"], m.message_id, b["callback_data"])
        for m in messages
        if not m.deleted
        for row in m.inline_keyboard
        for b in row
        if "callback_data" in b
    ]
    if keyboard is not None:
        choices += [Choice("reply", b["text"]) for row in keyboard.rows for b in row]
    return choices


def render_batch(
    messages: list[ChatMessage], keyboard: ReplyKeyboard | None, *, first_number: int = 1
) -> tuple[str, list[Choice]]:
    """Render messages plus the reply keyboard; return the text and its numbered choices."""
    blocks, number = [], first_number
    for message in messages:
        blocks.append(render_message(message, first_number=number))
        if not message.deleted:
            number += sum("callback_data" in b for row in message.inline_keyboard for b in row)
    if keyboard is not None:
        blocks.append(render_reply_keyboard(keyboard, first_number=number))
    return "\n".join(blocks), build_choices(messages, keyboard)


class _Console:
    """Prints what changed in the user's chat since the last print."""

    def __init__(self, standin: BotApiStandIn, user: SimUser, print_func: Callable[..., Any]):
        self.standin, self.user, self.print = standin, user, print_func
        self.printed_seq = 0
        self.answers_seen = len(user.callback_answers)
        self.keyboard: ReplyKeyboard | None = None
        self.choices: list[Choice] = []
        # Numbers run on across everything the bot says in answer to one input
        # (it may arrive in several messages); the next input starts again at 1.
        self.new_turn = True

    def flush(self) -> None:
        """Print new/edited/deleted bot messages and callback answers (synchronous: no races)."""
        changed = [
            m for m in self.user.chat.messages if m.from_bot and m.changed_seq > self.printed_seq
        ]
        keyboard = self.user.reply_keyboard
        self.printed_seq = self.standin.seq
        for answer in self.user.callback_answers[self.answers_seen :]:
            if line := render_callback_answer(answer):
                self.print(line)
        self.answers_seen = len(self.user.callback_answers)
        if not changed and keyboard is self.keyboard:
            return
        self.keyboard = keyboard
        if self.new_turn and changed:
            self.choices, self.new_turn = [], False
        text, choices = render_batch(changed, keyboard, first_number=len(self.choices) + 1)
        if text:
            self.print(text)
        self.choices += choices

    async def watch(self) -> None:
        """Print messages the bot sends on its own while the user is typing."""
        while self.standin.running:  # after stop() wait_for_change would return at once
            await self.standin.wait_for_change(self.printed_seq)
            self.flush()

    async def handle(self, line: str) -> bool:
        """Run one input line; False means leave."""
        line = line.strip()
        if not line:
            return True
        self.new_turn = True
        if line == "/quit":
            return False
        if line == "/help":
            self.print(HELP)
        elif line.startswith("/location"):
            try:
                latitude, longitude = (float(x) for x in line.split()[1:3])
            except ValueError:
                self.print("usage: /location LAT LON")
                return True
            await self.user.share_location(latitude, longitude)
        elif line.startswith("/say "):
            await self.user.send(line.removeprefix("/say "))
        elif line.isdigit():
            number = int(line)
            if not 1 <= number <= len(self.choices):
                self.print(f"no button [{number}]")
                return True
            choice = self.choices[number - 1]
            if choice.kind == "inline":
                await self.user.tap_data(choice.callback_data or "", choice.message_id or 0)
            else:
                await self.user.press_reply_button(choice.text)
        else:
            await self.user.send(line)
        return True


async def run_console(
    standin: BotApiStandIn,
    user: SimUser,
    *,
    input_func: Callable[[str], str] = input,
    print_func: Callable[..., Any] = print,
) -> None:
    """Chat with the bot as ``user`` until /quit or end of input."""
    console = _Console(standin, user, print_func)
    print_func(f"Chatting with @{standin.bot_username} as {user.first_name}. {HELP}")
    console.flush()
    watcher = asyncio.create_task(console.watch())
    try:
        while True:
            try:
                # input() blocks; run it in a thread so the bot keeps working meanwhile.
                line = await asyncio.to_thread(input_func, "> ")
            except EOFError:
                break
            try:
                if not await console.handle(line):
                    break
            except (LookupError, ValueError, TimeoutError) as error:
                print_func(f"! {error}")
            console.flush()
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
