"""A calendar feed that fails is told to its provider once per run of failures (issue #13).

A failed sync keeps the feed's last good busy times and records the error, since
when, and ``error_told_at``; a sync that works again clears all three
(:mod:`core.calendar_sync`), so the next failure is news again.

Telling is claimed before the message goes: a conditional update stamps
``error_told_at`` only while it is empty, so of several processes (each runs the
sync job, and the chat's "Sync now") exactly one tells. A message that surely never
reached Telegram gives the claim back (:func:`release_failure_notice`) for the next
sync to tell; one that may have reached it is never repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.caldav_model import CALDAV_FEED_PREFIX, is_caldav_feed
from core.localtime import require_utc
from core.model import CalendarFeed, Provider
from core.ports import UnitOfWork


@dataclass(frozen=True)
class FailureNotice:
    feed: CalendarFeed  # with its error and error_told_at as claimed
    provider: Provider
    label: str = ""  # what the provider calls it: its host, or a CalDAV calendar's name and host


async def feed_label(uow: UnitOfWork, feed: CalendarFeed) -> str:
    """A feed's host; for a CalDAV calendar's busy side (no host in its ``caldav:<id>``
    address), the calendar's name and its server's host. Inside an open unit of work."""
    if not is_caldav_feed(feed.url):
        return feed.host
    suffix = feed.url[len(CALDAV_FEED_PREFIX):]
    account = await uow.caldav.account(int(suffix)) if suffix.isdigit() else None
    if account is None:
        return "CalDAV"
    return f"{account.calendar_name} ({account.host})" if account.calendar_name else account.host


async def claim_failure_notice(
    uow: UnitOfWork, feed_id: int, now: datetime
) -> FailureNotice | None:
    """The failing feed whose provider the caller now tells; ``None``: nothing to tell
    (it works, was told already, or its provider has no linked account yet)."""
    now = require_utc(now, "now")
    async with uow:
        found = await uow.feeds.get(feed_id)
        if found is None or not found.error_untold:
            return None
        await uow.begin_write(found.provider_id)
        provider = await uow.providers.get(found.provider_id)
        if provider is None or provider.telegram_user_id is None:
            return None
        if not await uow.feeds.mark_error_told(feed_id, now):
            return None
        feed = await uow.feeds.get(feed_id)
        assert feed is not None  # marked under the lock
        label = await feed_label(uow, feed)
        await uow.commit()
    return FailureNotice(feed, provider, label)


async def release_failure_notice(uow: UnitOfWork, notice: FailureNotice) -> None:
    """The notice surely never left: the feed counts as not told again."""
    feed = notice.feed
    assert feed.id is not None and feed.error_told_at is not None
    async with uow:
        await uow.begin_write(feed.provider_id)
        await uow.feeds.release_error_told(feed.id, feed.error_told_at)
        await uow.commit()
