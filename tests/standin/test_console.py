"""The terminal console: pure rendering, and a scripted session against the echo bot."""

from __future__ import annotations

from telegram.ext import Application

from bot.standin import BotApiStandIn, ChatMessage, ReplyKeyboard, StoredFile
from bot.standin.console import render_batch, render_message, run_console


def test_render_message_numbers_callback_buttons_and_marks_edits() -> None:
    message = ChatMessage(
        5, 42, True, 0, text="Pick a time\nTomorrow", edit_count=1,
        reply_markup={"inline_keyboard": [
            [{"text": "09:00", "callback_data": "s:1"}, {"text": "09:30", "callback_data": "s:2"}],
            [{"text": "Map", "url": "https://maps.example"}],
        ]},
    )  # fmt: skip
    assert render_message(message, first_number=3) == (
        "bot: (edited) Pick a time\n"
        "     Tomorrow\n"
        "     [3] 09:00   [4] 09:30\n"
        "     [link] Map <https://maps.example>"
    )


def test_render_document_and_batch_numbering() -> None:
    doc = StoredFile("F1", "f1", "booking.ics", b"12345", "text/calendar")
    first = ChatMessage(1, 42, True, 0, caption="Your booking", document=doc)
    second = ChatMessage(
        2, 42, True, 0, text="More?",
        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]},
    )  # fmt: skip
    keyboard = ReplyKeyboard([[{"text": "Here", "request_location": True}], [{"text": "Cancel"}]])
    text, choices = render_batch([first, second], keyboard)
    assert text == (
        "bot: [file: booking.ics, 5 bytes]\n"
        "     Your booking\n"
        "bot: More?\n"
        "     [1] Yes\n"
        "keyboard: [2] Here (sends your location)\n"
        "          [3] Cancel"
    )
    assert [(c.kind, c.text) for c in choices] == [
        ("inline", "Yes"),
        ("reply", "Here"),
        ("reply", "Cancel"),
    ]


async def test_scripted_session(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    inputs = iter(["/start", "1", "", "/keyboard", "2", "/location 1 2", "/say 7", "9", "/quit"])
    printed: list[str] = []
    await run_console(
        standin, user, input_func=lambda prompt: next(inputs), print_func=printed.append
    )
    output = "\n".join(printed)
    assert "bot: Welcome! args=[]\n     [1] Yes\n     [2] No" in output
    assert "(notice) You chose yes" in output
    assert "bot: (edited) Chosen: yes" in output
    assert "keyboard: [1] Send location (sends your location)\n          [2] Cancel" in output
    assert "bot: echo: Cancel" in output
    assert "bot: got location 1.00,2.00" in output
    assert "bot: echo: 7" in output
    assert "no button [9]" in output
    # Every bot message is printed once per change, never twice.
    assert output.count("bot: echo: Cancel") == 1


async def test_console_ends_on_eof(app: Application, standin: BotApiStandIn) -> None:
    def eof(prompt: str) -> str:
        raise EOFError

    printed: list[str] = []
    await run_console(standin, standin.user(42, "Ada"), input_func=eof, print_func=printed.append)
    assert printed and printed[0].startswith("Chatting with @slotbot_demo_bot as Ada")
