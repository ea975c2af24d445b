"""``slotbot book --every-weeks N --count K`` and ``slotbot cancel ID --series rest``
(issue #14; the output is a contract for acceptance checks).

``book`` prints ``{"series_id", "appointments": [{id, status, start, end, …}],
"skipped": [{start, reason, date}]}`` and exits 0 when at least one occurrence was
booked, 3 when none; the same command again returns the same series and tells
nobody again. Occurrences keep the first start's wall-clock time in the
provider's zone; one that is not offered is skipped with its reason (lowercase
``OccurrenceState``: ``taken``, ``day_off``, ``blocked``, ``outside_hours``,
``too_soon``, ``beyond_horizon``, ``dst_gap``). The command line books as an
operator: the type need not be offered to clients as a series, but the type's
maximum occurrences and the provider's cap per client apply.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_args import check_date, check_instant, day
from bot.cli_notices import tell_with
from bot.errors import UsageError
from bot.json_views import Reported, describe, utc_iso
from bot.settings import Settings
from core.clients import get_or_create_client
from core.model import CancelledBy, SeriesBookedBy
from core.series import EVERY_WEEKS, InvalidSeries, SeriesRequest
from core.series_booking import SeriesOutcome, book_series, cancel_series_from

EXIT_OK, EXIT_REFUSED = 0, 3


def add_series_arguments(book: argparse.ArgumentParser, cancel: argparse.ArgumentParser) -> None:
    book.add_argument("--every-weeks", type=int, choices=EVERY_WEEKS,
                      help="book a series: every 1, 2 or 4 weeks (with --count or --until)")
    book.add_argument("--count", type=int, help="the series' number of occurrences")
    book.add_argument("--until", type=day, help="the series' last date (provider's local)")
    cancel.add_argument("--series", choices=["rest"],
                        help="rest: this occurrence and every later one of its series")


def is_series(args: argparse.Namespace) -> bool:
    asked = [args.every_weeks is not None, args.count is not None, args.until is not None]
    if any(asked) and args.every_weeks is None:
        raise UsageError("--count and --until need --every-weeks")
    if args.every_weeks is not None and (args.count is None) == (args.until is None):
        raise UsageError("--every-weeks needs exactly one of --count and --until")
    return args.every_weeks is not None


def series_json(outcome: SeriesOutcome) -> dict[str, Any]:
    return {
        "series_id": None if outcome.series is None else outcome.series.id,
        "appointments": [describe(a) for a in outcome.appointments],
        "skipped": [
            {"start": utc_iso(s.start), "reason": s.reason.lower(), "date": s.local_date.isoformat()}
            for s in outcome.skipped
        ],
    }


async def book_series_command(args: argparse.Namespace, settings: Settings, app: Any) -> Reported:
    now = app.clock()
    check_instant("--start", args.start, now)
    if args.until is not None:
        check_date("--until", args.until, now)
    try:
        request = SeriesRequest(args.start, args.every_weeks, count=args.count, until=args.until)
    except InvalidSeries as exc:
        raise UsageError(str(exc)) from None
    client = await get_or_create_client(app.uow(), args.client)
    try:
        outcome = await book_series(
            app.uow(), provider_id=args.provider, type_id=args.type, client_id=client.id,
            request=request, now=now, by=SeriesBookedBy.SYSTEM, notes=args.notes,
        )
    except InvalidSeries as exc:
        raise UsageError(str(exc)) from None
    if outcome.created and not args.no_notify:
        from conversations.series_notices import series_booked

        assert outcome.series is not None and outcome.series.id is not None
        series_id = outcome.series.id
        await tell_with(settings, app, lambda context: series_booked(
            context, series_id, by=SeriesBookedBy.SYSTEM
        ), freed_time=False)
    return Reported(series_json(outcome), EXIT_OK if outcome.appointments else EXIT_REFUSED)


async def cancel_series_command(args: argparse.Namespace, settings: Settings, app: Any) -> Any:
    cancelled = await cancel_series_from(
        app.uow(), args.appointment, now=app.clock(), by=CancelledBy.SYSTEM, reason=args.reason
    )
    if not args.no_notify:
        from conversations.series_notices import series_cancelled

        await tell_with(settings, app, lambda context: series_cancelled(
            context, cancelled, by=CancelledBy.SYSTEM, reason=args.reason
        ), freed_time=True)
    return [describe(a) for a in cancelled]
