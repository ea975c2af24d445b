"""Calendar feeds (issue #13, part 1): a provider's own calendars block their slots.

A provider adds the secret iCalendar address of a calendar (Google, iCloud,
Outlook); it is fetched every ``SLOTBOT_CALENDAR_SYNC_MINUTES``, read as busy
intervals (:mod:`core.calendar_feed`) and stored, and from then on each busy
interval blocks slots exactly like an appointment, buffer included (rule 4).

One sync of one feed:

1. claims it: a lease taken by a conditional update and committed, so that of
   several processes (workers, the CLI) exactly one fetches a feed at a time;
2. fetches it with no transaction open (the fetch is injected: HTTP lives in
   ``bot/feed_fetch.py``), sending the last ETag / Last-Modified;
3. reads it in a thread (a big feed would hold up the event loop), from now to
   the booking horizon plus a day of margin and a day of slack;
4. in one write transaction replaces the feed's busy set and stores the
   validators, counts and times, ending the lease — only if the lease is still
   its own (one that ran out and was taken over stores nothing).

A 304 changes only the times: the stored set stands. It is trusted while that set
still reaches past the horizon (the day of slack); after that the feed is fetched
whole again, since the horizon moved on and recurring events must be expanded
further. A feed that fails, to fetch or to read, keeps its last good busy set and
records the error, since when, and (``error_told_at``) whether the provider has
been told, so that they are told once per run of failures.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from core.bounds import DAYS_AHEAD
from core.caldav_model import is_caldav_feed
from core.calendar_feed import BusyInterval, FeedContents, FeedError, read_feed
from core.bounded import each_of
from core.errors import BookingError, NotFound
from core.localtime import require_utc
from core.model import MAX_APPOINTMENT_LENGTH, CalendarFeed, Provider
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

MAX_FEEDS_PER_PROVIDER = 5
#: A lease outlives any fetch (bot/feed_fetch.py gives up after 20 s) and the read.
SYNC_LEASE = timedelta(minutes=2)
#: More busy times than this in the booking horizon is not a calendar a person keeps.
MAX_BUSY_PER_FEED = 10_000
#: Feeds synced at once by one process (storage/engine.py keeps a connection for each).
SYNC_CONCURRENCY = 2
#: Feeds one timed run takes on; the rest are due at the next run.
DUE_PER_RUN = 500
_MAX_ERROR = 300


class FeedRefused(Exception):
    """The address cannot be added (not HTTPS, a private address, added already …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FeedLimitReached(BookingError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} calendars per provider")
        self.limit = limit


class FeedUnavailable(Exception):
    """Raised by a :class:`FetchFeed` that could not get the feed; ``reason`` is short,
    meant for the provider, and never holds the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchedFeed:
    body: bytes | None  # None: not modified since the validators sent (304)
    etag: str | None  # the validators to send next time
    last_modified: str | None


class FetchFeed(Protocol):
    async def __call__(
        self, url: str, *, etag: str | None, last_modified: str | None
    ) -> FetchedFeed: ...


class CheckFeedUrl(Protocol):
    async def __call__(self, url: str) -> str:
        """The address to store, or :class:`FeedRefused`."""
        ...


@dataclass(frozen=True)
class FeedAccess:
    """The network side of feeds, given to the core by the composition root."""

    check_url: CheckFeedUrl
    fetch: FetchFeed
    sync_every: timedelta = timedelta(minutes=10)


class SyncOutcome(str, enum.Enum):
    UPDATED = "UPDATED"  # fetched and read: the stored busy set is the feed's now
    UNCHANGED = "UNCHANGED"  # the server said 304: the stored set stands
    FAILED = "FAILED"  # not fetched or not readable: the last good set stands
    HELD = "HELD"  # another process is syncing this feed: nothing done here
    GONE = "GONE"  # the feed was removed


@dataclass(frozen=True)
class SyncResult:
    feed_id: int
    outcome: SyncOutcome
    events: int  # event instances read (at the last change, when not read now)
    busy: int  # busy intervals stored for the feed
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (SyncOutcome.UPDATED, SyncOutcome.UNCHANGED)


# ---------------------------------------------------------------- adding and listing


async def add_feed(
    uow: UnitOfWork, provider_id: int, url: str, *, now: datetime, check_url: CheckFeedUrl
) -> CalendarFeed:
    """Add a feed address to a provider; it is synced by the next run (or :func:`sync_feed`)."""
    now = require_utc(now, "now")
    url = url.strip()
    async with uow:
        if await uow.providers.get(provider_id) is None:
            raise NotFound("provider", provider_id)
        _check_room(await uow.feeds.listed(provider_id), url)
    checked = (await check_url(url)).strip()  # DNS lookups: outside any transaction
    async with uow:
        await uow.begin_write(provider_id)
        _check_room(await uow.feeds.listed(provider_id), checked)  # again, under the lock
        feed = await uow.feeds.add(CalendarFeed(None, provider_id, checked, now))
        await uow.commit()
    log.info("calendar feed %s added for provider %s (%s)", feed.id, provider_id, feed.host)
    return feed


def _check_room(feeds: list[CalendarFeed], url: str) -> None:
    if any(feed.url == url for feed in feeds):
        raise FeedRefused("this calendar is added already")
    if len(feeds) >= MAX_FEEDS_PER_PROVIDER:
        raise FeedLimitReached(MAX_FEEDS_PER_PROVIDER)


async def remove_feed(
    uow: UnitOfWork, feed_id: int, *, provider_id: int | None = None
) -> CalendarFeed:
    """Remove a feed and its busy times (with ``provider_id``: only that provider's)."""
    async with uow:
        feed = await uow.feeds.get(feed_id)
        if feed is None or provider_id not in (None, feed.provider_id) or is_caldav_feed(feed.url):
            raise NotFound("calendar feed", feed_id)  # a CalDAV account's: caldav-disconnect
        await uow.begin_write(feed.provider_id)
        await uow.feeds.remove(feed_id)
        await uow.commit()
    return feed


async def list_feeds(uow: UnitOfWork, provider_id: int | None = None) -> list[CalendarFeed]:
    """A provider's feeds (everyone's with ``None``) with their last sync and error."""
    async with uow:
        if provider_id is not None and await uow.providers.get(provider_id) is None:
            raise NotFound("provider", provider_id)
        return await uow.feeds.listed(provider_id)


async def mark_error_told(uow: UnitOfWork, feed: CalendarFeed, now: datetime) -> None:
    """The provider has been told of the feed's current error (told once per run of errors)."""
    async with uow:
        await uow.begin_write(feed.provider_id)
        await uow.feeds.mark_error_told(feed.id, require_utc(now, "now"))  # type: ignore[arg-type]
        await uow.commit()


# ---------------------------------------------------------------------------- syncing


def sync_window(provider: Provider, now: datetime) -> tuple[datetime, datetime]:
    """From now to the booking horizon, plus two days of margin (the last bookable
    day's end, its overnight slots, buffers) and a day of slack during which a 304
    can be trusted."""
    days = min(provider.settings.max_advance_days, DAYS_AHEAD) + 3
    return now, now + timedelta(days=days)


def _covers_horizon(feed: CalendarFeed, provider: Provider, now: datetime) -> bool:
    needed = sync_window(provider, now)[1] - timedelta(days=1)
    return feed.expanded_until is not None and feed.expanded_until >= needed


async def sync_feed(
    uow: UnitOfWork, feed_id: int, fetch: FetchFeed, *, now: datetime
) -> SyncResult:
    """Fetch, read and store one feed now, unless another process is at it (HELD)."""
    now = require_utc(now, "now")
    token = secrets.token_hex(16)
    async with uow:
        found = await uow.feeds.get(feed_id)
        if found is None:
            return SyncResult(feed_id, SyncOutcome.GONE, 0, 0, "the calendar was removed")
        await uow.begin_write(found.provider_id)
        if not await uow.feeds.claim(feed_id, token, now, now + SYNC_LEASE):
            return _held(found)
        # Read again under the lease: a sync that just ended may have left new validators.
        feed, provider = await uow.feeds.get(feed_id), await uow.providers.get(found.provider_id)
        await uow.commit()
    assert feed is not None and provider is not None  # claimed under the lock; a foreign key
    first, last = sync_window(provider, now)
    trusted = _covers_horizon(feed, provider, now)
    try:
        fetched = await fetch(
            feed.url,
            etag=feed.etag if trusted else None,
            last_modified=feed.last_modified if trusted else None,
        )
    except FeedUnavailable as exc:
        return await _failed(uow, feed, token, now, exc.reason)
    if fetched.body is None:
        state = _reached(feed, now, fetched)
        return await _stored(uow, state, token, None, SyncOutcome.UNCHANGED)
    try:
        contents = await asyncio.to_thread(read_feed, fetched.body, provider.timezone, first, last)
    except FeedError as exc:
        return await _failed(uow, feed, token, now, str(exc))
    except Exception:  # noqa: BLE001 - a feed no reader foresaw: its error, not the job's
        log.exception("calendar feed %s could not be read", feed_id)
        return await _failed(uow, feed, token, now, "the calendar could not be read")
    if len(contents.busy) > MAX_BUSY_PER_FEED:
        reason = f"more than {MAX_BUSY_PER_FEED} busy times in the booking horizon"
        return await _failed(uow, feed, token, now, reason)
    state = replace(
        _reached(feed, now, fetched), expanded_until=last,
        event_count=contents.events, busy_count=len(contents.busy),
    )
    return await _stored(uow, state, token, contents, SyncOutcome.UPDATED)


def _reached(feed: CalendarFeed, now: datetime, fetched: FetchedFeed) -> CalendarFeed:
    """The feed answered: new validators and times, no error any more."""
    return replace(
        feed, etag=fetched.etag, last_modified=fetched.last_modified, last_attempt_at=now,
        last_sync_at=now, last_error=None, error_since=None, error_told_at=None,
    )


async def _failed(
    uow: UnitOfWork, feed: CalendarFeed, token: str, now: datetime, reason: str
) -> SyncResult:
    log.info("calendar feed %s (%s) failed: %s", feed.id, feed.host, reason)
    state = replace(
        feed, last_attempt_at=now, last_error=reason[:_MAX_ERROR],
        error_since=feed.error_since or now,  # the run of failures began then
    )
    return await _stored(uow, state, token, None, SyncOutcome.FAILED)


async def _stored(
    uow: UnitOfWork,
    state: CalendarFeed,
    token: str,
    contents: FeedContents | None,
    outcome: SyncOutcome,
) -> SyncResult:
    """Write ``state`` (and the new busy set) if the lease is still ``token``'s."""
    assert state.id is not None
    async with uow:
        await uow.begin_write(state.provider_id)
        if not await uow.feeds.finish(state, token):
            now_there = await uow.feeds.get(state.id)
            if now_there is None:
                return SyncResult(state.id, SyncOutcome.GONE, 0, 0, "the calendar was removed")
            return _held(now_there)
        if contents is not None:
            await uow.feeds.replace_busy(state.id, state.provider_id, _pieces(contents.busy))
        await uow.commit()
    return SyncResult(state.id, outcome, state.event_count, state.busy_count, state.last_error)


def _held(feed: CalendarFeed) -> SyncResult:
    assert feed.id is not None
    return SyncResult(
        feed.id, SyncOutcome.HELD, feed.event_count, feed.busy_count,
        "another sync of this calendar is under way",
    )


def _pieces(busy: Sequence[BusyInterval]) -> list[BusyInterval]:
    """Busy intervals cut to at most a day, so storage can bound its range reads
    from below as for appointments (a holiday blocks exactly the same time)."""
    pieces = []
    for interval in busy:
        start = interval.start
        while interval.end - start > MAX_APPOINTMENT_LENGTH:
            pieces.append(BusyInterval(start, start + MAX_APPOINTMENT_LENGTH, interval.uid))
            start += MAX_APPOINTMENT_LENGTH
        pieces.append(BusyInterval(start, interval.end, interval.uid))
    return pieces


async def sync_feeds(
    uows: Callable[[], UnitOfWork],
    fetch: FetchFeed,
    *,
    clock: Callable[[], datetime],
    provider_id: int | None = None,
) -> list[SyncResult]:
    """Sync every feed of a provider (of everyone with ``None``) now, by feed id."""
    feeds = await list_feeds(uows(), provider_id)
    return await _sync_each([f.id for f in feeds if f.id is not None], uows, fetch, clock)


async def sync_due_feeds(
    uows: Callable[[], UnitOfWork],
    fetch: FetchFeed,
    *,
    clock: Callable[[], datetime],
    every: timedelta,
    keep_going: Callable[[], bool] = lambda: True,
) -> list[SyncResult]:
    """The timed run: feeds last tried ``every`` ago or longer. No new fetch starts once
    ``keep_going()`` is false (the bot is stopping)."""
    now = require_utc(clock(), "now")
    # A run that tried a feed a few seconds after its own start must find it due
    # again one interval later: the slack absorbs that drift.
    slack = min(every / 2, timedelta(minutes=1))
    async with uows() as uow:
        due = await uow.feeds.due(now - every + slack, now, DUE_PER_RUN)
    return await _sync_each(due, uows, fetch, clock, keep_going)


async def _sync_each(
    feed_ids: list[int],
    uows: Callable[[], UnitOfWork],
    fetch: FetchFeed,
    clock: Callable[[], datetime],
    keep_going: Callable[[], bool] = lambda: True,
) -> list[SyncResult]:
    async def sync(feed_id: int) -> SyncResult:
        return await sync_feed(uows(), feed_id, fetch, now=clock())

    return await each_of(feed_ids, sync, SYNC_CONCURRENCY, keep_going)
