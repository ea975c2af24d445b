"""``slotbot calendar export`` and ``slotbot calendar link``: a provider's subscription feed
from the command line (issue #13, part 2).

* ``export --provider ID --out FILE`` writes the feed the provider's secret link
  serves, byte for byte (same builder, same labels, same UID host: the host of
  SLOTBOT_PUBLIC_URL), e.g. for a calendar that can only import files. It prints
  ``{"provider_id": 1, "events": 12, "out": "FILE"}``. The file is replaced in one
  step, so a web server publishing it never serves half a file.
* ``link --provider ID`` makes a new secret link (the old one stops working) and
  prints ``{"provider_id": 1, "url": "https://.../calendar/<secret>.ics"}``. Without
  SLOTBOT_PUBLIC_URL there is no address to print: exit 2 before anything changes.

An unknown provider is exit 2, as everywhere in ``slotbot``. The parser of the
``calendar`` command belongs to ``bot/cli_calendar.py`` once that is merged: it then
calls :func:`add_feed_commands` on its sub-parsers, and :func:`add_calendar_parser`
(the stand-in ``bot/cli.py`` uses until then) goes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bootstrap import open_app
from bot.cli_args import check_now, instant, row_id
from bot.clock import utc_now
from bot.errors import UsageError
from bot.settings import Settings
from core.feed_urls import feed_url, host_label


def add_feed_commands(calendar_commands: Any) -> None:
    """Add ``export`` and ``link`` to the sub-parsers of the ``calendar`` command."""
    export = calendar_commands.add_parser(
        "export", help="write a provider's subscription feed (.ics), as its secret link serves it"
    )
    export.add_argument("--provider", type=row_id, required=True)
    export.add_argument("--out", type=Path, required=True, help="the .ics file to write")
    export.add_argument("--now", type=instant, help="build the feed as at this time")
    export.set_defaults(handler=export_command)

    link = calendar_commands.add_parser(
        "link", help="make a new secret feed link for a provider (the old one stops working)"
    )
    link.add_argument("--provider", type=row_id, required=True)
    link.set_defaults(handler=link_command)


async def export_command(args: argparse.Namespace, settings: Settings) -> Any:
    # Imported here: the feed builder loads icalendar (0.2 s), which other commands skip.
    from core.calendar_subscription import feed_for_provider

    now = args.now
    clock: Callable[[], datetime] = utc_now if now is None else (lambda: now)
    if now is not None:
        check_now(now)
    async with open_app(settings, clock=clock) as app:
        body = await feed_for_provider(
            app.uow(), args.provider, app.clock(), host_label=host_label(settings.public_url)
        )
    write_atomically(args.out, body)
    # Property lines are CRLF-separated and typed text has its line breaks escaped,
    # so this line can only be an event's start.
    events = body.count(b"\r\nBEGIN:VEVENT\r\n")
    return {"provider_id": args.provider, "events": events, "out": str(args.out)}


async def link_command(args: argparse.Namespace, settings: Settings) -> Any:
    from core.calendar_subscription import new_feed_link

    if not settings.public_url:
        raise UsageError(
            "SLOTBOT_PUBLIC_URL is not set: a feed link needs the bot's public https address "
            "(nothing was changed; the current link still works)"
        )
    async with open_app(settings) as app:
        token = await new_feed_link(app.uow(), args.provider)
    return {"provider_id": args.provider, "url": feed_url(settings.public_url, token)}


def write_atomically(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` through a temporary file beside it, then rename."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _mode_for(path: Path) -> int:
    """The replaced file's mode, or what ``open()`` would give a new one (mkstemp's 0600
    would stop a web server that publishes the file from reading the next export)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
