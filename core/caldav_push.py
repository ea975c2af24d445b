"""Writing bookings to a provider's CalDAV calendar: the outbox (issue #13, part 2b).

Every booking made, moved or cancelled must reach the calendar once it is
committed, be retried while the server fails, and never become two events. No
service is touched for it: a run of one account

1. takes the account's lease (one process writes an account at a time, so its
   events are written in order) and, in the same transaction, queues a row for
   every revision — (appointment, ``sequence``), which the repository's save
   raises on every change of time or status — of the provider's bookings that
   has no row yet. The unique key (account, appointment, sequence) makes that
   scan idempotent, so no "changed since" watermark can miss a transaction that
   committed late; whatever committed before the scan is seen by it, whatever
   committed after by the next run;
2. sends the due rows one by one: marks the row SENDING (committed), reads the
   appointment's *current* state and PUTs it as ``<uid>.ics`` — or DELETEs it when
   cancelled — then marks it DONE with the state's stamp. A row whose
   appointment has moved on to a newer revision is SUPERSEDED unsent: that
   revision's own row writes the newest state once.

Why retrying is safe here when a Telegram message is not: a PUT of one resource
name is idempotent, and each carries the latest state. So a failed write is
queued again with backoff (FAILED after :data:`MAX_ATTEMPTS`, the error kept for
the provider), and a process that dies mid-write leaves a SENDING row that the
next holder writes again once its claim has run out: at worst the same event is
written twice with the same content, never two events, because the resource
name and UID come from the appointment id alone
(:func:`core.calendar_export.appointment_uid`, the subscription feed's UID too).
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.caldav_model import CalDavAccount, PendingPush, PushStatus
from core.bounded import each_of
from core.caldav_sync import CalDavAccess, CalDavError, CalDavSession, password_of
from core.calendar_export import HISTORY, FeedBooking, appointment_uid, booking_event
from core.localtime import require_utc
from core.model import AppointmentStatus, Provider
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

#: Outlives any one write (bot/caldav_client.py gives a request 20 s) and is renewed
#: before each: a holder that stalls longer loses the account to the next process.
PUSH_LEASE = timedelta(minutes=2)
#: Rows one run sends for an account; the rest go in the next run.
PER_RUN = 200
MAX_ATTEMPTS = 8
#: Accounts one process writes at once (a database connection each).
PUSH_CONCURRENCY = 2
ACCOUNTS_PER_RUN = 500
_MAX_ERROR = 300


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … 64 minutes: eight attempts span about two hours of an outage."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


class PushOutcome(str, enum.Enum):
    RAN = "RAN"  # this process held the account and sent what was due
    HELD = "HELD"  # another process is writing this account
    GONE = "GONE"  # disconnected


@dataclass(frozen=True)
class PushResult:
    account_id: int
    outcome: PushOutcome
    provider_id: int | None = None
    written: int = 0  # events put or deleted
    failed: int = 0  # writes that failed (queued again, or given up)
    skipped: int = 0  # rows a newer revision made needless
    error: str | None = None  # the last failure's reason
    # Of ``failed``, the rows this run gave up on (FAILED): each row is given up once,
    # by the one process holding the lease, so telling it after this run tells it once.
    given_up: int = 0


class _Lost(Exception):
    """The lease ran out under us: another process holds the account now."""


async def push_account(
    uows: Callable[[], UnitOfWork],
    account_id: int,
    access: CalDavAccess,
    *,
    clock: Callable[[], datetime],
    keep_going: Callable[[], bool] = lambda: True,
    waiting_too: bool = False,
) -> PushResult:
    """One run of one account (see the module's docstring). ``waiting_too``: also the rows
    waiting out a failure's backoff (``slotbot calendar caldav-sync``)."""
    token = secrets.token_hex(16)
    now = require_utc(clock(), "now")
    async with uows() as uow:
        found = await uow.caldav.account(account_id)
        if found is None:
            return PushResult(account_id, PushOutcome.GONE)
        await uow.begin_write(found.provider_id)
        if not await uow.caldav.claim(account_id, token, now, now + PUSH_LEASE):
            return PushResult(account_id, PushOutcome.HELD, found.provider_id)
        account = await uow.caldav.account(account_id)  # as it is under the lease
        provider = await uow.providers.get(found.provider_id)
        assert account is not None and provider is not None  # under the lock; a foreign key
        await uow.caldav.enqueue_changes(account_id, account.provider_id, now - HISTORY, now)
        due = await uow.caldav.due_pushes(account_id, now, PER_RUN, waiting_too=waiting_too)
        sending, older = latest_revisions(due)
        for push in older:
            await uow.caldav.finish_push(push.id, PushStatus.SUPERSEDED, now)
        if not sending:
            await uow.caldav.release(account, token)  # nothing to write: one transaction
        await uow.commit()
    if not sending:
        return PushResult(account_id, PushOutcome.RAN, account.provider_id, skipped=len(older))
    run = _Run(uows, account, provider, access, token, clock)
    run.skipped = len(older)
    try:
        await run.send(sending, keep_going)
    except _Lost:
        log.info("CalDAV account %s: the lease ran out mid-run", account_id)
        return run.result()
    await run.release()
    return run.result()


def latest_revisions(due: Sequence[PendingPush]) -> tuple[list[PendingPush], list[PendingPush]]:
    """Of each appointment's due rows, the newest revision to send and the rest to drop."""
    newest: dict[int, PendingPush] = {}
    for push in due:
        held = newest.get(push.appointment_id)
        if held is None or push.sequence > held.sequence:
            newest[push.appointment_id] = push
    keep = {p.id for p in newest.values()}
    return [p for p in due if p.id in keep], [p for p in due if p.id not in keep]


class _Run:
    """One account's sending, from the lease to its release."""

    def __init__(
        self, uows: Callable[[], UnitOfWork], account: CalDavAccount, provider: Provider,
        access: CalDavAccess, token: str, clock: Callable[[], datetime],
    ) -> None:
        assert account.id is not None
        self.uows, self.account, self.provider = uows, account, provider
        self.account_id = account.id
        self.access, self.token, self.clock = access, token, clock
        self.written = self.failed = self.skipped = self.given_up = 0
        self.error: str | None = None

    def result(self) -> PushResult:
        return PushResult(
            self.account_id, PushOutcome.RAN, self.account.provider_id,
            self.written, self.failed, self.skipped, self.error, self.given_up,
        )

    async def send(self, pushes: list[PendingPush], keep_going: Callable[[], bool]) -> None:
        try:
            password = password_of(self.account, self.access)
            session = await self.access.client.open(
                self.account.url, self.account.username, password
            )
        except CalDavError as exc:
            self.error = exc.reason  # the rows stay queued: nothing was tried
            return
        try:
            for push in pushes:
                if not keep_going():
                    return  # the bot is stopping; the rows stay queued
                try:
                    await self._send_one(session, push)
                except CalDavError as exc:
                    if exc.auth:
                        return  # every other write would be refused the same way
        finally:
            await session.close()

    async def _send_one(self, session: CalDavSession, push: PendingPush) -> None:
        booking = await self._start(push)
        if booking is None:
            return
        uid = appointment_uid(booking.appointment_id, self.access.host_label)
        try:
            if booking.status is AppointmentStatus.CANCELLED:
                await session.delete_event(self.account.calendar_url, uid)
            else:
                body = booking_event(
                    self._placed(booking), host_label=self.access.host_label,
                    labels=self.access.labels(self.provider.language),
                )
                await session.put_event(self.account.calendar_url, uid, body)
        except CalDavError as exc:
            await self._failed(push, exc.reason)
            raise
        await self._finish(push.id, PushStatus.DONE, stamp=booking.last_modified)
        self.written += 1

    async def _start(self, push: PendingPush) -> FeedBooking | None:
        """Mark the row SENDING and read what to write; None: nothing to write for it."""
        now = self.clock()
        async with self.uows() as uow:
            await self._renewed(uow, now)
            booking = await uow.caldav.booking(push.appointment_id)
            if booking is None or booking.sequence > push.sequence:
                await uow.caldav.finish_push(push.id, PushStatus.SUPERSEDED, now)
                await uow.commit()
                self.skipped += 1
                return None
            await uow.caldav.start_push(push.id, now, now + PUSH_LEASE)
            await uow.commit()
        return booking

    async def _renewed(self, uow: UnitOfWork, now: datetime) -> None:
        """Take the write lock and extend the lease, or :class:`_Lost` if it is not ours."""
        await uow.begin_write(self.account.provider_id)
        if not await uow.caldav.renew(self.account_id, self.token, now, now + PUSH_LEASE):
            raise _Lost()

    def _placed(self, booking: FeedBooking) -> FeedBooking:
        # In person, the place is the provider's address (as in the subscription feed).
        if booking.is_virtual or not self.provider.address:
            return booking
        return replace(booking, place=self.provider.address)

    async def _failed(self, push: PendingPush, reason: str) -> None:
        attempts = push.attempts + 1
        now = self.clock()
        log.info("CalDAV account %s: appointment %s not written (attempt %s): %s",
                 self.account.id, push.appointment_id, attempts, reason)
        self.failed += 1
        self.error = reason[:_MAX_ERROR]
        if attempts >= MAX_ATTEMPTS:
            await self._finish(push.id, PushStatus.FAILED, error=self.error)
            self.given_up += 1
        else:
            await self._finish(
                push.id, PushStatus.QUEUED, error=self.error,
                next_attempt_at=now + backoff(attempts),
            )

    async def _finish(self, push_id: int, status: PushStatus, **outcome: object) -> None:
        now = self.clock()
        async with self.uows() as uow:
            # Only while the lease is ours: after it ran out, the row is the next holder's.
            await self._renewed(uow, now)
            await uow.caldav.finish_push(push_id, status, now, **outcome)  # type: ignore[arg-type]
            await uow.commit()

    async def release(self) -> None:
        """End the lease, keeping the run's error (and since when) for the provider."""
        now = self.clock()
        account = self.account
        if self.error is not None:
            since = account.error_since or now  # the run of failures began then
            account = replace(account, last_error=self.error, error_since=since)
        elif self.written:
            account = replace(account, last_push_at=now, last_error=None, error_since=None)
        async with self.uows() as uow:
            await uow.begin_write(account.provider_id)
            await uow.caldav.release(account, self.token)
            await uow.commit()


async def push_due_accounts(
    uows: Callable[[], UnitOfWork],
    access: CalDavAccess,
    *,
    clock: Callable[[], datetime],
    keep_going: Callable[[], bool] = lambda: True,
) -> list[PushResult]:
    """The timed run: every account no process holds, two at a time."""
    async with uows() as uow:
        accounts = await uow.caldav.unleased(require_utc(clock(), "now"), ACCOUNTS_PER_RUN)

    async def push(account_id: int) -> PushResult:
        return await push_account(uows, account_id, access, clock=clock, keep_going=keep_going)

    return await each_of(accounts, push, PUSH_CONCURRENCY, keep_going)


@dataclass(frozen=True)
class GivenUpNotice:
    """What a provider is told after a run gave up writing bookings to their calendar."""

    account: CalDavAccount  # with the run's error
    provider: Provider
    given_up: int


async def given_up_notice(uow: UnitOfWork, result: PushResult) -> GivenUpNotice | None:
    """The notice for ``result``'s given-up writes; None: nothing to tell, or nobody to tell."""
    if not result.given_up:
        return None
    async with uow:
        account = await uow.caldav.account(result.account_id)
        provider = None if account is None else await uow.providers.get(account.provider_id)
    if account is None or provider is None or provider.telegram_user_id is None:
        return None
    if result.error is not None and account.last_error is None:
        account = replace(account, last_error=result.error)
    return GivenUpNotice(account, provider, result.given_up)
