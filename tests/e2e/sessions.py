"""Randomised sessions: an admin, a provider and clients doing odd things to the real bot.

One seeded ``random.Random`` picks every step, so ``Session(bot, engine, seed=S)`` run
for N steps replays exactly (``scripts/fuzz-sessions --seed S --steps N``). A step is
one person doing one thing: a command of *any* role with odd arguments, odd text at
whatever prompt is pending, a tap on a button of their latest messages, a stale one
from an older message, one copied from another person's chat, forged data, a shared
location or a reply-keyboard press; or the clock moving on, or the timed jobs running.

After each step the invariants of ``session_checks`` are checked and every breach is
kept as a Finding (the run goes on, so one run finds many). A finding carries the
step it happened at and the steps before it, so it can be read and replayed.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta

from telegram.ext import CallbackContext

from bot.standin import ChatMessage, SimUser
from bot.standin.records import utf16_len
from conversations import callbacks as cb
from conversations.digest import send_digests
from conversations.reminders import send_reminders
from conversations.waitlist_offers import waitlist_job
from tests.e2e import session_inputs as inputs
from tests.e2e.session_checks import (
    GENERIC_ERRORS,
    TOLERATED_ERRORS,
    ErrorLog,
    Move,
    appointments,
    asks_for_reason,
    overlaps,
    unexplained,
)
from tests.e2e.session_journeys import book, fresh_client_books, manage
from tests.e2e.session_setup import CLIENTS, onboard_provider

KINDS = {"tap": 30, "command": 20, "text": 10, "stale": 7, "foreign": 6, "mutated": 7,
         "location": 3, "reply": 3, "time": 2, "jobs": 3, "book": 6, "manage": 5, "race": 3}  # fmt: skip
# Taps worth racing: two people (or one tapping twice) at the same moment.
RACED = (cb.ConfirmBooking, cb.ClaimOffer, cb.ProviderConfirm, cb.ProviderDecline, cb.ConfirmCancel,
         cb.PickSlot, cb.BlockDecision, cb.ForgetMe, cb.ProviderComplete, cb.SeriesConfirm,
         cb.ConfirmCancelRest, cb.SeriesDecision, cb.SeriesCancelNow)  # fmt: skip
HISTORY = 30
REASON_EXPIRES = timedelta(minutes=15)  # a pending question's life (issue #12)


@dataclass
class Actor:
    user: SimUser
    role: str  # admin, provider, client
    name: str

    @property
    def id(self) -> int:
        return self.user.id

    def __str__(self) -> str:
        return f"{self.role} {self.id} {self.name!r}"


@dataclass
class Finding:
    kind: str
    detail: str
    step: int
    history: list[str]
    count: int = 1

    def __str__(self) -> str:
        lines = [f"[{self.kind}] at step {self.step} (seen {self.count}x): {self.detail}",
                 "  the steps up to it:"]
        return "\n".join([*lines, *("    " + h for h in self.history)])


@dataclass
class Session:
    bot: object  # tests.e2e.conftest.Bot
    engine: object
    seed: int
    history_length: int = HISTORY
    log: ErrorLog = field(default_factory=ErrorLog)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.standin = self.bot.standin  # type: ignore[attr-defined]
        self.actors: list[Actor] = []
        self.history: deque[str] = deque(maxlen=self.history_length)
        self.findings: dict[tuple[str, str], Finding] = {}
        self.hints: dict[str, list[str]] = {"providers": ["1", "2", "3"], "invites": []}
        self.pending_reason: dict[int, tuple[tuple[str, int], object]] = {}
        self.stats: Counter[str] = Counter()
        self.number = 0

    # ------------------------------------------------------------------ running

    async def run(self, steps: int) -> list[Finding]:
        with self.log:
            await self.setup()
            for _ in range(steps):
                await self.random_step()
            actor = Actor(self.bot.user(799, "Fresh Client"), "client", "Fresh Client")  # type: ignore[attr-defined]
            if not await fresh_client_books(self, actor):
                self.find("final booking", "a fresh client could not complete a booking")
        rows = (await appointments(self.engine)).values()  # type: ignore[arg-type]
        self.stats.update(f"appointments {r.status}" for r in rows)
        self.stats.update("appointments in a series" for r in rows if r.series_id is not None)
        return sorted(self.findings.values(), key=lambda f: f.step)

    async def setup(self) -> None:
        admin = Actor(self.bot.user(9000, "Admin"), "admin", "Admin")  # type: ignore[attr-defined]
        self.actors.append(admin)
        provider = await onboard_provider(self, admin)
        self.actors.append(provider)
        for user_id, name, language in CLIENTS:
            user = self.bot.user(user_id, name, language)  # type: ignore[attr-defined]
            self.actors.append(Actor(user, "client", name))

    def pick_actor(self) -> Actor:
        weights = [1 if a.role == "admin" else 3 if a.role == "provider" else 1.2 for a in self.actors]
        return self.rng.choices(self.actors, weights)[0]

    async def random_step(self) -> None:
        actor = self.pick_actor()
        kind = self.rng.choices(list(KINDS), list(KINDS.values()))[0]
        self.stats[kind] += 1
        if kind == "time":
            delta = self.rng.choice([timedelta(minutes=1), timedelta(minutes=16), timedelta(hours=3),
                                     timedelta(days=1)])  # fmt: skip
            clock = self.bot.clock  # type: ignore[attr-defined]
            await self.step(None, f"the clock moves on {delta}", lambda: _advance(clock, delta))
        elif kind == "jobs":
            await self.step(None, "reminders, waitlist offers and digests run", self.run_jobs)
        else:
            await getattr(self, f"do_{kind}")(actor)

    async def run_jobs(self) -> None:
        context = CallbackContext(self.bot.application)  # type: ignore[attr-defined]
        for job in (send_reminders, waitlist_job, send_digests):
            try:
                await job(context)
            except Exception as error:  # noqa: BLE001 - a job that raises is a finding
                self.find("job crashed", f"{job.__name__}: {type(error).__name__}: {error}")

    # ------------------------------------------------------------------ actions

    async def do_book(self, actor: Actor) -> None:
        await book(self, actor)

    async def do_manage(self, actor: Actor) -> None:
        await manage(self, actor)

    async def do_command(self, actor: Actor) -> None:
        command = self.rng.choice(inputs.COMMANDS)
        args = inputs.arguments(self.rng, command, self.hints)
        await self.send(actor, f"{command} {args}".rstrip())

    async def do_text(self, actor: Actor) -> None:
        await self.send(actor, inputs.odd_text(self.rng, self.hints))

    async def do_location(self, actor: Actor) -> None:
        lat, lon = self.rng.choice(inputs.LOCATIONS)
        await self.step(actor, f"shares location {lat},{lon}",
                        lambda: actor.user.share_location(lat, lon), expect_answer=True)  # fmt: skip

    async def do_reply(self, actor: Actor) -> None:
        keyboard = actor.user.reply_keyboard
        if keyboard is None or not keyboard.button_texts:
            return await self.do_location(actor)
        text = self.rng.choice(keyboard.button_texts)
        await self.step(actor, f"presses reply button {text!r}",
                        lambda: actor.user.press_reply_button(text), expect_answer=True)  # fmt: skip

    async def do_tap(self, actor: Actor) -> None:
        keyed = [m for m in actor.user.bot_messages if _callbacks(m)]
        if not keyed:
            return await self.do_command(actor)
        message = keyed[-1] if self.rng.random() < 0.75 else self.rng.choice(keyed[-4:])
        text, data = self.rng.choice(_callbacks(message))
        await self.tap(actor, data, message.message_id, f"taps {text!r}")

    async def do_stale(self, actor: Actor) -> None:
        keyed = [m for m in actor.user.bot_messages if _callbacks(m)][:-1]
        if not keyed:
            return await self.do_tap(actor)
        message = self.rng.choice(keyed)
        text, data = self.rng.choice(_callbacks(message))
        await self.tap(actor, data, message.message_id, f"taps stale {text!r}")

    async def do_foreign(self, actor: Actor) -> None:
        others = [a for a in self.actors if a is not actor and any(_callbacks(m) for m in a.user.bot_messages)]
        if not others:
            return await self.do_tap(actor)
        other = self.rng.choice(others)
        message = self.rng.choice([m for m in other.user.bot_messages if _callbacks(m)])
        text, data = self.rng.choice(_callbacks(message))
        target = self.own_message(actor)
        if target is None:
            return await self.do_command(actor)
        await self.tap(actor, data, target, f"taps {other.role} {other.id}'s {text!r}")

    async def do_mutated(self, actor: Actor) -> None:
        pool = [d for a in self.actors for m in a.user.bot_messages for _, d in _callbacks(m)]
        data = inputs.mutate(self.rng, self.rng.choice(pool) if pool else "1my")
        target = self.own_message(actor)
        if target is None:
            return await self.do_command(actor)
        await self.tap(actor, data, target, "taps forged data")

    async def do_race(self, actor: Actor) -> None:
        """A tap at the same moment as another: its owner's double tap, or someone else
        tapping a copy of it (booking data names no client, so the copy books for them)."""
        pool = [(a, m, label, data) for a in self.actors for m in a.user.bot_messages[-3:]
                for label, data in _callbacks(m) if isinstance(cb.decode(data), RACED)]  # fmt: skip
        if not pool:
            return await self.do_book(actor)
        owner, message, label, data = self.rng.choice(pool)
        rival = owner if self.rng.random() < 0.4 else actor
        target = message.message_id if rival is owner else self.own_message(rival)
        if target is None:  # the rival has no message to tap on: the owner taps twice
            rival, target = owner, message.message_id
        button = cb.decode(data)
        moves = [Move(p.id, p.role == "admin", button=button) for p in (owner, rival)]
        for person in (owner, rival):
            self.pending_reason.pop(person.id, None)

        async def both() -> None:
            await asyncio.gather(owner.user.tap_data(data, message.message_id),
                                 rival.user.tap_data(data, target))  # fmt: skip

        who = "double tap" if rival is owner else f"and {rival} at once"
        await self.step(owner, f"taps {label!r} [{data}] on #{message.message_id}, {who}", both, moves)

    def own_message(self, actor: Actor) -> int | None:
        """A bot message in the actor's chat to carry a forged tap: Telegram takes taps only
        on messages that exist, though their data may be anything."""
        keyed = [m for m in actor.user.bot_messages if _callbacks(m)]
        if keyed and self.rng.random() < 0.8:
            return keyed[-1].message_id
        own = [m.message_id for m in actor.user.bot_messages]
        return self.rng.choice(own) if own else None

    async def send(self, actor: Actor, text: str) -> None:
        while utf16_len(text) > 4096:  # a person cannot send more (Telegram's client limit)
            text = text[:-1]
        if not text.strip():
            text = "."
        move = Move(actor.id, actor.role == "admin", typed=not text.startswith("/"))
        asked = self.pending_reason.pop(actor.id, None)
        if move.typed and asked is not None and self.bot.clock() - asked[1] < REASON_EXPIRES:  # type: ignore[attr-defined,operator]
            move.reason_for = asked[0]
        await self.step(actor, f"sends {_short(text)}", lambda: actor.user.send(text), move, expect_answer=True)

    async def tap(self, actor: Actor, data: str, message_id: int, what: str) -> None:
        button = cb.decode(data)
        move = Move(actor.id, actor.role == "admin", button=button)
        self.pending_reason.pop(actor.id, None)
        await self.step(actor, f"{what} [{data}] on #{message_id}",
                        lambda: actor.user.tap_data(data, message_id), move)  # fmt: skip
        reason = asks_for_reason(button)
        if reason is not None:
            self.pending_reason[actor.id] = (reason, self.bot.clock())  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ one step, checked

    async def step(self, actor: Actor | None, what: str, perform, move: Move | list[Move] | None = None,  # type: ignore[no-untyped-def]
                   *, expect_answer: bool = False):
        self.number += 1
        move = move or Move(actor.id if actor else 0, actor is not None and actor.role == "admin")
        before = await appointments(self.engine)  # type: ignore[arg-type]
        seq, errors, logs = self.standin.seq, len(self.standin.errors), len(self.log.records)
        answers = len(self.standin.callback_answers)
        result = None
        try:
            result = await perform()
        except TimeoutError as error:
            self.note(actor, what, seq, answers)
            self.find("stuck", str(error).split(":")[0])
            return None
        self.note(actor, what, seq, answers)
        after = await appointments(self.engine)  # type: ignore[arg-type]
        self.check(actor, seq, errors, logs, before, after, move, expect_answer)
        return result

    def note(self, actor: Actor | None, what: str, seq: int, answers: int) -> None:
        said = [f"to {m.chat_id} #{m.message_id}{' edited' if m.edited else ''}: {_short(m.text or m.caption or '')}"
                + (f" {m.button_texts[:6]}" if m.button_texts else "")
                for chat in self.standin.chats.values() for m in chat.messages
                if m.from_bot and m.changed_seq > seq]  # fmt: skip
        said += [f"toast {a.text!r}" for a in self.standin.callback_answers[answers:] if a.text]
        who = str(actor) if actor else "—"
        self.history.append(f"{self.number}. {who}: {what} → " + (" | ".join(said) or "(nothing)"))

    def check(self, actor, seq, errors, logs, before, after, move, expect_answer) -> None:  # type: ignore[no-untyped-def]
        changed = [m for chat in self.standin.chats.values() for m in chat.messages
                   if m.from_bot and m.changed_seq > seq]  # fmt: skip
        for message in changed:
            if any(g in (message.text or "") for g in GENERIC_ERRORS):
                self.find("something went wrong", f"told to {message.chat_id}")
        for record in self.log.records[logs:]:
            self.find("error logged", self.log.describe(record))
        for call in self.standin.errors[errors:]:
            if call.injected:
                continue
            if call.description.startswith(TOLERATED_ERRORS):  # type: ignore[union-attr]
                self.stats["tolerated: not modified"] += 1
                continue
            self.find("Bot API refused", f"{call.method}: {call.description}")
        if self.standin.open_callback_queries:
            self.find("callback query unanswered", f"{len(self.standin.open_callback_queries)} open")
            self.standin.open_callback_queries.clear()
        for overlap in overlaps(after):
            self.find("overlapping appointments", overlap)
        for problem in unexplained(before, after, move):
            self.find("appointment changed without its tap", problem)
        if expect_answer and actor is not None and not any(m.chat_id == actor.id for m in changed):
            self.find("no answer", f"{actor.role} got nothing back")

    def find(self, kind: str, detail: str) -> None:
        key = (kind, re.sub(r"\d+", "#", detail)[:160])
        if key in self.findings:
            self.findings[key].count += 1
        else:
            self.findings[key] = Finding(kind, detail, self.number, list(self.history))

    def report(self, findings: list[Finding], steps: int) -> str:
        lines = [f"seed {self.seed}, {steps} steps ({self.number} with setup): {dict(self.stats)}",
                 f"replay: scripts/fuzz-sessions --seed {self.seed} --steps {steps}"]  # fmt: skip
        lines += [str(f) for f in findings] or ["no findings"]
        return "\n\n".join(lines)


def _callbacks(message: ChatMessage) -> list[tuple[str, str]]:
    return [(text, data) for row in message.buttons for text, data in row if data]


def _short(text: str, limit: int = 90) -> str:
    text = text.replace("\n", "⏎")
    return repr(text if len(text) <= limit else text[:limit] + f"…({len(text)} chars)")


async def _advance(clock, delta: timedelta) -> None:  # type: ignore[no-untyped-def]
    clock.now = clock.now + delta
