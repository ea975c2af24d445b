"""``GET /calendar/<token>.ics`` through the bot's real aiohttp server, on SQLite and
PostgreSQL: the feed, its ETag and 304, the same 404 for every wrong token, a token
never logged, and the route served in long-polling and webhook mode alike."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import aiohttp
import icalendar
import pytest
from multidict import CIMultiDict

from bot.calendar_route import CalendarFeeds
from bot.http_server import http_app, start_http
from bot.standin import BotApiStandIn
from bot.telegram_run import serving
from core.booking import book_appointment, cancel_appointment
from core.calendar_subscription import new_feed_link
from core.clients import get_or_create_client
from core.feed_urls import feed_path
from storage.engine import create_engine, session_factory
from storage.schema import upgrade_schema
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import FIXED_NOW
from tests.e2e.conftest import free_port
from tests.e2e.test_webhook import SECRET, demo_bot
from tests.integration.clinic import register

HOST = "bot.example.org"
NINE_BERLIN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def feed_server(engine, clock, uow):
    """A provider with one booking and a feed link, served by http_app on a free port
    (``engine`` runs every test on SQLite and on PostgreSQL)."""
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1, name="Olga")
    booked = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=client.id, start=NINE_BERLIN, now=FIXED_NOW)
    token = await new_feed_link(uow(), provider_id)
    port = free_port()
    feeds = CalendarFeeds(uow, clock, HOST)
    runner = await start_http(http_app(engine, feeds=feeds), "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}", token, provider_id, booked
    finally:
        await runner.cleanup()


async def _get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


async def test_the_feed_is_served_as_a_calendar_with_an_etag(feed_server):
    base, token, _provider, booked = feed_server
    status, headers, body = await _get(base + feed_path(token))
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Cache-Control"] == "private, max-age=300"
    assert headers["ETag"].startswith('"') and len(headers["ETag"]) == 34
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == f"appointment-{booked.id}@{HOST}"
    assert event.decoded("DTSTART") == NINE_BERLIN
    again = await _get(base + feed_path(token))
    assert again[1]["ETag"] == headers["ETag"] and again[2] == body  # nothing changed


async def test_the_same_etag_answers_304_and_a_change_gives_a_new_one(feed_server, uow, clock):
    base, token, _provider, booked = feed_server
    url = base + feed_path(token)
    _, headers, _ = await _get(url)
    etag = headers["ETag"]
    for given in (etag, "W/" + etag, f'"other", {etag}', "*"):
        status, repeat, body = await _get(url, **{"If-None-Match": given})
        assert (status, body, repeat["ETag"]) == (304, b"", etag), given
        assert repeat["Cache-Control"] == "private, max-age=300"
    assert (await _get(url, **{"If-None-Match": '"other"'}))[0] == 200

    clock.now = FIXED_NOW + timedelta(hours=1)
    await cancel_appointment(uow(), booked.id, now=clock.now)
    status, headers, body = await _get(url, **{"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


async def test_head_answers_like_get_without_the_body(feed_server):
    base, token, *_ = feed_server
    url = base + feed_path(token)
    async with aiohttp.ClientSession() as session, session.head(url) as response:
        assert response.status == 200 and response.headers["ETag"]
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert await response.read() == b""


async def test_every_wrong_token_gets_the_same_404(feed_server, uow):
    base, token, provider_id, _ = feed_server
    new = await new_feed_link(uow(), provider_id)  # "new link": the old one stops working
    answers = []
    for path in (
        feed_path(token),  # the old link
        feed_path("A" * 43),  # well-formed, never issued
        feed_path(token[:-1]),  # one character short
        feed_path(new[:-1] + ("A" if new[-1] != "A" else "B")),  # one character off
        feed_path("x" * 2000),
        "/calendar/..%2F..%2Fetc%2Fpasswd.ics",
        "/calendar/%00%ff.ics",
        "/calendar/" + new,  # no .ics
    ):
        status, headers, body = await _get(base + path)
        answers.append((status, body, headers.get("Content-Type"), headers.get("ETag")))
    # The answer to a path nobody serves, word for word.
    nobody = await _get(base + "/nothing-here")
    assert set(answers) == {(404, nobody[2], nobody[1].get("Content-Type"), None)}
    assert (await _get(base + feed_path(new)))[0] == 200


async def test_the_token_never_reaches_the_logs(feed_server, caplog):
    base, token, *_ = feed_server
    caplog.set_level(logging.DEBUG)
    await _get(base + feed_path(token))
    await _get(base + feed_path(token[::-1]))
    logged = [r.getMessage() for r in caplog.records]
    assert not [m for m in logged if token in m or token[::-1] in m]


async def test_a_database_that_does_not_answer_is_503_without_the_token(tmp_path, clock, caplog):
    engine = create_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    await upgrade_schema(engine)
    uow = unit_of_work_factory(session_factory(engine), clock)
    provider_id, _single, _group = await register(uow)
    token = await new_feed_link(uow(), provider_id)
    await engine.dispose()
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # the file is now a directory: SQLite cannot open it
    port = free_port()
    feeds = CalendarFeeds(uow, clock, HOST)
    runner = await start_http(http_app(engine, feeds=feeds), "127.0.0.1", port)
    try:
        with caplog.at_level(logging.DEBUG):
            status, headers, _ = await _get(f"http://127.0.0.1:{port}{feed_path(token)}")
    finally:
        await runner.cleanup()
        await engine.dispose()
    assert status == 503 and headers["Retry-After"] == "300"
    assert "could not be read" in caplog.text and token not in caplog.text


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_the_running_bot_serves_feeds_in_both_modes(engine, clock, uow, webhook):
    standin, application = await demo_bot(engine, clock)
    token = await new_feed_link(uow(), 1)
    port = free_port()
    hook = (f"http://127.0.0.1:{port}/telegram", SECRET) if webhook else None
    try:
        async with serving(application, engine, host="127.0.0.1", port=port, webhook=hook,
                           feeds=CalendarFeeds(uow, clock, HOST)):
            status, headers, body = await _get(f"http://127.0.0.1:{port}{feed_path(token)}")
    finally:
        await standin.stop()
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VCALENDAR" in body
    assert isinstance(standin, BotApiStandIn)
