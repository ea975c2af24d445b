"""The fake unit of work's calendar feeds (:class:`core.ports.CalendarFeedRepository`).

Kept like the SQL repository: a lease is taken only when none runs, ``finish``
only by the lease's holder, busy intervals are replaced whole, and none may be
longer than MAX_APPOINTMENT_LENGTH (the SQL range reads rely on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.caldav_model import is_caldav_feed
from core.calendar_feed import BusyInterval
from core.model import MAX_APPOINTMENT_LENGTH, BusyPeriod, CalendarFeed


@dataclass
class FeedState:
    feeds: dict[int, CalendarFeed] = field(default_factory=dict)
    leases: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # token, until
    busy: dict[int, list[BusyInterval]] = field(default_factory=dict)

    def busy_of_provider(
        self, provider_id: int, start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        return [
            BusyPeriod(b.start, b.end, None)
            for feed_id, intervals in self.busy.items()
            if self.feeds[feed_id].provider_id == provider_id
            for b in intervals
            if b.start < end and b.end > start
        ]


class FakeCalendarFeedRepository:
    def __init__(self, uow) -> None:  # type: ignore[no-untyped-def]
        self._uow = uow

    @property
    def _data(self) -> FeedState:
        return self._uow.working_state().calendar

    async def add(self, feed: CalendarFeed) -> CalendarFeed:
        self._uow.require_write_lock(feed.provider_id)
        if feed.provider_id not in self._uow.working_state().providers:
            raise AssertionError(f"no provider {feed.provider_id}")
        added = replace(feed, id=self._uow.store.next_id("calendar_feeds"))
        self._data.feeds[added.id] = added  # type: ignore[index]
        return added

    async def get(self, feed_id: int) -> CalendarFeed | None:
        return self._data.feeds.get(feed_id)

    async def listed(self, provider_id: int | None = None) -> list[CalendarFeed]:
        feeds = sorted(self._data.feeds.items())
        # A CalDAV account's feed row is listed with the account (storage/calendar_feeds.py).
        return [
            f for _, f in feeds
            if provider_id in (None, f.provider_id) and not is_caldav_feed(f.url)
        ]

    async def remove(self, feed_id: int) -> None:
        feed = self._data.feeds.pop(feed_id, None)
        if feed is not None:
            self._uow.require_write_lock(feed.provider_id)
        self._data.busy.pop(feed_id, None)
        self._data.leases.pop(feed_id, None)

    async def due(self, attempted_before: datetime, now: datetime, limit: int) -> list[int]:
        due = [
            f for f in self._data.feeds.values()
            if (f.last_attempt_at is None or f.last_attempt_at < attempted_before)
            and not is_caldav_feed(f.url)
            and not self._leased(f.id, now)  # type: ignore[arg-type]
        ]
        due.sort(key=lambda f: (f.last_attempt_at is not None, f.last_attempt_at or now, f.id))
        return [f.id for f in due[:limit]]  # type: ignore[misc]

    async def claim(self, feed_id: int, token: str, now: datetime, until: datetime) -> bool:
        feed = self._data.feeds.get(feed_id)
        if feed is None or self._leased(feed_id, now):
            return False
        self._uow.require_write_lock(feed.provider_id)
        self._data.leases[feed_id] = (token, until)
        return True

    async def finish(self, feed: CalendarFeed, token: str) -> bool:
        held = self._data.leases.get(feed.id)  # type: ignore[arg-type]
        if feed.id not in self._data.feeds or held is None or held[0] != token:
            return False
        self._uow.require_write_lock(feed.provider_id)
        stored = self._data.feeds[feed.id]  # type: ignore[index]
        # Only the sync state changes: who owns it and its address stay.
        self._data.feeds[feed.id] = replace(  # type: ignore[index]
            feed, provider_id=stored.provider_id, url=stored.url, created_at=stored.created_at
        )
        del self._data.leases[feed.id]  # type: ignore[arg-type]
        return True

    async def replace_busy(
        self, feed_id: int, provider_id: int, busy: Sequence[BusyInterval]
    ) -> None:
        self._uow.require_write_lock(provider_id)
        if self._data.feeds[feed_id].provider_id != provider_id:
            raise AssertionError("busy intervals filed under another provider")
        for interval in busy:
            if not interval.start < interval.end <= interval.start + MAX_APPOINTMENT_LENGTH:
                raise AssertionError(f"a busy interval storage cannot range-read: {interval}")
        self._data.busy[feed_id] = sorted(busy)

    async def busy(self, feed_id: int) -> list[BusyInterval]:
        return list(self._data.busy.get(feed_id, []))

    async def mark_error_told(self, feed_id: int, now: datetime) -> bool:
        feed = self._data.feeds.get(feed_id)
        if feed is None or feed.last_error is None or feed.error_told_at is not None:
            return False
        self._uow.require_write_lock(feed.provider_id)
        self._data.feeds[feed_id] = replace(feed, error_told_at=now)
        return True

    async def release_error_told(self, feed_id: int, told_at: datetime) -> None:
        feed = self._data.feeds.get(feed_id)
        if feed is not None and feed.error_told_at == told_at:
            self._uow.require_write_lock(feed.provider_id)
            self._data.feeds[feed_id] = replace(feed, error_told_at=None)

    def _leased(self, feed_id: int, now: datetime) -> bool:
        held = self._data.leases.get(feed_id)
        return held is not None and held[1] >= now
