"""The timed CalDAV jobs (issue #13, part 2b): bookings written to providers' CalDAV
calendars, and those calendars' busy times read.

* every :data:`CALDAV_PUSH_SECONDS` the outbox run (core/caldav_push.py) queues the
  bookings made, moved or cancelled since the last one and writes them; a booking
  reaches the calendar within that time of its commit;
* every ``SLOTBOT_CALENDAR_SYNC_MINUTES``, as calendar feeds, each calendar's busy
  times are read (core/caldav_sync.py).

Every bot process runs both; a lease in the database gives each account to one
process at a time. While the bot stops, no new write or read starts: one under way
ends within its request timeout or is cut, and the lease hands what it left to the
next run (a PUT of the latest state is safe to repeat).
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from conversations.common import services
from conversations.delivery import stopping

log = logging.getLogger(__name__)
CALDAV_PUSH_JOB = "caldav-push"
CALDAV_BUSY_JOB = "caldav-busy-sync"
CALDAV_PUSH_SECONDS = 30
#: The first runs wait this long after start: start-up has enough to do.
CALDAV_FIRST_SECONDS = 15


async def caldav_push_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    from conversations.feed_notices import after_push
    from core.caldav_push import push_due_accounts  # icalendar, caldav: only once it runs

    svc = services(context)
    if svc.caldav is None:
        return
    results = await push_due_accounts(
        svc.uow, svc.caldav, clock=svc.clock, keep_going=lambda: not stopping(context.bot_data)
    )
    written, failed = sum(r.written for r in results), sum(r.failed for r in results)
    if written or failed:
        log.info("CalDAV events written: %d, failed: %d", written, failed)
    await after_push(context, results)  # writes given up: told once


async def caldav_busy_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    from conversations.feed_notices import after_sync
    from core.caldav_sync import sync_due_busy
    from core.calendar_sync import SyncOutcome

    svc = services(context)
    if svc.caldav is None:
        return
    results = await sync_due_busy(
        svc.uow, svc.caldav, clock=svc.clock, keep_going=lambda: not stopping(context.bot_data)
    )
    failed = sum(1 for r in results if r.outcome is SyncOutcome.FAILED)
    if results:
        log.info("CalDAV calendars read: %d, failed: %d", len(results), failed)
    # As the feed job: a new read failure, and bookings a new busy time falls on, told once.
    await after_sync(context, results)
