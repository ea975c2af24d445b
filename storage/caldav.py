"""SQLAlchemy repository of CalDAV accounts and their outbox (:class:`core.ports.CalDavRepository`).

The outbox is filled by one ``INSERT … SELECT`` per account run: every revision
(appointment id, sequence) of the provider's window that has no row yet. The
unique key (account, appointment, sequence) makes that idempotent, whoever scans
and however often, and it needs no "changed since" watermark — one taken from the
services' clock would miss a transaction that committed late with an early stamp.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.caldav_model import CalDavAccount, PendingPush, PushCounts, PushStatus
from core.model import MAX_APPOINTMENT_LENGTH, AppointmentStatus
from storage.orm import (
    AppointmentRow,
    AppointmentTypeRow,
    CalDavAccountRow,
    CalDavOutboxRow,
    CalendarFeedRow,
    ClientRow,
    UTCDateTime,
)

if TYPE_CHECKING:
    from core.calendar_export import FeedBooking

_ACC, _OUT, _APPT, _FEED = CalDavAccountRow, CalDavOutboxRow, AppointmentRow, CalendarFeedRow
_NO_SYNC = {"synchronize_session": False}
_STATE = (
    "url", "username", "password_encrypted", "calendar_url", "calendar_name", "feed_id",
    "last_push_at", "last_error", "error_since",
)
_QUEUED, _SENDING, _DONE, _FAILED, _SUPERSEDED = (s.value for s in PushStatus)
_CANCELLED = AppointmentStatus.CANCELLED.value


def _account(row: Any) -> CalDavAccount:
    return CalDavAccount(
        id=row.id, provider_id=row.provider_id, created_at=row.created_at,
        **{name: getattr(row, name) for name in _STATE},
    )


def _changed(result: Any) -> bool:
    return bool(result.rowcount == 1)


class SqlCalDavRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ------------------------------------------------------------------ accounts

    async def add_account(self, account: CalDavAccount) -> CalDavAccount:
        row = CalDavAccountRow(
            provider_id=account.provider_id, created_at=account.created_at,
            **{name: getattr(account, name) for name in _STATE},
        )
        self._session.add(row)
        await self._session.flush()
        return _account(row)

    async def account(self, account_id: int) -> CalDavAccount | None:
        row = await self._session.get(CalDavAccountRow, account_id, populate_existing=True)
        return None if row is None else _account(row)

    async def account_of(self, provider_id: int) -> CalDavAccount | None:
        row = await self._session.scalar(select(_ACC).where(_ACC.provider_id == provider_id))
        return None if row is None else _account(row)

    async def accounts(self, provider_id: int | None = None) -> list[CalDavAccount]:
        query = select(_ACC).order_by(_ACC.id)
        if provider_id is not None:
            query = query.where(_ACC.provider_id == provider_id)
        return [_account(row) for row in await self._session.scalars(query)]

    async def update_account(self, account: CalDavAccount) -> None:
        await self._session.execute(
            update(_ACC).where(_ACC.id == account.id)
            .values(**{name: getattr(account, name) for name in _STATE}),
            execution_options=_NO_SYNC,
        )

    async def remove_account(self, account_id: int) -> None:
        # The foreign key cascades too; said here so it does not depend on SQLite's
        # per-connection foreign_keys pragma.
        await self.forget_pushes(account_id)
        await self._session.execute(
            delete(_ACC).where(_ACC.id == account_id), execution_options=_NO_SYNC
        )

    # ---------------------------------------------------------------------- lease

    async def unleased(self, now: datetime, limit: int) -> list[int]:
        rows = await self._session.scalars(
            select(_ACC.id).where(or_(_ACC.lease_until.is_(None), _ACC.lease_until < now))
            .order_by(_ACC.id).limit(limit)
        )
        return list(rows)

    async def claim(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        # One conditional UPDATE, as the feeds' lease: of two claimers, one wins.
        result = await self._session.execute(
            update(_ACC)
            .where(_ACC.id == account_id, or_(_ACC.lease_until.is_(None), _ACC.lease_until < now))
            .values(lease_until=until, lease_token=token),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    async def renew(self, account_id: int, token: str, now: datetime, until: datetime) -> bool:
        result = await self._session.execute(
            update(_ACC)
            .where(_ACC.id == account_id, _ACC.lease_token == token, _ACC.lease_until >= now)
            .values(lease_until=until),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    async def release(self, account: CalDavAccount, token: str) -> bool:
        result = await self._session.execute(
            update(_ACC)
            .where(_ACC.id == account.id, _ACC.lease_token == token)
            .values(
                last_push_at=account.last_push_at, last_error=account.last_error,
                error_since=account.error_since, lease_until=None, lease_token=None,
            ),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    # --------------------------------------------------------------------- outbox

    async def enqueue_changes(
        self, account_id: int, provider_id: int, since: datetime, now: datetime
    ) -> int:
        a, o = _APPT, _OUT
        earlier = aliased(CalDavOutboxRow)
        stamp = func.coalesce(a.updated_at, a.created_at)
        in_window = and_(
            a.provider_id == provider_id,
            # No appointment is longer than this: the index range's lower end.
            a.starts_at > since - MAX_APPOINTMENT_LENGTH,
            a.ends_at > since,
        )
        # A cancelled appointment never written to this calendar has nothing to remove.
        written_before = exists().where(
            earlier.account_id == account_id, earlier.appointment_id == a.id
        )
        has_row = exists().where(
            o.account_id == account_id, o.appointment_id == a.id, o.sequence == a.sequence
        )
        new_revisions = select(
            literal(account_id), a.id, a.sequence, literal(_QUEUED, String(12)), literal(0),
            literal(now, UTCDateTime()), stamp, literal(now, UTCDateTime()),
        ).where(in_window, or_(a.status != _CANCELLED, written_before), ~has_row)
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        inserted = await self._session.execute(
            insert(o)
            .from_select(
                ["account_id", "appointment_id", "sequence", "status", "attempts",
                 "next_attempt_at", "stamp", "created_at"],
                new_revisions,
            )
            .on_conflict_do_nothing(index_elements=["account_id", "appointment_id", "sequence"]),
            execution_options=_NO_SYNC,
        )
        # The same revision changed in what it shows (a forgotten client's name and
        # note: /forgetme stamps updated_at but changes no sequence).
        changed_since = (
            select(stamp)
            .where(a.id == o.appointment_id, a.sequence == o.sequence, a.ends_at > since)
            .scalar_subquery()
        )
        requeued = await self._session.execute(
            update(o)
            .where(
                o.account_id == account_id,
                o.status.in_([_DONE, _FAILED]),
                o.stamp < changed_since,
            )
            .values(status=_QUEUED, attempts=0, next_attempt_at=now, last_error=None),
            execution_options=_NO_SYNC,
        )
        await self._session.execute(
            delete(o).where(
                o.account_id == account_id,
                o.status.in_([_DONE, _FAILED, _SUPERSEDED]),
                o.created_at < since,
                exists().where(a.id == o.appointment_id, a.ends_at <= since),
            ),
            execution_options=_NO_SYNC,
        )
        return max(inserted.rowcount or 0, 0) + (requeued.rowcount or 0)

    async def due_pushes(
        self, account_id: int, now: datetime, limit: int, *, waiting_too: bool = False
    ) -> list[PendingPush]:
        o = _OUT
        queued = o.status == _QUEUED
        if not waiting_too:  # "sync now" sends rows waiting out a failure's backoff too
            queued = and_(queued, o.next_attempt_at <= now)
        rows = await self._session.execute(
            select(o.id, o.appointment_id, o.sequence, o.attempts)
            .where(
                o.account_id == account_id,
                or_(
                    queued,
                    # Its sender died or lost the lease mid-write: a PUT of the latest
                    # state is idempotent, so it is simply written again.
                    and_(o.status == _SENDING, o.claimed_until < now),
                ),
            )
            .order_by(o.id)
            .limit(limit)
        )
        return [PendingPush(*row) for row in rows]

    async def start_push(self, push_id: int, now: datetime, until: datetime) -> None:
        await self._session.execute(
            update(_OUT).where(_OUT.id == push_id)
            .values(status=_SENDING, claimed_until=until, attempts=_OUT.attempts + 1),
            execution_options=_NO_SYNC,
        )

    async def finish_push(
        self, push_id: int, status: PushStatus, now: datetime, *, stamp: datetime | None = None,
        error: str | None = None, next_attempt_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status.value, "claimed_until": None, "last_error": error,
            "next_attempt_at": next_attempt_at,
        }
        if status is PushStatus.DONE:
            values["done_at"] = now
        if stamp is not None:
            values["stamp"] = stamp
        await self._session.execute(
            update(_OUT).where(_OUT.id == push_id).values(**values), execution_options=_NO_SYNC
        )

    async def forget_pushes(self, account_id: int) -> None:
        await self._session.execute(
            delete(_OUT).where(_OUT.account_id == account_id), execution_options=_NO_SYNC
        )

    async def retry_failed(self, account_id: int, now: datetime) -> int:
        result = await self._session.execute(
            update(_OUT).where(_OUT.account_id == account_id, _OUT.status == _FAILED)
            .values(status=_QUEUED, attempts=0, next_attempt_at=now, last_error=None),
            execution_options=_NO_SYNC,
        )
        return result.rowcount or 0

    async def push_counts(self, account_id: int) -> PushCounts:
        rows = await self._session.execute(
            select(_OUT.status, func.count()).where(_OUT.account_id == account_id)
            .group_by(_OUT.status)
        )
        counts = dict(rows.all())
        return PushCounts(
            pending=counts.get(_QUEUED, 0) + counts.get(_SENDING, 0),
            done=counts.get(_DONE, 0), failed=counts.get(_FAILED, 0),
        )

    async def booking(self, appointment_id: int) -> FeedBooking | None:
        from core.calendar_export import FeedBooking  # icalendar only where events are built

        a, c, t = _APPT, ClientRow, AppointmentTypeRow
        row = (await self._session.execute(
            select(
                a.id, a.starts_at, a.ends_at, a.status, a.sequence, a.created_at, a.updated_at,
                a.cancelled_at, a.notes, c.name, t.name, t.is_virtual,
            )
            .join(c, c.id == a.client_id).join(t, t.id == a.type_id)
            .where(a.id == appointment_id)
        )).first()
        if row is None:
            return None
        (id_, start, end, status, sequence, created, updated, cancelled, notes,
         client_name, type_name, is_virtual) = row
        return FeedBooking(
            appointment_id=id_, start=start, end=end, status=AppointmentStatus(status),
            type_name=type_name, sequence=sequence, last_modified=updated or created,
            client_name=client_name, notes=notes, is_virtual=is_virtual, cancelled_at=cancelled,
        )

    async def busy_due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        rows = await self._session.scalars(
            select(_ACC.id)
            .join(_FEED, _FEED.id == _ACC.feed_id)
            .where(
                or_(_FEED.last_attempt_at.is_(None), _FEED.last_attempt_at < attempted_before),
                or_(_FEED.lease_until.is_(None), _FEED.lease_until < now),
            )
            .order_by(_FEED.last_attempt_at.is_not(None), _FEED.last_attempt_at, _ACC.id)
            .limit(limit)
        )
        return list(rows)
