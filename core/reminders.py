"""When reminders are due: 24 h and 1 h before every CONFIRMED appointment.

Pure rules; ``storage`` keeps an outbox of claimed keys so each reminder goes out
once, whatever the number of bot processes or restarts.

* A reminder is due from ``start - offset`` (real hours, so DST days are right).
* A booking made (or moved) less than ``offset`` ahead gets none: never a
  "reminder" at booking time.
* After downtime an overdue 24 h reminder still goes out while the appointment
  is more than an hour away; after that only the 1 h one does.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.localtime import require_utc
from core.model import Appointment, AppointmentStatus
from core.ports import UnitOfWork


class ReminderKind(str, enum.Enum):
    DAY_BEFORE = "24h"
    HOUR_BEFORE = "1h"

    @property
    def offset(self) -> timedelta:
        return timedelta(hours=24) if self is ReminderKind.DAY_BEFORE else timedelta(hours=1)


class OutboxStatus(str, enum.Enum):
    QUEUED = "QUEUED"  # claimed by a worker, not attempted yet: safe to hand on if it dies
    SENDING = "SENDING"  # an attempt has begun
    RETRY = "RETRY"  # a passing failure: try again at next_attempt_at
    SENT = "SENT"
    FAILED = "FAILED"  # given up (blocked by the user, a bad request, too many tries)
    SKIPPED = "SKIPPED"  # cancelled or moved between the claim and the send
    UNSURE = "UNSURE"  # the sender died mid-send, or the send timed out: maybe sent, so never resent


class Recipient(str, enum.Enum):
    CLIENT = "client"
    PROVIDER = "provider"


#: How far ahead the sender looks: nothing further away can be due.
LOOKAHEAD = timedelta(hours=24)


def due_kinds(start: datetime, start_set_at: datetime, now: datetime) -> list[ReminderKind]:
    """The reminders of an appointment starting at ``start`` that are due at ``now``."""
    start, start_set_at, now = (require_utc(t) for t in (start, start_set_at, now))
    if now >= start:
        return []
    kinds = []
    for kind in ReminderKind:
        due = start - kind.offset
        if now < due or start_set_at > due:
            continue
        if kind is ReminderKind.DAY_BEFORE and start - now <= ReminderKind.HOUR_BEFORE.offset:
            continue  # too late for "tomorrow": the 1 h reminder takes over
        kinds.append(kind)
    return kinds


def dedup_key(appointment_id: int, start: datetime, kind: ReminderKind, recipient: Recipient) -> str:
    """One key per message: a moved appointment (new start) gets new reminders."""
    stamp = int(require_utc(start).timestamp())
    return f"reminder:{appointment_id}:{stamp}:{kind.value}:{recipient.value}"


@dataclass(frozen=True)
class ReminderJob:
    """A reminder this process has claimed and must now send."""

    outbox_id: int
    key: str
    appointment_id: int
    kind: ReminderKind
    recipient: Recipient
    chat_id: int
    #: Whose claim this is: a worker that lost it (its lease ran out) cannot send.
    token: str


def parse_key(key: str) -> tuple[int, ReminderKind, Recipient] | None:
    parts = key.split(":")
    if len(parts) != 5 or parts[0] != "reminder" or not parts[1].isdigit():
        return None
    try:
        return int(parts[1]), ReminderKind(parts[3]), Recipient(parts[4])
    except ValueError:
        return None


async def claim_due_reminders(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[ReminderJob]:
    """Claim up to ``limit`` reminders due at ``now`` that nobody claimed before."""
    jobs, _ = await claim_due_batch(uow, now, limit)
    return jobs


#: Appointments read per batch (most, after the first poll, are claimed already).
SCAN = 500

#: Where a claiming pass stopped: the (start, id) of the last appointment it finished.
Cursor = tuple[datetime, int]


async def claim_due_batch(
    uow: UnitOfWork, now: datetime, limit: int, after: Cursor | None = None
) -> tuple[list[ReminderJob], Cursor | None]:
    """Claim up to ``limit`` due reminders of appointments past ``after``; where it stopped.

    One transaction: each key is inserted into the outbox or, if it is there
    already (sent, queued or being sent by another process, given up), skipped.
    Claiming a small batch at a time bounds what a crashed worker leaves behind;
    the cursor lets the next batch of the same poll skip what this one read
    (with thousands due, rereading them every batch would cost more than sending).
    """
    now = require_utc(now, "now")
    token = uuid.uuid4().hex
    jobs: list[ReminderJob] = []
    cursor = after
    async with uow:
        # Work out what to claim with plain reads, so the write lock is held only
        # for the inserts (a claimed key makes its insert do nothing, so a race
        # between the read and the lock is harmless).
        scanned = await uow.appointments.confirmed_starting_between(now, now + LOOKAHEAD, after, limit=SCAN)
        due = {
            a.id: kinds
            for a in scanned
            if (kinds := due_kinds(a.start, a.start_set_at or a.created_at, now))
        }
        taken = await uow.outbox.claimed_keys(list(due))  # type: ignore[arg-type]
        wanted: list[tuple[Appointment, ReminderKind, Recipient, int]] = []
        for appointment in scanned:
            keys = {
                (kind, recipient)
                for kind in due.get(appointment.id, ())  # type: ignore[arg-type]
                for recipient in Recipient
                if dedup_key(appointment.id, appointment.start, kind, recipient) not in taken  # type: ignore[arg-type]
            }
            if keys:
                chats = dict(await _recipients(uow, appointment))
                more = [(appointment, k, r, chats[r]) for k, r in sorted(keys) if r in chats]
                if wanted and len(wanted) + len(more) > limit:
                    break  # this appointment goes whole into the next batch
                wanted += more
            cursor = (appointment.start, appointment.id)  # type: ignore[assignment]
            if len(wanted) >= limit:
                break
        if not wanted:
            return [], cursor
        await uow.begin_write()
        for appointment, kind, recipient, chat_id in wanted:
            key = dedup_key(appointment.id, appointment.start, kind, recipient)  # type: ignore[arg-type]
            outbox_id = await uow.outbox.claim(key, appointment.id, chat_id, now, token)
            if outbox_id is not None:
                jobs.append(ReminderJob(outbox_id, key, appointment.id, kind, recipient, chat_id, token))  # type: ignore[arg-type]
        await uow.commit()
    return jobs, cursor


async def start_attempt(uow: UnitOfWork, job: ReminderJob, now: datetime) -> bool:
    """Record that this job is about to be sent; ``False`` if it is no longer ours.

    Committed before the send: a worker that dies after this point may have
    sent the message, so it is never sent again (UNSURE); one that dies before
    it leaves a QUEUED row that another worker safely sends.
    """
    async with uow:
        await uow.begin_write()
        started = await uow.outbox.start(job.outbox_id, job.token, require_utc(now, "now"))
        await uow.commit()
    return started


async def release_stale(uow: UnitOfWork, now: datetime, lease: timedelta) -> tuple[int, int]:
    """Claims of workers that died: (marked UNSURE, handed back to be sent)."""
    async with uow:
        await uow.begin_write()
        result = await uow.outbox.abandon_stale(require_utc(now, "now") - lease, now)
        await uow.commit()
    return result


async def _recipients(uow: UnitOfWork, appointment: Appointment) -> list[tuple[Recipient, int]]:
    found = []
    client = await uow.clients.get(appointment.client_id)
    if client is not None and client.unreachable_at is None:
        found.append((Recipient.CLIENT, client.telegram_user_id))
    provider = await uow.providers.get(appointment.provider_id)
    if provider is not None and provider.settings.remind_provider and provider.telegram_user_id:
        found.append((Recipient.PROVIDER, provider.telegram_user_id))
    return found


async def claim_retries(uow: UnitOfWork, now: datetime, limit: int = 200) -> list[ReminderJob]:
    """Reminders whose earlier send failed for a passing reason and whose wait is over."""
    now = require_utc(now, "now")
    token = uuid.uuid4().hex
    jobs = []
    async with uow:
        await uow.begin_write()
        for outbox_id, key, appointment_id, chat_id in await uow.outbox.due_retries(now, limit):
            parsed = parse_key(key)
            if parsed is None or appointment_id is None:
                continue
            if await uow.outbox.reclaim(outbox_id, now, token):
                _, kind, recipient = parsed
                jobs.append(ReminderJob(outbox_id, key, appointment_id, kind, recipient, chat_id, token))
        await uow.commit()
    return jobs


async def still_due(uow: UnitOfWork, job: ReminderJob, now: datetime) -> bool:
    """Re-checked just before sending: a cancelled or moved appointment gets nothing."""
    async with uow:
        appointment = await uow.appointments.get(job.appointment_id)
    if appointment is None or appointment.status is not AppointmentStatus.CONFIRMED:
        return False
    return (
        dedup_key(appointment.id, appointment.start, job.kind, job.recipient) == job.key  # type: ignore[arg-type]
        and appointment.start > now
    )
