"""The ``slotbot`` command line: JSON on stdout, one clear line on stderr.

Exit codes: 0 done; 1 the database or the environment failed; 2 bad input
(malformed values, unknown ids, dates outside a year back .. five years ahead,
a file that cannot be imported); 3 refused by the booking rules (the slot is not
available, the appointment cannot change, the provider is linked already).
``book``, ``cancel`` and ``reschedule`` tell the client and the provider in
Telegram, as the chat does (``bot/cli_notices.py``), unless ``--no-notify``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot import cli_ops as ops
from bot import logs
from bot.bootstrap import App, open_app
from bot.cli_args import check_date, check_instant, check_now, day, instant, positive_number
from bot.cli_args import provider_type, row_id, telegram_id
from bot.cli_calendar import add_calendar_commands
from bot.cli_invite import check_invite_args, make_invite
from bot.cli_notices import Change, tell
from bot.cli_series import add_series_arguments, book_series_command, cancel_series_command, is_series
from bot.clock import utc_now
from bot.provider_import import ProviderFileError, read_provider_file
from bot.settings import Settings
from bot.errors import BotStartError, UsageError
from bot.json_views import Reported, describe, utc_iso
from core.booking import book, cancel_appointment, reschedule_appointment
from core.clients import get_or_create_client
from core.errors import BookingError, InvalidProviderData, InvalidTransition, NotFound
from core.providers import register_provider
from core.slots import get_available_slots
from storage.engine import UnsupportedDatabase
from storage.schema import upgrade_schema

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_REFUSED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not a usage dump: scripts read stderr too.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see '{self.prog} --help')\n")



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slotbot", description="Slotbot: appointment booking for Telegram.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run", help="start the Telegram bot (long polling, or --webhook; needs SLOTBOT_TELEGRAM_TOKEN)"
    )
    run.add_argument("--webhook", action="store_true",
                     help="take updates on SLOTBOT_WEBHOOK_URL (with SLOTBOT_WEBHOOK_SECRET) instead of polling")
    run.add_argument("--workers", type=positive_number, default=1,
                     help="with --webhook: this many bot processes sharing SLOTBOT_HTTP_PORT")
    run.set_defaults(handler=ops.run_command)

    console = commands.add_parser(
        "console", help="chat with the bot in this terminal, on a demo clinic (no Telegram)"
    )
    console.add_argument("--language", choices=["en", "ru", "es"], default="en",
                         help="the language your pretend Telegram app uses")
    console.add_argument("--as", dest="as_role", choices=["client", "provider"], default="client",
                         help="provider: you run the demo clinic's first provider, and a local "
                              "address opens the Mini App with a development sign-in")
    console.set_defaults(handler=ops.console_command)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_commands.add_parser("upgrade", help="bring the schema up to date").set_defaults(
        handler=_db_upgrade
    )

    provider = commands.add_parser("provider", help="manage providers")
    provider_commands = provider.add_subparsers(
        dest="provider_command", required=True, parser_class=_Parser
    )
    imp = provider_commands.add_parser("import", help="import a provider from a JSON file")
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=_provider_import)

    invite = commands.add_parser(
        "invite", help="print a single-use invite link: for a new provider, or --provider ID"
    )
    invite.add_argument("--provider", type=row_id,
                        help="an existing provider with no Telegram account yet (e.g. imported)")
    invite.add_argument("--name", help="a new provider's name")
    invite.add_argument("--type", type=provider_type, help="DOCTOR, THERAPIST, CONSULTANT or TUTOR")
    invite.add_argument("--timezone", help="IANA zone, e.g. Europe/Berlin")
    invite.add_argument("--now", type=instant)
    invite.set_defaults(handler=_invite)

    slots = commands.add_parser("slots", help="list available starts (UTC) for a date")
    slots.add_argument("--provider", type=row_id, required=True)
    slots.add_argument("--type", type=row_id, required=True)
    slots.add_argument("--date", type=day, required=True, help="the provider's local date")
    slots.add_argument("--now", type=instant)
    slots.set_defaults(handler=_slots)

    quiet = _Parser(add_help=False)
    quiet.add_argument("--no-notify", action="store_true",
                       help="tell nobody in Telegram (e.g. when importing past bookings)")

    book_ = commands.add_parser("book", parents=[quiet], help="book a slot for a client")
    book_.add_argument("--provider", type=row_id, required=True)
    book_.add_argument("--type", type=row_id, required=True)
    book_.add_argument("--client", type=telegram_id, required=True, help="Telegram user id")
    book_.add_argument("--start", type=instant, required=True)
    book_.add_argument("--notes")
    book_.add_argument("--now", type=instant)
    book_.set_defaults(handler=_book)

    cancel = commands.add_parser("cancel", parents=[quiet], help="cancel an appointment")
    cancel.add_argument("appointment", type=row_id)
    cancel.add_argument("--reason")
    cancel.add_argument("--now", type=instant)
    cancel.set_defaults(handler=_cancel)

    add_series_arguments(book_, cancel)

    move = commands.add_parser("reschedule", parents=[quiet], help="move an appointment to another start")
    move.add_argument("appointment", type=row_id)
    move.add_argument("--start", type=instant, required=True)
    move.add_argument("--now", type=instant)
    move.set_defaults(handler=_reschedule)

    health = commands.add_parser(
        "health", help="ask a running bot's /healthz (exit 0 healthy, 1 not): Docker's HEALTHCHECK"
    )
    health.add_argument("--url", help="default: http://127.0.0.1:$SLOTBOT_HTTP_PORT/healthz")
    health.set_defaults(handler=ops.health_command)

    export = commands.add_parser("export", help="write providers, appointments and the waitlist to files")
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument("--out", type=Path, required=True,
                        help="json: the file to write; csv: a folder for one file per table")
    export.add_argument("--provider", type=row_id, help="only this provider's data")
    export.set_defaults(handler=ops.export_command)

    add_calendar_commands(commands, _Parser)
    return parser


def _clock(args: argparse.Namespace) -> Callable[[], datetime]:
    now = getattr(args, "now", None)
    return (lambda: now) if now is not None else utc_now


async def _db_upgrade(args: argparse.Namespace, settings: Settings) -> Any:
    async with open_app(settings, upgrade=False) as app:
        await upgrade_schema(app.engine)
    return {"status": "up to date"}


async def _with_app(
    args: argparse.Namespace, settings: Settings, use: Callable[[App], Coroutine[Any, Any, Any]]
) -> Any:
    if getattr(args, "now", None) is not None:
        check_now(args.now)  # before the database is touched
    async with open_app(settings, clock=_clock(args)) as app:
        return await use(app)


async def _told(args: argparse.Namespace, settings: Settings, app: App, change: Change | None) -> None:
    if not args.no_notify:
        await tell(settings, app, change)


async def _provider_import(args: argparse.Namespace, settings: Settings) -> Any:
    new = read_provider_file(args.file)

    async def use(app: App) -> Any:
        provider, types = await register_provider(app.uow(), new)
        return {"provider_id": provider.id, "type_ids": [t.id for t in types]}

    return await _with_app(args, settings, use)


async def _invite(args: argparse.Namespace, settings: Settings) -> Any:
    check_invite_args(args)
    return await _with_app(args, settings, lambda app: make_invite(args, settings, app))


async def _slots(args: argparse.Namespace, settings: Settings) -> Any:
    async def use(app: App) -> Any:
        check_date("--date", args.date, app.clock())
        slots = await get_available_slots(app.uow(), args.provider, args.type, args.date, app.clock())
        return [utc_iso(s) for s in slots]

    return await _with_app(args, settings, use)


async def _book(args: argparse.Namespace, settings: Settings) -> Any:
    if is_series(args):
        return await _with_app(args, settings, lambda app: book_series_command(args, settings, app))

    async def use(app: App) -> Any:
        check_instant("--start", args.start, app.clock())
        client = await get_or_create_client(app.uow(), args.client)
        outcome = await book(
            app.uow(),
            provider_id=args.provider,
            type_id=args.type,
            client_id=client.id,
            start=args.start,
            now=app.clock(),
            notes=args.notes,
        )
        appointment = outcome.appointment
        # A repeat of a booking already held changes nothing: nobody is told twice.
        await _told(args, settings, app, Change("booked", appointment.id) if outcome.created else None)
        return describe(appointment)

    return await _with_app(args, settings, use)


async def _cancel(args: argparse.Namespace, settings: Settings) -> Any:
    if args.series == "rest":
        return await _with_app(args, settings, lambda app: cancel_series_command(args, settings, app))

    async def use(app: App) -> Any:
        appointment = await cancel_appointment(
            app.uow(), args.appointment, now=app.clock(), reason=args.reason
        )
        await _told(args, settings, app, Change("cancelled", args.appointment))
        return describe(appointment)

    return await _with_app(args, settings, use)


async def _reschedule(args: argparse.Namespace, settings: Settings) -> Any:
    async def use(app: App) -> Any:
        check_instant("--start", args.start, app.clock())
        async with app.uow() as unit:
            before = await unit.appointments.get(args.appointment)
        appointment = await reschedule_appointment(
            app.uow(), args.appointment, new_start=args.start, now=app.clock()
        )
        # Moving to where it already is changes nothing: nobody is told.
        moved = before is None or before.start != appointment.start
        await _told(args, settings, app, Change("moved", args.appointment) if moved else None)
        return describe(appointment)

    return await _with_app(args, settings, use)


def _fail(code: int, message: str) -> int:
    print(f"slotbot: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = "SLOTBOT_" + str(error["loc"][0]).upper() if error["loc"] else "settings"
        return _fail(EXIT_BAD_INPUT, f"{field}: {error['msg']}")
    logs.configure("WARNING", settings.log_format)
    try:
        result = asyncio.run(args.handler(args, settings))
    except BotStartError as exc:
        return _fail(EXIT_BAD_INPUT, str(exc))
    except ops.Unhealthy as exc:
        return _fail(EXIT_FAILED, f"unhealthy: {exc}")
    except UnsupportedDatabase as exc:
        return _fail(EXIT_BAD_INPUT, f"SLOTBOT_DATABASE_URL: {exc}")
    except (UsageError, ProviderFileError, InvalidProviderData, NotFound) as exc:
        return _fail(EXIT_BAD_INPUT, str(exc))
    except (InvalidTransition, BookingError) as exc:
        return _fail(EXIT_REFUSED, str(exc))
    except OverflowError as exc:
        # The last guard: a date or number beyond what the code can compute with
        # came from the command line (the checks in bot/cli_args.py come first).
        log.debug("out of range", exc_info=True)
        return _fail(EXIT_BAD_INPUT, f"a value is out of range: {exc}")
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        log.debug("database error", exc_info=True)
        return _fail(EXIT_FAILED, f"database error: {type(cause).__name__}: {cause}")
    except OSError as exc:
        return _fail(EXIT_FAILED, f"cannot reach the database: {exc}")
    except KeyboardInterrupt:
        return _fail(130, "interrupted")
    code = EXIT_OK
    if isinstance(result, Reported):
        result, code = result.output, result.exit_code
    if result is not None:
        json.dump(result, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
