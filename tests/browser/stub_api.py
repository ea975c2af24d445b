"""A stand-in for the bot's /app/ routes with the contract's JSON shapes, for page tests.

It serves the real page files from bot/webapp/ and answers /app/api/... from a small
in-memory week, recording every call, so the page's own behaviour (what it sends for a
drag, a block conflict, a confirm) is tested quickly and without a database. The real
server is tested with the page in test_miniapp.py.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from conversations.i18n import texts_for
from conversations.webapp_texts import page_texts

WEBAPP = Path(__file__).resolve().parents[2] / "bot" / "webapp"
INIT_DATA = "query_id=AA&user=%7B%22id%22%3A1%7D&auth_date=1800000000&hash=abc"

WEEKLY = [
    {"weekday": wd, "start": start, "end": end}
    for wd in (0, 2, 3, 4)
    for start, end in (("09:00", "12:30"), ("13:30", "18:00"))
]
APPOINTMENTS = [
    {"id": 11, "start": "2027-03-15T09:00:00Z", "end": "2027-03-15T10:00:00Z",
     "status": "CONFIRMED", "client": "Anna <b>Lee</b>", "type": "Consultation", "type_id": 1,
     "series": False, "late_cancel": False},
    {"id": 12, "start": "2027-03-17T08:00:00Z", "end": "2027-03-17T09:00:00Z",
     "status": "PENDING", "client": "Tom", "type": "Consultation", "type_id": 1,
     "series": False, "late_cancel": False},
    {"id": 13, "start": "2027-03-18T13:00:00Z", "end": "2027-03-18T13:30:00Z",
     "status": "CANCELLED", "client": "Olga", "type": "Check-up", "type_id": 2,
     "series": False, "late_cancel": True},
    {"id": 14, "start": "2027-03-19T14:00:00Z", "end": "2027-03-19T15:00:00Z",
     "status": "CONFIRMED", "client": "Maria", "type": "Therapy", "type_id": 3,
     "series": True, "late_cancel": False},
]
FIGURES = {
    "weeks": [
        {"start": f"2027-01-{d:02d}" if d <= 31 else f"2027-02-{d - 31:02d}",
         "bookings": b, "completed": c, "no_show": n, "late_cancel": lc, "cancelled": x,
         "open_minutes": 1800, "booked_minutes": bm, "freed": f, "refilled": r}
        for d, b, c, n, lc, x, bm, f, r in (
            (25, 12, 9, 1, 1, 3, 900, 2, 1), (32, 15, 12, 2, 0, 2, 1080, 3, 2),
            (39, 9, 8, 0, 1, 1, 720, 1, 1), (46, 14, 11, 1, 2, 3, 1020, 4, 2),
            (53, 18, 15, 1, 1, 2, 1260, 2, 2), (60, 16, 13, 2, 0, 1, 1200, 1, 0),
            (67, 20, 17, 1, 1, 3, 1440, 3, 3), (74, 11, 6, 0, 0, 1, 660, 1, 1))
    ],
}


def _rates(counts: dict[str, Any]) -> dict[str, Any]:
    held = counts["completed"] + counts["no_show"]
    return {**counts, "no_show_rate": counts["no_show"] / held if held else None,
            "late_cancel_rate": counts["late_cancel"] / counts["bookings"],
            "booked_share": counts["booked_minutes"] / counts["open_minutes"],
            "refill_rate": counts["refilled"] / counts["freed"]}


FIGURES["weeks"] = [_rates(week) for week in FIGURES["weeks"]]
FIGURES["totals"] = _rates({
    key: sum(week[key] for week in FIGURES["weeks"])
    for key in FIGURES["weeks"][0] if key != "start" and not key.endswith(("_rate", "_share"))
})


@dataclass
class StubApi:
    """The stub's state; ``calls`` lists (method, path, json body) as the page sent them."""

    weekly: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(WEEKLY))
    blocks: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(APPOINTMENTS))
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    base_url: str = ""

    def week(self) -> dict[str, Any]:
        days = []
        for weekday in range(7):
            date = f"2027-03-{15 + weekday}"
            hours = [{"start": i["start"], "end": i["end"]}
                     for i in self.weekly if i["weekday"] == weekday]
            blocks = [{k: b[k] for k in ("id", "start", "end", "whole_day")}
                      for b in self.blocks if b["date"] == date]
            days.append({"date": date, "weekday": weekday, "day_off": not hours,
                         "hours": hours, "special": False, "blocks": blocks})
        return {
            "provider": {"id": 1, "name": "Dr Ada", "timezone": "Europe/Berlin", "language": "en"},
            "week": {"start": "2027-03-15", "end": "2027-03-21", "today": "2027-03-17"},
            "days": days, "weekly": self.weekly, "hours": self.weekly, "blocks": self.blocks,
            "appointments": self.appointments,
        }

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        path = request.match_info["tail"]
        self.calls.append((request.method, path, body))
        if request.headers.get("Authorization") != f"tma {INIT_DATA}":
            return web.json_response({"error": "no initData"}, status=401)
        if path == "texts":
            return web.json_response(page_texts(texts_for("en")))
        if path == "week":
            return web.json_response(self.week())
        if path == "figures":
            return web.json_response(FIGURES)
        if path.startswith("hours/") and request.method == "PUT":
            weekday = int(path.split("/")[1])
            self.weekly = [i for i in self.weekly if i["weekday"] != weekday] + [
                {"weekday": weekday, **i} for i in body["intervals"]]
            return web.json_response(self.week())
        if path == "hours/copy":
            return web.json_response(self.week())
        if path == "blocks" and request.method == "POST":
            clashing = [a for a in self.appointments
                        if a["start"].startswith(body["date"]) and a["status"] == "CONFIRMED"]
            if clashing and body.get("decision") is None:
                return web.json_response({"error": "1 booking in this block", "conflicts": [
                    {"id": a["id"], "start": a["start"], "client": a["client"], "type": a["type"]}
                    for a in clashing]}, status=409)
            if body.get("decision") == "cancel":
                for appointment in clashing:
                    appointment["status"] = "CANCELLED"
            self.blocks.append({"id": 70 + len(self.blocks), **{
                k: body[k] for k in ("date", "start", "end")}, "whole_day": body["start"] is None})
            return web.json_response(self.week())
        if path.startswith("appointments/"):
            _, ident, action = path.split("/")
            appointment = next(a for a in self.appointments if a["id"] == int(ident))
            appointment["status"] = {"confirm": "CONFIRMED", "decline": "CANCELLED",
                                     "cancel": "CANCELLED", "complete": "COMPLETED",
                                     "no_show": "NO_SHOW"}[action]
            return web.json_response({"appointment": appointment})
        return web.json_response({"error": "unknown"}, status=404)


async def _page(_request: web.Request) -> web.Response:
    return web.FileResponse(WEBAPP / "index.html")


def _app(stub: StubApi) -> web.Application:
    app = web.Application()
    app.router.add_get("/app/", _page)
    app.router.add_static("/app/static/", WEBAPP)
    app.router.add_route("*", "/app/api/{tail:.*}", stub.handle)
    return app


class RunningStub:
    """The stub served on a free port by a thread of its own (Selenium's calls block)."""

    def __init__(self) -> None:
        self.stub = StubApi()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(_app(self.stub))
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the bound port
        self.stub.base_url = f"http://127.0.0.1:{port}"
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> StubApi:
        self._thread.start()
        self._ready.wait(10)
        return self.stub

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
