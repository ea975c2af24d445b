"""Sending reminders: a JobQueue job that polls the database, which is the schedule.

PTB's JobQueue keeps nothing across restarts, so nothing is scheduled in memory:
every poll claims what is due (core/reminders.py) and sends it. Failures are
recorded on the outbox row: a flood limit, or a failure that surely never
reached Telegram (conversations/delivery.py), is retried later; one that may
have reached it (a timeout) is UNSURE and never resent; a client who blocked
the bot is marked unreachable; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from html import escape

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations.common import answer, caller, pressed, services
from conversations.delivery import SendFailure, flood_wait, send_failure, stopping
from conversations.i18n import resolve_locale, texts_for
from conversations.metrics import REMINDERS
from conversations.states import BROWSING
from conversations.texts import when
from core.appointments import details_of
from core.reminders import (
    OutboxStatus,
    Recipient,
    ReminderJob,
    ReminderKind,
    claim_due_batch,
    claim_retries,
    release_stale,
    start_attempt,
    still_due,
)

SENT, RETRY, FAILED, SKIPPED, UNSURE = (
    OutboxStatus.SENT.value,
    OutboxStatus.RETRY.value,
    OutboxStatus.FAILED.value,
    OutboxStatus.SKIPPED.value,
    OutboxStatus.UNSURE.value,
)

log = logging.getLogger(__name__)
REMINDER_JOB = "reminders"
REMINDER_POLL_SECONDS = 30
#: A claim older than this with no result belongs to a worker that died. Far
#: above the ~4 s a live worker holds a batch before trying it, and harmless if
#: wrong: a live worker's late result still lands, and a lost claim cannot send.
CLAIM_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
#: Reminders claimed per transaction: what a crashed worker can leave queued.
BATCH = 100
#: Below Telegram's ~30 messages a second, leaving room for replies to people. Per
#: process: several processes share it (``bot_data["reminder_rate"]``, see run_workers).
REMINDERS_PER_SECOND = 25.0
#: Sends of one worker under way at once.
IN_FLIGHT = 4
#: One poll stops claiming after about this long (real time); the next one starts then.
POLL_BUDGET_SECONDS = float(REMINDER_POLL_SECONDS)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … for network trouble."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


async def _render(context: ContextTypes.DEFAULT_TYPE, job: ReminderJob):  # type: ignore[no-untyped-def]
    async with services(context).uow() as unit:
        appointment = await unit.appointments.get(job.appointment_id)
        if appointment is None:
            return None
        details = await details_of(unit, appointment)
        client = await unit.clients.get(appointment.client_id)
    assert client is not None
    to_client = job.recipient is Recipient.CLIENT
    language = client.language if to_client else details.provider.language
    t = texts_for(resolve_locale(language, None))
    if job.kind is ReminderKind.DAY_BEFORE:
        head = t._("⏰ Reminder: your appointment is tomorrow.") if to_client else t._("⏰ Tomorrow:")
    else:
        head = t._("⏰ Reminder: your appointment starts in an hour.") if to_client else t._("⏰ In an hour:")
    zone = client.timezone if to_client else details.provider.timezone
    who = escape(details.provider.name if to_client else (client.name or ""))
    lines = [head, f"<b>{escape(details.appt_type.name)}</b> — {who}", when(t, appointment.start, zone, details.provider, details.appt_type)]
    if to_client and not details.appt_type.is_virtual and details.provider.address:
        lines.append(t._("Address: {address}").format(address=escape(details.provider.address)))
    markup = None
    if to_client and job.kind is ReminderKind.DAY_BEFORE:
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton("👍 " + t._("I'll be there"), callback_data=cb.encode(cb.ReminderAck(appointment.id))),  # type: ignore[arg-type]
            InlineKeyboardButton("❌ " + t._("Cancel"), callback_data=cb.encode(cb.AskCancel(appointment.id))),  # type: ignore[arg-type]
        ]])
    return "\n".join(lines), markup


def _rate(context: ContextTypes.DEFAULT_TYPE) -> float:
    return float(context.bot_data.get("reminder_rate") or REMINDERS_PER_SECOND)


def _pacer(context: ContextTypes.DEFAULT_TYPE) -> AsyncLimiter:
    pacer = context.bot_data.get("reminder_pacer")
    if pacer is None:
        # A bucket of one: an even pace, no burst on top of the bot's other traffic.
        pacer = context.bot_data["reminder_pacer"] = AsyncLimiter(1, 1 / _rate(context))
    return pacer


async def send_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One poll: hand back what dead workers left, then claim and send batch by batch."""
    svc = services(context)
    unsure, requeued = await release_stale(svc.uow(), svc.clock(), CLAIM_LEASE)
    if unsure:
        log.warning("%s reminders were cut off mid-send by a dead worker; not resent (could double)", unsure)
    if requeued:
        log.info("%s reminders queued by a dead worker are sent again", requeued)
    # A producer claims batches while senders drain them: the pace never waits for a claim.
    queue: asyncio.Queue[ReminderJob | None] = asyncio.Queue(maxsize=BATCH // 2)
    deadline = time.monotonic() + POLL_BUDGET_SECONDS

    async def claim() -> None:
        cursor, scanning = None, True
        try:
            while True:
                # No more than the pace can send before the deadline.
                room = int((deadline - time.monotonic()) * _rate(context)) - queue.qsize()
                if room <= 0 or stopping(context.bot_data):
                    return
                now = svc.clock()
                limit = min(BATCH, room)
                jobs: list[ReminderJob] = []
                if scanning:  # due reminders, in order of start, from where the last batch stopped
                    jobs, moved_to = await claim_due_batch(svc.uow(), now, limit, cursor)
                    scanning, cursor = moved_to != cursor, moved_to
                if not jobs and not scanning:
                    jobs = await claim_retries(svc.uow(), now, limit)
                    if not jobs:
                        return
                for job in jobs:
                    await queue.put(job)
        finally:
            for _ in range(IN_FLIGHT):
                await queue.put(None)

    async def send() -> None:
        while (job := await queue.get()) is not None:
            if stopping(context.bot_data):
                continue  # left claimed and QUEUED: after the lease it is sent by whoever runs
            await _pacer(context).acquire()
            try:
                await _attempt(context, job)
            except Exception:  # noqa: BLE001 - e.g. the database went away mid-send
                # The row stays claimed; after the lease it is resent (QUEUED) or
                # kept from doubling (SENDING). The other senders carry on.
                log.exception("reminder %s: sending failed unexpectedly", job.key)

    await asyncio.gather(claim(), *(send() for _ in range(IN_FLIGHT)))


async def _attempt(context: ContextTypes.DEFAULT_TYPE, job: ReminderJob) -> None:
    """Render, record the attempt, send at once, record the outcome.

    Everything slow happens before the attempt is recorded, so a crash leaves a
    message UNSURE (maybe sent, never resent) only inside one HTTP request.
    """
    svc = services(context)
    now = svc.clock()
    rendered = await _render(context, job) if await still_due(svc.uow(), job, now) else None
    if rendered is None:  # cancelled or moved since the claim
        await _finish(context, job, SKIPPED, now)
        return
    if not await start_attempt(svc.uow(), job, now):
        return  # our claim ran out and another worker holds it now
    text, markup = rendered
    status, error, next_at = SENT, None, None
    try:
        await context.bot.send_message(job.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        error = str(exc) or type(exc).__name__  # a bare TimedOut says nothing
        failure = send_failure(exc)
        if failure is SendFailure.FLOOD:
            status, next_at = RETRY, now + flood_wait(exc)  # type: ignore[arg-type]
        elif failure is SendFailure.NOT_SENT:
            async with svc.uow() as unit:
                attempts = await unit.outbox.attempts(job.outbox_id)
            status = RETRY if attempts < MAX_ATTEMPTS else FAILED
            next_at = now + backoff(attempts) if status == RETRY else None
        elif failure is SendFailure.MAYBE_SENT:
            status = UNSURE  # Telegram may have it: sending again could double it
        else:
            status = FAILED
            if failure is SendFailure.BLOCKED:
                await _mark_unreachable(context, job, now)
    if status != SENT:
        log.warning("reminder %s ended %s: %s", job.key, status, error)
    await _finish(context, job, status, now, error=error, next_at=next_at)


async def _finish(
    context: ContextTypes.DEFAULT_TYPE, job: ReminderJob, status: str, now: datetime,
    *, error: str | None = None, next_at: datetime | None = None,
) -> None:
    REMINDERS.labels(outcome=status.lower()).inc()
    async with services(context).uow() as unit:
        await unit.begin_write()
        await unit.outbox.finish(job.outbox_id, status, now, error=error, next_attempt_at=next_at)
        await unit.commit()


async def _mark_unreachable(context: ContextTypes.DEFAULT_TYPE, job: ReminderJob, now: datetime) -> None:
    if job.recipient is not Recipient.CLIENT:
        return
    async with services(context).uow() as unit:
        await unit.begin_write()
        appointment = await unit.appointments.get(job.appointment_id)
        if appointment is not None:
            await unit.clients.mark_unreachable(appointment.client_id, now)
        await unit.commit()


async def on_reminder_ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    pressed(update, cb.ReminderAck)
    t = caller(context).texts
    await answer(update, t._("Thank you! See you then."))
    return BROWSING
