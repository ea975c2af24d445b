"""SQLAlchemy repository of calendar feeds: their sync state, lease and busy intervals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.caldav_model import CALDAV_FEED_PREFIX
from core.model import CalendarFeed
from storage.orm import CalendarBusyRow, CalendarFeedRow

if TYPE_CHECKING:
    from core.calendar_feed import BusyInterval

_FEED = CalendarFeedRow
# A CalDAV account's busy times live in a feed row of its own (core/caldav_model.py):
# synced by the CalDAV job, listed with the account, never fetched as a web address.
_WEB_FEED = _FEED.url.not_like(f"{CALDAV_FEED_PREFIX}%")
# Bulk statements: no loaded row needs to follow them (get() reads afresh).
_NO_SYNC = {"synchronize_session": False}
# What a sync changes; the rest (provider, url, created_at) is fixed when added.
_SYNC_STATE = (
    "etag", "last_modified", "last_attempt_at", "last_sync_at", "expanded_until",
    "event_count", "busy_count", "last_error", "error_since", "error_told_at",
)


def _feed(row: CalendarFeedRow) -> CalendarFeed:
    return CalendarFeed(
        id=row.id, provider_id=row.provider_id, url=row.url, created_at=row.created_at,
        **{name: getattr(row, name) for name in _SYNC_STATE},
    )


class SqlCalendarFeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, feed: CalendarFeed) -> CalendarFeed:
        row = CalendarFeedRow(
            provider_id=feed.provider_id, url=feed.url, created_at=feed.created_at,
            **{name: getattr(feed, name) for name in _SYNC_STATE},
        )
        self._session.add(row)
        await self._session.flush()
        return _feed(row)

    async def get(self, feed_id: int) -> CalendarFeed | None:
        row = await self._session.get(CalendarFeedRow, feed_id, populate_existing=True)
        return None if row is None else _feed(row)

    async def listed(self, provider_id: int | None = None) -> list[CalendarFeed]:
        query = select(CalendarFeedRow).where(_WEB_FEED).order_by(CalendarFeedRow.id)
        if provider_id is not None:
            query = query.where(CalendarFeedRow.provider_id == provider_id)
        return [_feed(row) for row in await self._session.scalars(query)]

    async def remove(self, feed_id: int) -> None:
        # The foreign key cascades too; saying it here does not depend on SQLite's
        # per-connection foreign_keys pragma.
        await self._delete_busy(feed_id)
        await self._session.execute(
            delete(CalendarFeedRow).where(CalendarFeedRow.id == feed_id),
            execution_options=_NO_SYNC,
        )

    async def due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        rows = await self._session.scalars(
            select(_FEED.id)
            .where(
                _WEB_FEED,
                or_(_FEED.last_attempt_at.is_(None), _FEED.last_attempt_at < attempted_before),
                or_(_FEED.lease_until.is_(None), _FEED.lease_until < now),
            )
            # Never tried first, then the longest waiting (NULLS FIRST, portably).
            .order_by(_FEED.last_attempt_at.is_not(None), _FEED.last_attempt_at, _FEED.id)
            .limit(limit)
        )
        return list(rows)

    async def claim(self, feed_id: int, token: str, now: datetime, until: datetime) -> bool:
        # One conditional UPDATE: on PostgreSQL a second claimer waits for the
        # first one's row lock, then finds the lease taken; SQLite has one writer.
        result = await self._session.execute(
            update(_FEED)
            .where(_FEED.id == feed_id, or_(_FEED.lease_until.is_(None), _FEED.lease_until < now))
            .values(lease_until=until, lease_token=token),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    async def finish(self, feed: CalendarFeed, token: str) -> bool:
        values: dict[str, Any] = {name: getattr(feed, name) for name in _SYNC_STATE}
        result = await self._session.execute(
            update(_FEED)
            .where(_FEED.id == feed.id, _FEED.lease_token == token)
            .values(**values, lease_until=None, lease_token=None),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    async def replace_busy(
        self, feed_id: int, provider_id: int, busy: Sequence[BusyInterval]
    ) -> None:
        await self._delete_busy(feed_id)
        if busy:
            connection = await self._session.connection()
            await connection.execute(insert(CalendarBusyRow.__table__), [
                {"feed_id": feed_id, "provider_id": provider_id, "uid": b.uid,
                 "starts_at": b.start, "ends_at": b.end}
                for b in busy
            ])

    async def _delete_busy(self, feed_id: int) -> None:
        await self._session.execute(
            delete(CalendarBusyRow).where(CalendarBusyRow.feed_id == feed_id),
            execution_options=_NO_SYNC,
        )

    async def busy(self, feed_id: int) -> list[BusyInterval]:
        from core.calendar_feed import BusyInterval  # icalendar only where feeds are read

        rows = await self._session.execute(
            select(CalendarBusyRow.starts_at, CalendarBusyRow.ends_at, CalendarBusyRow.uid)
            .where(CalendarBusyRow.feed_id == feed_id)
            .order_by(CalendarBusyRow.starts_at, CalendarBusyRow.id)
        )
        return [BusyInterval(start, end, uid) for start, end, uid in rows]

    async def mark_error_told(self, feed_id: int, now: datetime) -> bool:
        # Conditional: of two processes telling the same failure, one changes the row.
        result = await self._session.execute(
            update(_FEED)
            .where(
                _FEED.id == feed_id, _FEED.last_error.is_not(None), _FEED.error_told_at.is_(None)
            )
            .values(error_told_at=now),
            execution_options=_NO_SYNC,
        )
        return _changed(result)

    async def release_error_told(self, feed_id: int, told_at: datetime) -> None:
        await self._session.execute(
            update(_FEED)
            .where(_FEED.id == feed_id, _FEED.error_told_at == told_at)
            .values(error_told_at=None),
            execution_options=_NO_SYNC,
        )


def _changed(result: Any) -> bool:
    return bool(result.rowcount == 1)
