"""The timed sync of calendar feeds (issue #13): a provider's own calendar blocks slots.

Every ``SLOTBOT_CALENDAR_SYNC_MINUTES`` the job syncs the feeds nobody has tried
for that long (core/calendar_sync.py). Every bot process runs it; a lease in the
database gives each feed to one of them. While the bot stops, no new fetch
starts: one under way finishes within the stop deadline or is cut, and its lease
lets another process (or the next run) take the feed after two minutes. After
the run, providers hear of a feed that began to fail and of bookings a new busy
time falls on (``feed_notices.py``), each once.
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from conversations.common import services
from conversations.delivery import stopping

log = logging.getLogger(__name__)
FEED_SYNC_JOB = "calendar-feed-sync"
#: The first run waits this long after start: start-up has enough to do.
FEED_SYNC_FIRST_SECONDS = 20


async def feed_sync_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    from conversations.feed_notices import after_sync
    from core.calendar_sync import SyncOutcome, sync_due_feeds  # icalendar only once it runs

    svc = services(context)
    if svc.feeds is None:
        return
    results = await sync_due_feeds(
        svc.uow, svc.feeds.fetch, clock=svc.clock, every=svc.feeds.sync_every,
        keep_going=lambda: not stopping(context.bot_data),
    )
    failed = sum(1 for r in results if r.outcome is SyncOutcome.FAILED)
    if results:
        log.info("calendar feeds synced: %d, failed: %d", len(results), failed)
    # A new failure, and bookings a new busy time falls on: each told once.
    await after_sync(context, results)
