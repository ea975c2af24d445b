"""``slotbot calendar caldav-…``: a provider's CalDAV calendar, written and read both ways.

    slotbot calendar caldav-connect --provider 1 --url https://caldav.fastmail.com/dav/ \\
        --user ana@example.org [--calendar Work]      # the app password from the environment
    slotbot calendar caldav-disconnect --provider 1
    slotbot calendar caldav-list [--provider 1]
    slotbot calendar caldav-sync [--provider 1] [--now ISO]

The app password is read from ``SLOTBOT_CALDAV_PASSWORD`` or, without it, from
standard input (a prompt on a terminal, else its first line): never from the
command line, where ``ps`` would show it to every user of the machine. It is
stored encrypted with SLOTBOT_SECRET_KEY and printed nowhere. Exit codes as
everywhere (``bot/cli.py``): 2 for an unknown provider, no SLOTBOT_SECRET_KEY, a
refused address or login, no such calendar; ``caldav-sync`` prints each account's
result and exits 1 when one of them failed.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.bootstrap import open_app
from bot.cli_args import check_now, instant, row_id
from bot.clock import utc_now
from bot.errors import UsageError
from bot.json_views import Reported, utc_iso
from bot.settings import Settings

if TYPE_CHECKING:
    from core.caldav_sync import AccountView

PASSWORD_VARIABLE = "SLOTBOT_CALDAV_PASSWORD"
#: ``caldav-sync`` waits this long for an account another process is writing or reading.
HELD_WAIT_SECONDS = 30.0
EXIT_SYNC_FAILED = 1
T = TypeVar("T")


def add_caldav_commands(subcommands: Any) -> None:
    """Add the ``caldav-…`` commands to the sub-parsers of ``slotbot calendar``."""
    connect = subcommands.add_parser(
        "caldav-connect",
        help=f"connect a provider's CalDAV calendar (the app password from ${PASSWORD_VARIABLE} "
        "or standard input)",
    )
    connect.add_argument("--provider", type=row_id, required=True)
    connect.add_argument("--url", required=True, help="the server, e.g. https://caldav.icloud.com")
    connect.add_argument("--user", required=True, help="the account's user name (often an email)")
    connect.add_argument("--calendar", help="the calendar's name or URL (default: the first one)")
    # Taken only to refuse it without echoing it back, as argparse would an unknown option.
    connect.add_argument("--password", help=argparse.SUPPRESS)
    connect.set_defaults(handler=_connect)

    disconnect = subcommands.add_parser(
        "caldav-disconnect", help="forget a provider's CalDAV calendar (its events stay there)"
    )
    disconnect.add_argument("--provider", type=row_id, required=True)
    disconnect.set_defaults(handler=_disconnect)

    listed = subcommands.add_parser("caldav-list", help="CalDAV calendars, their outbox and error")
    listed.add_argument("--provider", type=row_id)
    listed.set_defaults(handler=_list)

    sync = subcommands.add_parser(
        "caldav-sync", help="write pending bookings and read busy times now (exit 1 if one failed)"
    )
    sync.add_argument("--provider", type=row_id, help="only this provider's calendar")
    sync.add_argument("--now", type=instant, help="as of this time")
    sync.set_defaults(handler=_sync)


def _require_key(settings: Settings) -> None:
    from core.caldav_sync import NO_SECRET_KEY

    if settings.secret_key is None:
        raise UsageError(NO_SECRET_KEY)


def read_password() -> str:
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        if sys.stdin.isatty():
            password = getpass.getpass("CalDAV app password: ")  # not echoed
        else:
            password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError(f"no app password: set {PASSWORD_VARIABLE} or give it on standard input")
    return password


async def _connect(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.caldav_client import caldav_access
    from core.caldav_sync import CalDavRefused, connect_account

    if args.password is not None:
        raise UsageError(
            f"--password is not taken: the command line shows in ps to every user of the "
            f"machine; set {PASSWORD_VARIABLE} or give it on standard input"
        )
    _require_key(settings)  # before the password is asked for
    password = read_password()
    async with open_app(settings) as app:
        try:
            account = await connect_account(
                app.uow, args.provider, args.url, args.user, password,
                access=caldav_access(settings), now=app.clock(), calendar=args.calendar,
            )
        except CalDavRefused as exc:
            raise UsageError(f"CalDAV calendar not connected: {exc.reason}") from None
    return {
        "provider_id": account.provider_id, "account_id": account.id, "host": account.host,
        "calendar": account.calendar_name, "calendar_url": account.calendar_url,
    }


async def _disconnect(args: argparse.Namespace, settings: Settings) -> Any:
    from core.caldav_sync import disconnect_account

    async with open_app(settings) as app:
        account = await disconnect_account(app.uow(), args.provider)
    return {"provider_id": account.provider_id, "account_id": account.id, "disconnected": True}


async def _list(args: argparse.Namespace, settings: Settings) -> Any:
    from core.caldav_sync import list_accounts

    async with open_app(settings) as app:
        return [_listed(view) for view in await list_accounts(app.uow(), args.provider)]


def _listed(view: AccountView) -> dict[str, Any]:
    account, feed, pushes = view.account, view.feed, view.pushes
    return {
        "provider_id": account.provider_id,
        "account_id": account.id,
        "host": account.host,
        "user": account.username,
        "calendar": account.calendar_name,
        "connected": utc_iso(account.created_at),
        "last_push": _iso(account.last_push_at),
        "pending": pushes.pending,
        "written": pushes.done,
        "failed": pushes.failed,
        "error": account.last_error,
        "error_since": _iso(account.error_since),
        "last_sync": _iso(feed.last_sync_at) if feed else None,
        "busy": feed.busy_count if feed else 0,
        "sync_error": feed.last_error if feed else None,
        "sync_error_since": _iso(feed.error_since) if feed else None,
    }


async def _sync(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.caldav_client import caldav_access
    from core.caldav_push import PushOutcome, push_account
    from core.caldav_sync import list_accounts, sync_account_busy
    from core.calendar_sync import SyncOutcome

    _require_key(settings)
    now = args.now
    if now is not None:
        check_now(now)
    access = caldav_access(settings)
    async with open_app(settings, clock=(lambda: now) if now is not None else utc_now) as app:
        report, failed = [], False
        for view in await list_accounts(app.uow(), args.provider):
            account_id = view.account.id
            assert account_id is not None
            pushed = await _unless_held(lambda: push_account(
                app.uow, account_id, access, clock=app.clock, waiting_too=True,
            ), lambda r: r.outcome is PushOutcome.HELD)
            synced = await _unless_held(
                lambda: sync_account_busy(app.uow, account_id, access, now=app.clock()),
                lambda r: r.outcome is SyncOutcome.HELD,
            )
            async with app.uow() as uow:
                pending = (await uow.caldav.push_counts(account_id)).pending
            error = pushed.error or (None if synced.ok else synced.error)
            if pushed.outcome is PushOutcome.HELD:
                error = error or "another process is writing to this calendar"
            failed = failed or error is not None
            report.append({
                "provider_id": view.account.provider_id, "account_id": account_id,
                "written": pushed.written, "failed": pushed.failed, "pending": pending,
                "events": synced.events, "busy": synced.busy, "error": error,
            })
    return Reported(report, EXIT_SYNC_FAILED) if failed else report


async def _unless_held(run: Callable[[], Awaitable[T]], held: Callable[[T], bool]) -> T:
    """``run()``, again every half second while another process holds the account
    (the bot's job, whose writes and reads end within their deadlines)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HELD_WAIT_SECONDS
    result = await run()
    while held(result) and loop.time() < deadline:
        await asyncio.sleep(0.5)
        result = await run()
    return result


def _iso(instant: Any) -> str | None:
    return None if instant is None else utc_iso(instant)
