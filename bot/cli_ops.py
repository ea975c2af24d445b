"""The long-running and operator commands of ``slotbot``: run, console, health, export.

Kept apart from ``bot/cli.py`` (the parser and the booking commands); the exit
codes and error handling are the same, in ``bot.cli.main``.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot import logs
from bot.bootstrap import open_app
from bot.errors import BotStartError, UsageError
from bot.json_views import utc_iso
from bot.settings import Settings
from core.errors import NotFound


class Unhealthy(Exception):
    """``slotbot health``: the bot did not say it is healthy (exit 1)."""



async def run_command(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.telegram_run import run_bot, run_workers

    logs.configure(settings.log_level, settings.log_format)
    if args.workers > 1:
        if not args.webhook:
            raise BotStartError("--workers needs --webhook: with long polling only one process may ask")
        await run_workers(settings, args.workers)
        return None
    await run_bot(settings, webhook=args.webhook)
    return None


async def console_command(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.telegram_run import run_console

    await run_console(settings, language=args.language, as_provider=args.as_role == "provider")
    return None


async def health_command(args: argparse.Namespace, settings: Settings) -> Any:
    import aiohttp

    url = args.url or f"http://127.0.0.1:{settings.http_port or 8080}/healthz"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=4)) as session:
            async with session.get(url) as response:
                body = await response.json(content_type=None)
                status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise Unhealthy(f"{url}: no answer ({type(exc).__name__})") from None
    if status != 200:
        raise Unhealthy(f"{url}: {status} {body}")
    return body


async def export_command(args: argparse.Namespace, settings: Settings) -> Any:
    from bot.export import write_csv, write_json
    from storage.export import snapshot

    async with open_app(settings) as app:
        async with app.uow() as unit:
            data = await snapshot(unit, args.provider)
        if args.provider is not None and not data["providers"]:
            raise NotFound("provider", args.provider)
        stamp = utc_iso(app.clock())
    try:
        files = [write_json(data, args.out, stamp)] if args.format == "json" else write_csv(data, args.out)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    return {"files": [str(f) for f in files], "counts": {k: len(v) for k, v in data.items()}, "exported_at": stamp}


