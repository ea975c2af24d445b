"""The console as a person uses it: read the screen, type a button's number.

Runs the real bot through ``run_console`` in each language: book, reschedule and
cancel, choosing buttons by what they say, as someone at the terminal would.
"""

from __future__ import annotations

import re

import pytest

from bot.standin.console import run_console
from conversations.i18n import texts_for

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BUTTON = re.compile(r"\[(\d+)\] (.*?)(?=\s{2,}\[\d+\]|$)")


class Person:
    """Types what the script says; a ("tap", label) step types that button's number."""

    def __init__(self, script: list[tuple[str, str]]) -> None:
        self.script = iter(script)
        self.screen: list[str] = []
        self.transcript: list[str] = []

    def print(self, *parts: object) -> None:
        text = " ".join(str(p) for p in parts)
        self.screen.append(text)
        self.transcript.append(text)

    def input(self, _prompt: str) -> str:
        step = next(self.script, None)
        if step is None:
            raise EOFError
        kind, value = step
        shown, self.screen = "\n".join(self.screen), []
        if kind == "say":
            return value
        if kind == "expect":
            assert value in shown, f"expected {value!r} on screen:\n{shown}"
            return ""
        buttons = [(n, label.strip()) for line in shown.splitlines() for n, label in BUTTON.findall(line)]
        exact = [n for n, label in buttons if label == value]
        loose = [n for n, label in buttons if value in label]
        chosen = (exact or loose or [None])[0] if kind == "tap" else buttons[int(value)][0]
        assert chosen is not None, f"no button {value!r} on screen:\n{shown}"
        return chosen


def journey(locale: str) -> list[tuple[str, str]]:
    t = texts_for(locale)
    return [
        ("say", "/start"),
        ("tap", t._("Later")),
        ("say", "/book"),
        ("tap", "Dr. Ana Petrova"),
        ("tap", "Consultation"),
        ("tap", "30"),
        ("slot", "0"),  # the first free time
        ("tap", "✅ " + t._("Confirm")),
        ("expect", t._("✅ Booked and confirmed!")),
        ("say", "/my"),
        ("tap", "Consultation"),
        ("tap", "🔁 " + t._("Reschedule")),
        ("tap", "30"),
        ("slot", "1"),  # the second free time
        ("tap", "✅ " + t._("Confirm")),
        ("expect", t._("✅ Moved!")),
        ("say", "/my"),
        ("tap", "Consultation"),
        ("tap", "❌ " + t._("Cancel")),
        ("tap", t._("Yes, cancel it")),
        ("expect", t._("Your appointment is cancelled.")),
    ]


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
async def test_book_reschedule_and_cancel_in_the_console(bot, locale):
    person = Person(journey(locale))
    user = bot.user(500, "Console", locale)
    await run_console(bot.standin, user, input_func=person.input, print_func=person.print)
    transcript = "\n".join(person.transcript)
    assert "!" not in [line[:1] for line in person.transcript], transcript  # no console errors
    async with bot.uow() as unit:
        appointment = await unit.appointments.get(1)
    assert appointment is not None and appointment.status.value == "CANCELLED"
