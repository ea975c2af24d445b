"""``slotbot calendar``: a provider's own calendar feeds, whose busy times block slots.

    slotbot calendar add --provider 1 --url https://…/basic.ics  # {"feed_id": 3}
    slotbot calendar remove 3                          # {"feed_id": 3, "removed": true}
    slotbot calendar list [--provider 1]               # [{"feed_id": 3, "host": …}, …]
    slotbot calendar sync [--provider 1] [--now ISO]   # [{"feed_id", "events", "busy", "error"}]

A feed URL is a secret (whoever has it reads the calendar): it is printed and
logged only as its host. Exit codes as everywhere (``bot/cli.py``): 2 for an
unknown id or a refused address (not HTTPS, a private or local address unless
``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1``); 3 for a sixth calendar; ``sync`` prints
every feed's result and exits 1 when one of them failed.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from bot.bootstrap import open_app
from bot.cli_args import check_now, instant, row_id
from bot.cli_caldav import add_caldav_commands
from bot.clock import utc_now
from bot.errors import UsageError
from bot.json_views import Reported, utc_iso
from bot.settings import Settings

if TYPE_CHECKING:
    from core.calendar_sync import SyncResult
    from core.model import CalendarFeed

# The feed reader and fetcher (icalendar, aiohttp) are imported by the commands
# that use them, as bot/cli_ops.py does: every other command starts without them.

#: ``sync`` waits this long for a feed another process is syncing (its fetch times
#: out after 20 s), then fetches it itself: "sync" means fetched now.
HELD_WAIT_SECONDS = 30.0
EXIT_FEED_FAILED = 1


def add_calendar_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """``slotbot calendar …`` under ``commands`` (the top-level subparsers)."""
    calendar = commands.add_parser(
        "calendar", help="a provider's own calendar feeds (iCalendar), whose busy times block slots"
    )
    subcommands = calendar.add_subparsers(
        dest="calendar_command", required=True, parser_class=parser_class
    )

    add = subcommands.add_parser("add", help="add a feed's secret iCal address to a provider")
    add.add_argument("--provider", type=row_id, required=True)
    add.add_argument("--url", required=True, help="https:// or webcal:// address of the feed")
    add.set_defaults(handler=_add)

    remove = subcommands.add_parser("remove", help="remove a feed and the busy times read from it")
    remove.add_argument("feed", type=row_id, nargs="?", help="the feed id (see 'calendar list')")
    remove.add_argument("--feed", type=row_id, dest="feed_option", help="the same, as an option")
    remove.set_defaults(handler=_remove)

    listed = subcommands.add_parser("list", help="feeds with their last sync and error")
    listed.add_argument("--provider", type=row_id)
    listed.set_defaults(handler=_list)

    sync = subcommands.add_parser("sync", help="fetch feeds now (exit 1 if one failed)")
    sync.add_argument("--provider", type=row_id, help="only this provider's feeds")
    sync.add_argument("--now", type=instant, help="read the feeds as of this time")
    sync.set_defaults(handler=_sync)

    add_export_hook(subcommands, parser_class)
    add_caldav_commands(subcommands)  # bot/cli_caldav.py: the two-way CalDAV calendar


def add_export_hook(subcommands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """``slotbot calendar export`` and ``link`` (issue #13, part 2: a provider's bookings
    as a feed), written in ``bot/calendar_export_cli.py``."""
    from bot.calendar_export_cli import add_feed_commands

    add_feed_commands(subcommands)


async def _add(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.feed_access import check_url
    from core.calendar_sync import FeedRefused, add_feed

    async with open_app(settings) as app:
        try:
            feed = await add_feed(
                app.uow(), args.provider, args.url, now=app.clock(), check_url=check_url
            )
        except FeedRefused as exc:
            raise UsageError(f"--url refused: {exc.reason}") from None
    return {"feed_id": feed.id}


async def _remove(args: argparse.Namespace, settings: Settings) -> Any:
    from core.calendar_sync import remove_feed

    if (args.feed is None) == (args.feed_option is None):
        raise UsageError("calendar remove needs one feed id: 'calendar remove 3' or '--feed 3'")
    feed_id = args.feed if args.feed is not None else args.feed_option
    async with open_app(settings) as app:
        await remove_feed(app.uow(), feed_id)
    return {"feed_id": feed_id, "removed": True}


async def _list(args: argparse.Namespace, settings: Settings) -> Any:
    from core.calendar_sync import list_feeds

    async with open_app(settings) as app:
        return [_listed(feed) for feed in await list_feeds(app.uow(), args.provider)]


def _listed(feed: CalendarFeed) -> dict[str, Any]:
    return {
        "feed_id": feed.id,
        "provider_id": feed.provider_id,
        "host": feed.host,  # the URL itself is a secret
        "added": utc_iso(feed.created_at),
        "last_sync": _iso(feed.last_sync_at),
        "last_attempt": _iso(feed.last_attempt_at),
        "events": feed.event_count,
        "busy": feed.busy_count,
        "error": feed.last_error,
        "error_since": _iso(feed.error_since),
    }


async def _sync(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.feed_access import fetch
    from core.calendar_sync import SyncOutcome, sync_feed, sync_feeds

    now = args.now
    if now is not None:
        check_now(now)
    async with open_app(settings, clock=(lambda: now) if now is not None else utc_now) as app:
        results = await sync_feeds(app.uow, fetch, clock=app.clock, provider_id=args.provider)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HELD_WAIT_SECONDS
        for n, result in enumerate(results):
            while result.outcome is SyncOutcome.HELD and loop.time() < deadline:
                await asyncio.sleep(0.5)
                result = await sync_feed(app.uow(), result.feed_id, fetch, now=app.clock())
            results[n] = result
    report = [_synced(r) for r in results]
    return report if all(r.ok for r in results) else Reported(report, EXIT_FEED_FAILED)


def _synced(result: SyncResult) -> dict[str, Any]:
    return {
        "feed_id": result.feed_id, "events": result.events, "busy": result.busy,
        "error": result.error,
    }


def _iso(instant: Any) -> str | None:
    return None if instant is None else utc_iso(instant)
