"""The fake unit of work's CalDAV accounts and outbox (:class:`core.ports.CalDavRepository`).

Kept like ``storage/caldav.py``: one account a provider, a lease taken only when
none runs and renewed only by its holder, one outbox row per (account,
appointment, sequence), a cancelled appointment queued only once written, rows
queued again when the appointment's stamp moves past theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.caldav_model import CalDavAccount, PendingPush, PushCounts, PushStatus
from core.calendar_export import FeedBooking
from core.model import MAX_APPOINTMENT_LENGTH, AppointmentStatus

if TYPE_CHECKING:
    from tests.unit.fakes import FakeUnitOfWork


@dataclass
class OutboxRow:
    id: int
    account_id: int
    appointment_id: int
    sequence: int
    status: PushStatus
    stamp: datetime
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None


@dataclass
class CalDavState:
    accounts: dict[int, CalDavAccount] = field(default_factory=dict)
    leases: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # token, until
    outbox: dict[int, OutboxRow] = field(default_factory=dict)


class FakeCalDavRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _data(self) -> CalDavState:
        return self._uow.working_state().caldav

    def _write(self, account_id: int) -> None:
        self._uow.require_write_lock(self._data.accounts[account_id].provider_id)

    async def add_account(self, account: CalDavAccount) -> CalDavAccount:
        self._uow.require_write_lock(account.provider_id)
        if any(a.provider_id == account.provider_id for a in self._data.accounts.values()):
            raise AssertionError("caldav_accounts.provider_id is unique")
        added = replace(account, id=self._uow.store.next_id("caldav_accounts"))
        self._data.accounts[added.id] = added  # type: ignore[index]
        return added

    async def account(self, account_id: int) -> CalDavAccount | None:
        return self._data.accounts.get(account_id)

    async def account_of(self, provider_id: int) -> CalDavAccount | None:
        return next((a for a in self._data.accounts.values() if a.provider_id == provider_id), None)

    async def accounts(self, provider_id: int | None = None) -> list[CalDavAccount]:
        return [a for _, a in sorted(self._data.accounts.items())
                if provider_id in (None, a.provider_id)]

    async def update_account(self, account: CalDavAccount) -> None:
        self._write(account.id)  # type: ignore[arg-type]
        stored = self._data.accounts[account.id]  # type: ignore[index]
        self._data.accounts[account.id] = replace(  # type: ignore[index]
            account, provider_id=stored.provider_id, created_at=stored.created_at
        )

    async def remove_account(self, account_id: int) -> None:
        self._write(account_id)
        del self._data.accounts[account_id]
        self._data.leases.pop(account_id, None)
        await self.forget_pushes(account_id)

    async def unleased(self, now: datetime, limit: int) -> list[int]:
        return [i for i in sorted(self._data.accounts) if not self._leased(i, now)][:limit]

    async def claim(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        if account_id not in self._data.accounts or self._leased(account_id, now):
            return False
        self._write(account_id)
        self._data.leases[account_id] = (token, until)
        return True

    async def renew(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        held = self._data.leases.get(account_id)
        if held is None or held[0] != token or held[1] < now:
            return False
        self._write(account_id)
        self._data.leases[account_id] = (token, until)
        return True

    async def release(self, account: CalDavAccount, token: str) -> bool:
        held = self._data.leases.get(account.id)  # type: ignore[arg-type]
        if held is None or held[0] != token:
            return False
        self._write(account.id)  # type: ignore[arg-type]
        stored = self._data.accounts[account.id]  # type: ignore[index]
        self._data.accounts[account.id] = replace(  # type: ignore[index]
            stored, last_push_at=account.last_push_at, last_error=account.last_error,
            error_since=account.error_since,
        )
        del self._data.leases[account.id]  # type: ignore[arg-type]
        return True

    async def enqueue_changes(
        self, account_id: int, provider_id: int, since: datetime, now: datetime
    ) -> int:
        self._write(account_id)
        state = self._uow.working_state()
        rows = [r for r in self._data.outbox.values() if r.account_id == account_id]
        queued = 0
        for a in state.appointments.values():
            if a.provider_id != provider_id or a.end <= since:
                continue
            if a.start <= since - MAX_APPOINTMENT_LENGTH:  # as the SQL's index bound
                continue
            sequence = state.sequences.get(a.id, 0)  # type: ignore[arg-type]
            stamp = a.updated_at or a.created_at
            mine = [r for r in rows if r.appointment_id == a.id]
            same = [r for r in mine if r.sequence == sequence]
            if not same:
                if a.status is AppointmentStatus.CANCELLED and not mine:
                    continue
                row_id = self._uow.store.next_id("caldav_outbox")
                self._data.outbox[row_id] = OutboxRow(
                    row_id, account_id, a.id, sequence, PushStatus.QUEUED,  # type: ignore[arg-type]
                    stamp, now, next_attempt_at=now,
                )
                queued += 1
            elif same[0].status in (PushStatus.DONE, PushStatus.FAILED) and same[0].stamp < stamp:
                same[0].status, same[0].attempts = PushStatus.QUEUED, 0
                same[0].next_attempt_at, same[0].last_error = now, None
                queued += 1
        finished = (PushStatus.DONE, PushStatus.FAILED, PushStatus.SUPERSEDED)
        for row in rows:
            appointment = state.appointments.get(row.appointment_id)
            ended = appointment is not None and appointment.end <= since
            if row.status in finished and row.created_at < since and ended:
                del self._data.outbox[row.id]
        return queued

    async def due_pushes(
        self, account_id: int, now: datetime, limit: int, *, waiting_too: bool = False
    ) -> list[PendingPush]:
        due = [
            r for _, r in sorted(self._data.outbox.items())
            if r.account_id == account_id and (
                (r.status is PushStatus.QUEUED
                 and (waiting_too or r.next_attempt_at <= now))  # type: ignore[operator]
                or (r.status is PushStatus.SENDING
                    and r.claimed_until < now)  # type: ignore[operator]
            )
        ]
        return [PendingPush(r.id, r.appointment_id, r.sequence, r.attempts) for r in due[:limit]]

    async def start_push(self, push_id: int, now: datetime, until: datetime) -> None:
        row = self._data.outbox[push_id]
        self._write(row.account_id)
        row.status, row.claimed_until, row.attempts = PushStatus.SENDING, until, row.attempts + 1

    async def finish_push(
        self, push_id: int, status: PushStatus, now: datetime, *, stamp: datetime | None = None,
        error: str | None = None, next_attempt_at: datetime | None = None,
    ) -> None:
        row = self._data.outbox[push_id]
        self._write(row.account_id)
        row.status, row.claimed_until, row.last_error = status, None, error
        row.next_attempt_at = next_attempt_at
        if stamp is not None:
            row.stamp = stamp

    async def forget_pushes(self, account_id: int) -> None:
        for row_id in [i for i, r in self._data.outbox.items() if r.account_id == account_id]:
            del self._data.outbox[row_id]

    async def retry_failed(self, account_id: int, now: datetime) -> int:
        self._write(account_id)
        failed = [r for r in self._data.outbox.values()
                  if r.account_id == account_id and r.status is PushStatus.FAILED]
        for row in failed:
            row.status, row.attempts, row.next_attempt_at, row.last_error = (
                PushStatus.QUEUED, 0, now, None
            )
        return len(failed)

    async def push_counts(self, account_id: int) -> PushCounts:
        statuses = [r.status for r in self._data.outbox.values() if r.account_id == account_id]
        return PushCounts(
            pending=sum(s in (PushStatus.QUEUED, PushStatus.SENDING) for s in statuses),
            done=statuses.count(PushStatus.DONE), failed=statuses.count(PushStatus.FAILED),
        )

    async def booking(self, appointment_id: int) -> FeedBooking | None:
        state = self._uow.working_state()
        a = state.appointments.get(appointment_id)
        if a is None:
            return None
        appt_type = state.types[a.type_id]
        return FeedBooking(
            appointment_id=appointment_id, start=a.start, end=a.end, status=a.status,
            type_name=appt_type.name, sequence=state.sequences.get(appointment_id, 0),
            last_modified=a.updated_at or a.created_at, client_name=state.clients[a.client_id].name,
            notes=a.notes, is_virtual=appt_type.is_virtual, cancelled_at=a.cancelled_at,
        )

    async def busy_due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        feeds = self._uow.working_state().calendar
        due = []
        for account in self._data.accounts.values():
            feed = feeds.feeds.get(account.feed_id)  # type: ignore[arg-type]
            if feed is None:
                continue
            held = feeds.leases.get(feed.id)  # type: ignore[arg-type]
            if held is not None and held[1] >= now:
                continue
            if feed.last_attempt_at is None or feed.last_attempt_at < attempted_before:
                waited = feed.last_attempt_at or now
                due.append((feed.last_attempt_at is not None, waited, account.id))
        return [account_id for *_, account_id in sorted(due)][:limit]  # type: ignore[misc]

    def _leased(self, account_id: int, now: datetime) -> bool:
        held = self._data.leases.get(account_id)
        return held is not None and held[1] >= now
