"""Simulated people for the load benchmark: they read the bot's screens and tap what those show.

A :class:`Person` is a :class:`bot.standin.SimUser` that does not wait for the
bot's "processed" hook (the bot runs in another process and cannot call it):
it queues an update, then waits — on an event the stand-in sets whenever that
chat's screen changes, never a blind sleep — until the answer is on screen and
the screen shows what it needs, or the step's deadline passes.

:class:`AnswerClock` is the stand-in's side of the timing. It wraps the methods
that put an answer on a screen (sendMessage, editMessageText, sendDocument):
the first of them to a chat after an update for that chat was queued is that
update's answer, and both moments are taken in this process, where the
stand-in runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot.standin import BotApiStandIn, ChatMessage, SimUser
from bot.standin import methods as standin_methods
from conversations.i18n import texts_for
from conversations.texts import slot_taken, something_went_wrong

LANGUAGES = ("en", "en", "ru", "es")  # clients' Telegram apps; half of them English
ERROR_TEXTS = tuple(something_went_wrong(texts_for(code)) for code in ("en", "ru", "es"))
TIME_LABEL = re.compile(r"^\d{1,2}[:.]\d{2}")  # "9:00 AM", "09:00 (11:00)", "9:00"
FREE_DAY = re.compile(r"^\d{1,2}$")  # a tappable day; "7✕" is full, "·" is closed
CALENDAR_CELL = re.compile(r"^(\d{1,2}✕?|·)$")
FIRST_DAYS = 3  # people want an early date: they pick among the first free days shown
MAX_TAPS = 25  # taps in one booking attempt before the person gives up on it
MAX_RESTARTS = 2  # after an error or a screen that makes no sense: /book again, twice at most
PAUSE = (1.0, 3.0)  # seconds a pausing person reads before each step


class Unanswered(Exception):
    """The bot said nothing within the step's timeout: the person leaves."""


class Confused(Exception):
    """Answered, but the screen never showed what the person needed: they type /book again."""


class ErrorAnswer(Exception):
    """The bot said "Sorry, something went wrong": the person types /book again."""


@dataclass
class Step:
    """One update a person sent, and when its answer reached the stand-in."""

    chat: int
    what: str  # "/start", "later", "provider", "day", "confirm", ...
    kind: str  # "message" or "callback_query"
    text: str | None  # what was typed (messages only), for replaying to the bare bot
    queued: float
    answered: float | None = None

    def seconds(self, timeout: float) -> float | None:
        """Queue-to-answer time, or None when no answer came within ``timeout``."""
        if self.answered is None or self.answered - self.queued > timeout:
            return None
        return self.answered - self.queued


class AnswerClock:
    """Times every answer where the stand-in receives it, and wakes the chat's person."""

    ANSWERS: ClassVar[dict[str, Callable[..., Any]]] = {
        "sendMessage": standin_methods.send_message,
        "editMessageText": standin_methods.edit_message_text,
        "sendDocument": standin_methods.send_document,
    }
    # They change a screen without being an answer: the person must look again.
    VISIBLE: ClassVar[dict[str, Callable[..., Any]]] = {
        "editMessageReplyMarkup": standin_methods.edit_message_reply_markup,
        "deleteMessage": standin_methods.delete_message,
    }

    def __init__(self, standin: BotApiStandIn) -> None:
        self.steps: list[Step] = []
        self._open: dict[int, Step] = {}
        self._woken: dict[int, asyncio.Event] = {}
        for name, impl in self.ANSWERS.items():
            standin.add_method(name, self._timed(impl, answers=True))
        for name, impl in self.VISIBLE.items():
            standin.add_method(name, self._timed(impl, answers=False))

    def _timed(self, impl: Callable[..., Any], *, answers: bool) -> Callable[..., Any]:
        def method(standin: BotApiStandIn, params: dict, files: dict) -> Any:
            arrived = time.monotonic()  # the request is here, whatever the stand-in answers
            chat = params.get("chat_id")
            try:
                return impl(standin, params, files)
            finally:
                step = self._open.get(chat)  # type: ignore[arg-type]
                if answers and step is not None and step.answered is None:
                    step.answered = arrived
                self._wake(chat)

        return method

    def queued(self, chat: int, what: str, kind: str, text: str | None) -> Step:
        step = Step(chat, what, kind, text, time.monotonic())
        self.steps.append(step)
        self._open[chat] = step
        return step

    def _wake(self, chat: object) -> None:
        event = self._woken.pop(chat, None)  # type: ignore[arg-type]
        if event is not None:
            event.set()

    async def changed(self, chat: int, timeout: float) -> None:
        """Until this chat's screen changes (or ``timeout``)."""
        event = self._woken.setdefault(chat, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0))


@dataclass(frozen=True)
class Catalogue:
    """What a person knows before opening the bot: whom they want, what kinds exist."""

    provider_names: tuple[str, ...]
    type_names: frozenset[str]


@dataclass
class Outcome:
    wanted: int = 0  # journeys to complete
    booked: int = 0
    taken: int = 0  # times the bot said someone had just taken the chosen time
    restarts: int = 0
    gave_up: str | None = None  # why the person stopped before booking everything


class Person(SimUser):
    """A client who books by reading screens; choices are seeded, so runs repeat."""

    def __init__(
        self,
        standin: BotApiStandIn,
        clock: AnswerClock,
        user_id: int,
        language: str,
        rng: random.Random,
        *,
        pause: bool,
        timeout: float,
    ) -> None:
        super().__init__(standin, user_id)
        self.clock, self.rng, self.pause, self.timeout = clock, rng, pause, timeout
        self.t = texts_for(language)
        self.outcome = Outcome()
        self.step: Step | None = None
        self.doing = ""
        t = self.t
        self.later = t._("Later")
        self.confirm = "✅ " + t._("Confirm")
        self.next_page = t._("Next") + " »"
        self.back_to_calendar = "« " + t._("Back to the calendar")
        self.taken_text = slot_taken(t)
        self.booked_heads = (
            t._("✅ Booked and confirmed!"),
            t._("✅ You are already booked."),
            t._("⏳ Requested: waiting for the provider's confirmation."),
        )

    # ------------------------------------------------------------------ acting and waiting

    async def _deliver(self, kind: str, payload: dict, summary: str, timeout: float) -> None:
        text = payload.get("text") if kind == "message" else None
        self.step = self.clock.queued(self.id, self.doing, kind, text)
        self.standin.enqueue_update(kind, payload, summary)
        deadline = self.step.queued + self.timeout
        while self.step.answered is None:
            if time.monotonic() >= deadline:
                raise Unanswered(f"{self.doing}: no answer in {self.timeout:.0f} s")
            await self.clock.changed(self.id, deadline - time.monotonic())

    async def act(self, what: str, action: Callable[..., Any], *args: Any) -> None:
        if self.pause:  # reading the screen: think time, not synchronisation
            await asyncio.sleep(self.rng.uniform(*PAUSE))
        self.doing = what
        await action(*args)

    async def until(self, seen: Callable[[], Any]) -> Any:
        """What ``seen()`` finds on screen once it finds something, within the step's deadline."""
        assert self.step is not None
        deadline = self.step.queued + self.timeout
        while True:
            if any(m.text and any(e in m.text for e in ERROR_TEXTS) for m in self.new_messages()):
                raise ErrorAnswer(self.doing)
            found = seen()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise Confused(f"{self.doing}: the screen never showed what was needed")
            await self.clock.changed(self.id, deadline - time.monotonic())

    # ------------------------------------------------------------------ reading screens

    def zone_question(self) -> ChatMessage | None:
        """The time-zone step is complete: its buttons, then the location keyboard below."""
        asked = next((m for m in self.new_messages() if self.later in m.button_texts), None)
        keyboard = self.chat.reply_keyboard
        if asked is None or keyboard is None or (keyboard.message_id or 0) <= asked.message_id:
            return None
        return asked

    def any_answer(self) -> ChatMessage | None:
        fresh = self.new_messages()
        return fresh[-1] if fresh else None

    def screen(self, catalogue: Catalogue) -> tuple[str, ChatMessage] | None:
        """The latest changed message with buttons, and which screen it is."""
        shown = [m for m in self.new_messages() if m.inline_keyboard]
        if not shown:
            return None
        message = max(shown, key=lambda m: m.changed_seq)
        kind = self.kind_of(message, catalogue)
        return (kind, message) if kind else None

    def kind_of(self, message: ChatMessage, catalogue: Catalogue) -> str | None:
        text, buttons = message.text or "", message.button_texts
        if any(head in text for head in self.booked_heads):
            return "booked"
        if self.confirm in buttons:
            return "summary"
        if any(TIME_LABEL.match(b) for b in buttons):
            return "times"
        if sum(1 for b in buttons if CALENDAR_CELL.match(b)) >= 28:  # every day of a month
            return "calendar"
        if any(b.startswith("🔔") for b in buttons):  # a full day: only the waitlist is offered
            return "day_full"
        if self.next_page in buttons or any(b in catalogue.provider_names for b in buttons):
            return "providers"
        if any(b in catalogue.type_names for b in buttons):
            return "types"
        return None

    def choose(
        self, kind: str, message: ChatMessage, want: str, catalogue: Catalogue
    ) -> tuple[str, str]:
        """(button to tap, what that step is) on this screen."""
        buttons = message.button_texts
        if kind == "providers":
            if want in buttons:
                return want, "provider"
            if self.next_page in buttons:
                return self.next_page, "next page"
        elif kind == "types":
            return self.rng.choice([b for b in buttons if b in catalogue.type_names]), "type"
        elif kind == "calendar":
            free = [b for b in buttons if FREE_DAY.match(b)]
            if free:
                return self.rng.choice(free[:FIRST_DAYS]), "day"
            if "»" in buttons:
                return "»", "next month"
        elif kind == "times":
            if self.taken_text in (message.text or ""):
                self.outcome.taken += 1
            return self.rng.choice([b for b in buttons if TIME_LABEL.match(b)]), "time"
        elif kind == "day_full":
            return self.back_to_calendar, "back"
        elif kind == "summary":
            return self.confirm, "confirm"
        raise Confused(f"nothing to tap on the {kind} screen: {buttons}")

    # ------------------------------------------------------------------ journeys

    async def journey(self, want: str, catalogue: Catalogue) -> None:
        """/start, the zone question answered "Later", then /book until booked."""
        self.outcome.wanted += 1
        await self.act("/start", self.send, "/start")
        asked = await self.until(self.zone_question)
        await self.act("later", self.tap, self.later, asked)
        await self.until(self.any_answer)
        for _ in range(MAX_RESTARTS + 1):
            try:
                await self._book(want, catalogue)
                self.outcome.booked += 1
                return
            except (ErrorAnswer, Confused) as why:
                self.outcome.restarts += 1
                reason = why
        raise Confused(f"gave up after {MAX_RESTARTS} restarts ({type(reason).__name__}: {reason})")

    async def _book(self, want: str, catalogue: Catalogue) -> None:
        await self.act("/book", self.send, "/book")
        kind, message = await self.until(lambda: self.screen(catalogue))
        for _ in range(MAX_TAPS):
            if kind == "booked":
                return
            label, what = self.choose(kind, message, want, catalogue)
            await self.act(what, self.tap, label, message)
            kind, message = await self.until(lambda: self.screen(catalogue))
        raise Confused(f"not booked after {MAX_TAPS} taps")

    async def replay(self, steps: list[Step]) -> None:
        """The same number and kind of updates, to the bare bot: texts, and taps on its button."""
        self.outcome.wanted += 1
        for step in steps:
            if step.kind == "message":
                await self.act(step.what, self.send, step.text or "/start")
            else:
                await self.act(step.what, self.tap, 0, self._message_with_buttons(None))
            await self.until(self.any_answer)
        self.outcome.booked += 1


@dataclass
class Crowd:
    """Everybody of one run, and how their runs ended."""

    people: list[Person] = field(default_factory=list)
    cut_off: int = 0  # still going at the scenario's deadline
    finished: float = 0.0  # monotonic time the last person was done (or cut off)

    async def run(self, work: Callable[[Person], Any], deadline: float) -> None:
        async def one(person: Person) -> None:
            try:
                await work(person)
            except (Unanswered, Confused, ErrorAnswer, LookupError) as why:
                person.outcome.gave_up = f"{type(why).__name__} at {person.doing}"

        tasks = [asyncio.ensure_future(one(p)) for p in self.people]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        self.finished = time.monotonic()
        for task in pending:
            task.cancel()
        self.cut_off = len(pending)
        for person, task in zip(self.people, tasks, strict=True):
            if task in pending:
                person.outcome.gave_up = "cut off by the scenario's deadline"
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:  # anything else is a bug of the harness: show it
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
