"""The network side of calendar feeds, as the core's :class:`core.calendar_sync.FeedAccess`.

The core decides when a feed is synced and what it means; here is how an address
is checked (``bot/feed_addresses.py``, whose DNS lookup runs in a thread) and
fetched (``bot/feed_fetch.py``), with their errors turned into the core's.
``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1`` (tests, self-hosted calendar servers) lifts
the address rule for both.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.feed_addresses import FeedAddressRefused, allow_private_from_env, check_feed_url
from bot.feed_fetch import FeedFetchFailed, fetch_feed
from bot.settings import Settings
from core.calendar_sync import FeedAccess, FeedRefused, FeedUnavailable, FetchedFeed

#: One fetch may take this long, redirects and download included.
FETCH_TIMEOUT_SECONDS = 20.0
#: A feed larger than this is refused (a year of a busy calendar is well under 1 MB).
MAX_FEED_BYTES = 5 * 1024 * 1024


async def check_url(url: str) -> str:
    try:
        await asyncio.to_thread(check_feed_url, url, allow_private=allow_private_from_env())
    except FeedAddressRefused as exc:
        raise FeedRefused(str(exc)) from None
    return url.strip()


async def fetch(url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
    try:
        got = await fetch_feed(
            url, etag=etag, last_modified=last_modified, allow_private=allow_private_from_env(),
            timeout=FETCH_TIMEOUT_SECONDS, max_bytes=MAX_FEED_BYTES,
        )
    except FeedFetchFailed as exc:
        raise FeedUnavailable(exc.reason) from None
    return FetchedFeed(got.body, got.etag, got.last_modified)


def feed_access(settings: Settings) -> FeedAccess:
    return FeedAccess(check_url, fetch, timedelta(minutes=settings.calendar_sync_minutes))
