"""The bot's HTTP side: Telegram's webhook, a health check and Prometheus metrics.

* ``POST <webhook path>``: an update from Telegram. A request without the secret
  token Telegram was given gets 403. An update id seen before (by any process:
  the database remembers) is acknowledged and dropped — Telegram redelivers when
  a response is slow or failed. The update is processed before answering, so a
  failure answers 500 and Telegram's retry gets it processed (the id is
  forgotten again), and several processes behind one URL share the work.
* ``GET /healthz``: 200 when the database answers, 503 otherwise.
* ``GET /metrics``: Prometheus text format.
* ``GET /calendar/<token>.ics``: a provider's calendar feed (``bot/calendar_route.py``),
  in both modes, when given :class:`~bot.calendar_route.CalendarFeeds`.
* ``/app/...``: the providers' Mini App (``bot/webapp_routes.py``), in both modes, when
  given :class:`~bot.webapp_access.MiniApp` (the running PTB application).

aiohttp is already a dependency (the Bot API stand-in); PTB's own webhook server
has no room for the health and metrics routes, so this one replaces it.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application

from bot.calendar_route import CalendarFeeds, add_feed_route
from bot.webapp_access import MiniApp
from bot.webapp_routes import add_webapp_routes
from conversations.metrics import DUPLICATE_UPDATES
from storage.telegram_state import TelegramStateStore

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Webhook:
    path: str
    secret: str
    application: Application
    store: TelegramStateStore


ENGINE = web.AppKey("engine", AsyncEngine)
WEBHOOK = web.AppKey("webhook", Webhook)


async def _healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: the database does not answer: %s", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "down"}, status=503)
    return web.json_response({"status": "ok", "database": "up"})


async def _metrics(_request: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _update(request: web.Request) -> web.Response:
    hook = request.app[WEBHOOK]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), hook.secret.encode()):
        return web.Response(status=403, text="forbidden")
    try:
        update = Update.de_json(await request.json(), hook.application.bot)
    except (json.JSONDecodeError, ValueError, TypeError, KeyError):
        return web.Response(status=400, text="not an update")
    if update is None:
        return web.Response(status=400, text="not an update")
    if not await hook.store.first_sighting(update.update_id):
        DUPLICATE_UPDATES.inc()
        log.info("update %s delivered again: dropped", update.update_id)
        return web.Response(text="ok")
    application = hook.application
    try:
        await application.update_processor.process_update(update, application.process_update(update))
    except Exception:
        # Handler errors are dealt with inside process_update; this is worse
        # (the database is down, say): let Telegram deliver it again.
        log.exception("update %s could not be processed", update.update_id)
        await hook.store.forget_update(update.update_id)
        return web.Response(status=500, text="try again")
    return web.Response(text="ok")


def http_app(
    engine: AsyncEngine, webhook: Webhook | None = None, feeds: CalendarFeeds | None = None,
    miniapp: MiniApp | None = None,
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[ENGINE] = engine
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    if feeds is not None:
        add_feed_route(app, feeds)
    if miniapp is not None:
        add_webapp_routes(app, miniapp)
    if webhook is not None:
        app[WEBHOOK] = webhook
        app.router.add_post(webhook.path, _update)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app``; several processes may share the port (SO_REUSEPORT spreads the load)."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=30)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_port=True).start()
    return runner
