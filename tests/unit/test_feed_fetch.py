"""Fetching a calendar feed (issue #13) from a real HTTP server on 127.0.0.1.

Plain http to 127.0.0.1 needs ``allow_private=True``; the guard's refusals are
tested with it off, and then the server's counters show nothing reached it.
Nothing here sleeps to synchronise: a handler that must hang waits on an event
the fixture sets at teardown.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest
from aiohttp import web

import bot.feed_fetch
from bot.feed_addresses import check_feed_url
from bot.feed_fetch import FeedFetchFailed, fetch_feed

SECRET = "private-token-3f9a"  # the part of a feed URL that must never show up in a reason or a log
FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
ETAG = '"v1"'
LAST_MODIFIED = "Tue, 01 Jun 2027 10:00:00 GMT"

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class FeedServer:
    """An HTTP server that records the connections and requests that reached it."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[web.BaseRequest] = []
        self.connections = 0
        self.release = asyncio.Event()  # a hanging handler waits for this; set at teardown
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests.append(request)
        handler = self.routes.get(request.path)
        return await handler(request) if handler else web.Response(status=404)


@pytest.fixture
async def server():
    feed_server = FeedServer()
    # aiohttp's low-level server is the protocol factory; wrapping it counts TCP connections.
    low_level = web.Server(feed_server.handle)

    def connection():
        feed_server.connections += 1
        return low_level()

    tcp = await asyncio.get_running_loop().create_server(connection, "127.0.0.1", 0)
    feed_server.port = tcp.sockets[0].getsockname()[1]
    yield feed_server
    feed_server.release.set()
    await low_level.shutdown(2)
    tcp.close()
    await tcp.wait_closed()


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="bot.feed_fetch")
    yield
    assert SECRET not in " ".join(
        r.getMessage() for r in caplog.records if r.name.startswith("bot.")
    )


def resolving_to(*addresses):
    return lambda host, port: list(addresses)


def answer(body: bytes = FEED, status: int = 200, **headers: str) -> Handler:
    async def handler(request):
        return web.Response(body=body, status=status, headers=headers)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return answer(b"", status, Location=location)


async def reason_of(url: str, **options) -> str:
    options.setdefault("allow_private", True)
    with pytest.raises(FeedFetchFailed) as failed:
        await fetch_feed(url, **options)
    assert SECRET not in str(failed.value) and failed.value.__cause__ is None
    return failed.value.reason


async def test_a_feed_comes_with_its_validators_and_the_calendar_headers(server):
    server.routes[f"/{SECRET}/basic.ics"] = answer(ETag=ETAG, **{"Last-Modified": LAST_MODIFIED})
    url = server.url(f"/{SECRET}/basic.ics")
    fetched = await fetch_feed(url, allow_private=True)
    assert (fetched.changed, fetched.body, fetched.etag, fetched.last_modified, fetched.url) == (
        True,
        FEED,
        ETAG,
        LAST_MODIFIED,
        url,
    )
    sent = server.requests[0].headers
    assert sent["User-Agent"] == "Slotbot calendar sync"
    assert sent["Accept"] == "text/calendar, */*;q=0.5"
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


async def test_the_validators_sent_back_get_not_modified(server):
    async def conditional(request):
        if request.headers.get("If-None-Match") == ETAG:
            return web.Response(status=304, headers={"ETag": ETAG})
        return web.Response(body=FEED, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})

    server.routes["/cal.ics"] = conditional
    first = await fetch_feed(server.url("/cal.ics"), allow_private=True)
    again = await fetch_feed(
        server.url("/cal.ics"),
        etag=first.etag,
        last_modified=first.last_modified,
        allow_private=True,
    )
    assert server.requests[1].headers["If-None-Match"] == ETAG
    assert server.requests[1].headers["If-Modified-Since"] == LAST_MODIFIED
    assert (again.changed, again.body, again.etag, again.last_modified) == (
        False,
        None,
        ETAG,
        LAST_MODIFIED,
    )


async def test_a_not_modified_answer_with_new_validators_hands_them_on(server):
    server.routes["/cal.ics"] = answer(b"", 304, ETag='"v2"')
    again = await fetch_feed(
        server.url("/cal.ics"), last_modified=LAST_MODIFIED, allow_private=True
    )
    assert server.requests[0].headers["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in server.requests[0].headers
    assert (again.changed, again.etag, again.last_modified) == (False, '"v2"', LAST_MODIFIED)


@pytest.mark.parametrize("status", [404, 500, 403, 410])
async def test_an_error_status_is_the_reason(server, status):
    server.routes[f"/{SECRET}.ics"] = answer(b"nope", status)
    assert await reason_of(server.url(f"/{SECRET}.ics")) == f"the server answered {status}"


async def test_a_content_length_over_the_cap_is_refused_before_the_body_is_read(server):
    async def announces_six_megabytes(request):
        response = web.StreamResponse(headers={"Content-Length": str(6 * 1024 * 1024)})
        await response.prepare(request)
        await server.release.wait()  # the body never comes: reading it would time out instead
        return response

    server.routes["/big.ics"] = announces_six_megabytes
    assert await reason_of(server.url("/big.ics"), timeout=3) == "the calendar is larger than 5 MB"


async def test_an_endless_chunked_body_is_cut_off_at_the_cap(server):
    total = 64 * 1024 * 1024
    sent, cut_off = 0, asyncio.Event()

    async def endless(request):
        nonlocal sent
        response = web.StreamResponse()
        response.enable_chunked_encoding()  # no Content-Length to refuse early on
        await response.prepare(request)
        try:
            while sent < total:
                await response.write(b"x" * 65536)
                sent += 65536
        except ConnectionError:
            cut_off.set()
        return response

    server.routes["/endless.ics"] = endless
    assert await reason_of(server.url("/endless.ics"), max_bytes=200_000, timeout=5) == (
        "the calendar is larger than 195 KB"
    )
    await asyncio.wait_for(
        cut_off.wait(), 5
    )  # the server saw the connection dropped, long before the end
    assert sent < total


@pytest.mark.parametrize("size, fits", [(1000, True), (1001, False)])
async def test_the_cap_counts_the_bytes_themselves(server, size, fits):
    server.routes["/cal.ics"] = answer(b"x" * size)
    if fits:
        assert (
            await fetch_feed(server.url("/cal.ics"), allow_private=True, max_bytes=1000)
        ).body == b"x" * size
    else:
        assert (
            await reason_of(server.url("/cal.ics"), max_bytes=1000)
            == "the calendar is larger than 1000 bytes"
        )


async def hangs_before_answering(server, request):
    await server.release.wait()
    return web.Response(body=FEED)


async def hangs_in_the_body(server, request):
    response = web.StreamResponse(headers={"Content-Length": "1000"})
    await response.prepare(request)
    await response.write(b"BEGIN:VCALENDAR\r\n")
    await server.release.wait()
    return response


@pytest.mark.parametrize("handler", [hangs_before_answering, hangs_in_the_body])
async def test_a_server_that_stops_answering_times_out(server, handler):
    server.routes[f"/{SECRET}.ics"] = lambda request: handler(server, request)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await reason_of(server.url(f"/{SECRET}.ics"), timeout=0.5) == "no answer within 0.5 s"
    assert 0.45 <= loop.time() - started < 2.5
    assert server.paths == [f"/{SECRET}.ics"]


async def test_a_closed_port_is_a_reason_naming_the_host():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert await reason_of(f"http://127.0.0.1:{port}/{SECRET}.ics") == "127.0.0.1 cannot be reached"


async def test_relative_and_absolute_redirects_are_followed(server):
    server.routes["/a/start.ics"] = redirect("next.ics", 301)  # relative to /a/
    server.routes["/a/next.ics"] = redirect("/b/moved.ics", 307)
    server.routes["/b/moved.ics"] = redirect(server.url("/final.ics"), 308)
    server.routes["/final.ics"] = answer(ETag=ETAG)
    fetched = await fetch_feed(server.url("/a/start.ics"), etag='"old"', allow_private=True)
    assert (fetched.body, fetched.etag, fetched.url) == (FEED, ETAG, server.url("/final.ics"))
    assert server.paths == ["/a/start.ics", "/a/next.ics", "/b/moved.ics", "/final.ics"]
    assert all(request.headers["If-None-Match"] == '"old"' for request in server.requests)


@pytest.mark.parametrize("redirects, fetched", [(5, True), (6, False)])
async def test_at_most_five_redirects_are_followed(server, redirects, fetched):
    for n in range(redirects, 0, -1):
        server.routes[f"/r{n}"] = redirect(f"/r{n - 1}")
    server.routes["/r0"] = answer()
    if fetched:
        assert (await fetch_feed(server.url(f"/r{redirects}"), allow_private=True)).body == FEED
    else:
        assert (
            await reason_of(server.url(f"/r{redirects}"))
            == "the address redirects more than 5 times"
        )
        assert len(server.requests) == 6


async def test_a_redirect_loop_fails(server):
    server.routes[f"/{SECRET}"] = redirect(f"/{SECRET}")
    assert await reason_of(server.url(f"/{SECRET}")) == "the address redirects more than 5 times"


async def test_a_redirect_without_a_location_fails(server):
    server.routes["/cal.ics"] = answer(b"", 302)
    assert (
        await reason_of(server.url("/cal.ics"))
        == "the server answered 302 without saying where to go"
    )


async def test_a_name_pointing_inside_is_refused_before_any_connection(server):
    url = f"https://calendar.example.com:{server.port}/{SECRET}.ics"
    reason = await reason_of(url, allow_private=False, resolve=resolving_to("127.0.0.1"))
    assert reason == "calendar.example.com points to a private or local address"
    assert server.connections == 0


async def test_plain_http_is_refused_unless_private_addresses_are_allowed(server):
    reason = await reason_of(server.url(f"/{SECRET}.ics"), allow_private=False)
    assert reason == "only https:// addresses can be fetched"
    assert server.connections == 0


@pytest.mark.parametrize(
    "inside",
    ["https://intranet.example.com:{port}/inside.ics", "http://127.0.0.1:{port}/inside.ics"],
)
async def test_a_redirect_into_the_private_network_is_refused(server, monkeypatch, inside):
    # The first hop stands in for a public feed server we cannot run here: the guard is told
    # it is public; every other hop meets the real guard with private addresses refused.
    checked = []

    def guard(url, *, allow_private, resolve):
        checked.append(urlsplit(url).hostname)
        if urlsplit(url).hostname == "calendar.example.com":
            return ["127.0.0.1"]
        return check_feed_url(url, allow_private=allow_private, resolve=resolve)

    monkeypatch.setattr(bot.feed_fetch, "check_feed_url", guard)
    server.routes["/start.ics"] = redirect(inside.format(port=server.port))
    server.routes["/inside.ics"] = answer()
    reason = await reason_of(
        server.url("/start.ics", host="calendar.example.com"),
        allow_private=False,
        resolve=resolving_to("127.0.0.1"),
    )
    assert reason.startswith("the feed redirects elsewhere and ")
    assert reason.endswith(
        (
            "intranet.example.com points to a private or local address",
            "only https:// addresses can be fetched",
        )
    )
    assert server.paths == ["/start.ics"] and server.connections == 1
    assert checked == ["calendar.example.com", urlsplit(inside).hostname]


async def test_the_connection_goes_to_the_checked_address_not_to_a_second_lookup(server):
    # DNS rebinding: the name answers 127.0.0.1 to the check, then somewhere else
    # (127.0.0.2, where nothing listens). Only the first answer may be used.
    answers = []

    def rebinding(host, port):
        answers.append(host)
        return ["127.0.0.1"] if len(answers) == 1 else ["127.0.0.2"]

    server.routes[f"/{SECRET}.ics"] = answer()
    fetched = await fetch_feed(
        server.url(f"/{SECRET}.ics", host="calendar.test"), allow_private=True, resolve=rebinding
    )
    assert fetched.body == FEED and answers == ["calendar.test"]
    assert server.requests[0].host == f"calendar.test:{server.port}"


async def test_webcal_is_fetched_over_https(server):
    # A TLS handshake with the plain HTTP server fails: proof the scheme became https.
    url = f"webcal://calendar.test:{server.port}/{SECRET}.ics"
    reason = await reason_of(url, resolve=resolving_to("127.0.0.1"), timeout=3)
    assert reason == "no secure connection to calendar.test could be made"
    assert server.paths == []
