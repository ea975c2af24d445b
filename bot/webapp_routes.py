"""The Mini App under ``/app/``: the page's files and the week.

* ``GET /app/`` -> the page (``bot/webapp/index.html``), ``GET /app/static/<file>`` ->
  one of its files. Only plain file names of that one folder are served (no
  sub-folders, no dot files, nothing resolved outside it), with their content
  type and ``Cache-Control: no-cache`` (a new release shows at the next open).
  Nothing secret is in them: the page gets its data from the API, signed in
  with Telegram's initData.
* ``GET /app/api/week?start=YYYY-MM-DD``: that week of the calling provider.
* ``GET /app/api/figures?weeks=8``: the practice in figures (core/practice_figures.py
  says what each one counts), the current week last, and the totals.
* ``GET /app/api/texts?lang=xx``: the page's strings (conversations/webapp_texts.py).

The API's other routes live in bot/webapp_actions.py and bot/webapp_schedule.py;
all go through :func:`bot.webapp_access.api`.
"""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from bot.webapp_access import MINIAPP, ApiError, Caller, MiniApp, api
from bot.webapp_json import week_json
from conversations.i18n import resolve_locale, texts_for
from conversations.webapp_texts import page_texts, signin_texts
from core.bounds import OutOfRange, check_day
from core.localtime import local_date, zone
from core.practice_figures import MAX_WEEKS, WeekFigures, figures_of
from core.provider_week import provider_week

DEFAULT_WEEKS = 8

STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)+$")
CONTENT_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
    ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
    ".json": "application/json", ".woff2": "font/woff2", ".txt": "text/plain",
}
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _file(miniapp: MiniApp, name: str) -> web.Response:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not STATIC_NAME.match(name) or suffix not in CONTENT_TYPES:
        raise web.HTTPNotFound()
    folder = miniapp.page_dir.resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise web.HTTPNotFound()
    content_type = CONTENT_TYPES[suffix]
    charset = "utf-8" if content_type.startswith("text/") or suffix in (".svg", ".json") else None
    return web.Response(body=path.read_bytes(), content_type=content_type, charset=charset,
                        headers=PAGE_HEADERS)


async def _page(request: web.Request) -> web.Response:
    return _file(request.app[MINIAPP], "index.html")


async def _static(request: web.Request) -> web.Response:
    return _file(request.app[MINIAPP], request.match_info["name"])


async def _app_root(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/app/")


def week_start(request: web.Request, caller: Caller, now_day: date) -> date:
    raw = request.query.get("start")
    if raw is None or raw == "":
        return now_day
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ApiError(400, caller.texts._("This is not a valid request."), field="start")
    try:
        return check_day(day, now_day)  # no arithmetic on dates near date.max
    except OutOfRange:
        raise ApiError(400, caller.texts._("This is not a valid request."), field="start") from None


def today_of(request: web.Request, caller: Caller) -> date:
    return local_date(request.app[MINIAPP].services.clock(), zone(caller.provider.timezone))


async def week_answer(request: web.Request, caller: Caller, day: date) -> web.Response:
    svc = request.app[MINIAPP].services
    week = await provider_week(svc.uow(), caller.provider_id, day, now=svc.clock())
    return web.json_response(week_json(week, caller.texts.locale))


@api
async def _week(request: web.Request, caller: Caller) -> web.Response:
    today = today_of(request, caller)
    return await week_answer(request, caller, week_start(request, caller, today))


def _figures_json(week: WeekFigures) -> dict[str, object]:
    return {"start": week.start.isoformat(), **week.counts(),
            "no_show_rate": week.no_show_rate, "late_cancel_rate": week.late_cancel_rate,
            "booked_share": week.booked_share, "refill_rate": week.refill_rate}


@api
async def _figures(request: web.Request, caller: Caller) -> web.Response:
    raw = request.query.get("weeks", str(DEFAULT_WEEKS))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WEEKS:
        raise ApiError(400, caller.texts._("This is not a valid request."), field="weeks")
    svc = request.app[MINIAPP].services
    figures = await figures_of(svc.uow(), caller.provider_id, int(raw), now=svc.clock())
    return web.json_response({
        "weeks": [_figures_json(week) for week in figures.weeks],
        "totals": _figures_json(figures.totals),
    })


@api
async def _texts(request: web.Request, caller: Caller) -> web.Response:
    """The page's strings: in ``?lang=`` when it is one of ours, else the provider's."""
    wanted = request.query.get("lang")
    texts = texts_for(resolve_locale(wanted, caller.texts.locale)) if wanted else caller.texts
    return web.json_response(page_texts(texts))


async def _signin_texts(request: web.Request) -> web.Response:
    """The few words the page shows when sign-in fails, in ``?lang=`` (Telegram's language
    of the person, from initData, unchecked: it only picks a language). No initData needed,
    hence outside /app/api/: nothing here is anyone's data."""
    return web.json_response(signin_texts(texts_for(resolve_locale(request.query.get("lang"), None))))


def add_webapp_routes(app: web.Application, miniapp: MiniApp) -> None:
    from bot import webapp_actions, webapp_schedule  # noqa: PLC0415 - they import this module

    app[MINIAPP] = miniapp
    app.router.add_get("/app", _app_root)
    app.router.add_get("/app/", _page)
    app.router.add_get("/app/static/{name}", _static)
    app.router.add_get("/app/signin-texts", _signin_texts)
    app.router.add_get("/app/api/week", _week)
    app.router.add_get("/app/api/figures", _figures)
    app.router.add_get("/app/api/texts", _texts)
    webapp_actions.add_routes(app)
    webapp_schedule.add_routes(app)
