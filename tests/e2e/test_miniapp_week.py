"""The Mini App's sign-in and its week, through the bot's real HTTP server.

Clock: Wednesday 2026-11-25 12:00 UTC; the week is Monday 23 .. Sunday 29 November.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.e2e.miniapp_harness import ADMIN_ID, ANA, MARIA, STRANGER, running_miniapp

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
THU_NINE_BERLIN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
FRI_TEN_MADRID = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
async def server(engine, clock, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>week</title>")
    (tmp_path / "app.js").write_text("console.log('hi')")
    (tmp_path / "app.css").write_text("body{}")
    (tmp_path / ".secret").write_text("no")
    async with running_miniapp(engine, clock, page_dir=tmp_path) as running:
        yield running


async def test_the_page_and_its_files_are_served_without_sign_in(server):
    page = await server.call("GET", "/app/", user=None)
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-cache"
    script = await server.call("GET", "/app/static/app.js", user=None)
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    css = await server.call("GET", "/app/static/app.css", user=None)
    assert css.headers["Content-Type"].startswith("text/css")
    for wrong in ("/app/static/.secret", "/app/static/..%2Fapp.js", "/app/static/missing.js",
                  "/app/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/app/static/app.py"):
        assert (await server.call("GET", wrong, user=None)).status == 404, wrong


async def test_without_initdata_the_api_answers_401(server):
    reply = await server.call("GET", "/app/api/week", user=None)
    assert reply.status == 401 and reply.body["error"]
    for header in ("Bearer x", "tma", "tma ", "tma garbage", "tma hash=00&auth_date=1"):
        reply = await server.call("GET", "/app/api/week", auth=header)
        assert reply.status == 401, header


async def test_forged_tampered_expired_and_future_initdata_answer_401(server):
    forged = server.init_data(ANA, token="123:not-the-bots-token")
    pairs = dict(parse_qsl(server.init_data(MARIA)))
    pairs["user"] = pairs["user"].replace(str(MARIA), str(ANA))  # Maria pretends to be Ana
    tampered = urlencode(pairs)
    expired = server.init_data(ANA, at=server.bot.clock.now - timedelta(hours=24, minutes=1))
    future = server.init_data(ANA, at=server.bot.clock.now + timedelta(minutes=5))
    for raw in (forged, tampered, expired, future):
        reply = await server.call("GET", "/app/api/week", auth="tma " + raw)
        assert reply.status == 401, raw
        assert "hash" not in str(reply.body)


async def test_a_client_who_runs_no_calendar_gets_403(server):
    reply = await server.call("GET", "/app/api/week", user=STRANGER)
    assert reply.status == 403 and reply.body["error"]


async def test_the_provider_gets_their_week_and_never_another_providers_bookings(server):
    mine = await server.book(server.ana, 0, THU_NINE_BERLIN)
    theirs = await server.book(server.maria, 0, FRI_TEN_MADRID, client_user=703, name="Eve")
    reply = await server.call("GET", "/app/api/week?start=2026-11-26")
    assert reply.status == 200, reply.body
    week = reply.body
    assert week["provider"] == {"id": server.ana, "name": "Dr. Ana Petrova",
                                "timezone": "Europe/Berlin", "language": "en"}
    assert week["week"] == {"start": "2026-11-23", "end": "2026-11-29", "today": "2026-11-25"}
    assert [d["date"] for d in week["days"]][0::6] == ["2026-11-23", "2026-11-29"]
    monday = week["days"][0]
    assert monday["hours"][0] | {"id": None} == {"start": "09:00", "end": "12:30", "id": None}
    assert monday["day_off"] is False and week["days"][5]["day_off"] is True
    assert {"weekday": 0, "start": "14:00", "end": "18:00"} in week["weekly"]
    (appointment,) = week["appointments"]
    assert appointment["id"] == mine.id and appointment["id"] != theirs.id
    assert appointment["start"] == "2026-11-26T08:00:00Z"
    assert appointment["status"] == "CONFIRMED" and appointment["client"] == "Tom"
    assert appointment["type"] == "Consultation"
    assert "Eve" not in str(week) and "María" not in str(week)

    maria = await server.call("GET", "/app/api/week?start=2026-11-26", user=MARIA)
    assert [a["id"] for a in maria.body["appointments"]] == [theirs.id]
    assert maria.body["appointments"][0]["status"] == "PENDING"


async def test_a_provider_naming_another_provider_gets_403(server):
    reply = await server.call("GET", f"/app/api/week?provider={server.maria}")
    assert reply.status == 403
    own = await server.call("GET", f"/app/api/week?provider={server.ana}")
    assert own.status == 200 and own.body["provider"]["id"] == server.ana


async def test_an_admin_acts_for_a_provider_they_name(server):
    assert (await server.call("GET", "/app/api/week", user=ADMIN_ID)).status == 403
    reply = await server.call("GET", f"/app/api/week?provider={server.maria}", user=ADMIN_ID)
    assert reply.status == 200 and reply.body["provider"]["name"] == "María López"
    missing = await server.call("GET", "/app/api/week?provider=99999", user=ADMIN_ID)
    assert missing.status == 403


@pytest.mark.parametrize("query", ["start=2026-13-01", "start=tomorrow", "start=9999-12-31",
                                   "start=2026-1-1", "provider=abc"])
async def test_a_bad_query_answers_400_naming_the_field(server, query):
    reply = await server.call("GET", "/app/api/week?" + query)
    assert reply.status == 400 and reply.body["field"] in ("start", "provider")


async def test_the_week_is_the_one_of_the_providers_zone_and_defaults_to_today(server):
    reply = await server.call("GET", "/app/api/week")
    assert reply.body["week"]["start"] == "2026-11-23"
    sunday = await server.call("GET", "/app/api/week?start=2026-11-29")
    assert sunday.body["week"]["start"] == "2026-11-23"
    next_monday = await server.call("GET", "/app/api/week?start=2026-11-30")
    assert next_monday.body["week"] == {"start": "2026-11-30", "end": "2026-12-06",
                                        "today": "2026-11-25"}


async def test_the_figures_of_the_last_weeks(server):
    booked = await server.book(server.ana, 0, THU_NINE_BERLIN)
    server.bot.clock.now = THU_NINE_BERLIN + timedelta(hours=2)
    done = await server.call("POST", f"/app/api/appointments/{booked.id}/complete")
    assert done.status == 200
    reply = await server.call("GET", "/app/api/figures?weeks=8")
    assert reply.status == 200, reply.body
    weeks = reply.body["weeks"]
    assert len(weeks) == 8 and weeks[-1]["start"] == "2026-11-23" and weeks[0]["start"] == "2026-10-05"
    assert weeks[-1]["bookings"] == 1 and weeks[-1]["completed"] == 1
    assert weeks[-1]["open_minutes"] == 5 * (210 + 240)
    assert weeks[-1]["booked_minutes"] == 30 and weeks[-1]["no_show_rate"] == 0.0
    assert reply.body["totals"]["bookings"] == 1
    maria = await server.call("GET", "/app/api/figures", user=MARIA)
    assert maria.body["totals"]["bookings"] == 0  # Ana's booking is not María's
    for bad in ("0", "27", "x", "-1"):
        assert (await server.call("GET", "/app/api/figures?weeks=" + bad)).status == 400


async def test_the_pages_texts_come_from_the_catalogs_in_the_providers_language(server):
    english = await server.call("GET", "/app/api/texts")
    assert english.status == 200
    assert english.body["texts"]["title"] == "My week"
    assert english.body["weekdays"][0] == "Mon" and english.body["time_format"]["hour12"] is True
    russian = await server.call("GET", "/app/api/texts?lang=ru")
    assert russian.body["locale"] == "ru" and russian.body["texts"]["title"] == "Моя неделя"
    assert russian.body["months"][2] == "март" and russian.body["time_format"]["hour12"] is False
    spanish = await server.call("GET", "/app/api/texts?lang=es-ES")
    assert spanish.body["texts"]["confirm"] == "Confirmar"
    assert (await server.call("GET", "/app/api/texts?lang=pt")).body["locale"] == "en"
    assert (await server.call("GET", "/app/api/texts", user=None)).status == 401


async def test_the_sign_in_words_are_served_without_initdata_in_the_asked_language(server):
    reply = await server.call("GET", "/app/signin-texts?lang=es", user=None)
    assert reply.status == 200
    assert reply.body["locale"] == "es"
    assert reply.body["texts"]["providers_only"] == "Esta página es para profesionales."
    assert set(reply.body["texts"]) == {"open_from_bot", "providers_only", "offline"}
