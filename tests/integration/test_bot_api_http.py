"""The Bot API client (bot/bot_api_http.py) against real sockets on 127.0.0.1.

What matters besides a plain round trip is what a failure says: a request that
never left may be sent again, one that may have reached Telegram never is
(conversations/delivery.send_failure).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.bot_api_http import AiohttpRequest
from conversations.delivery import SendFailure, send_failure


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server():
    seen: list[dict] = []
    release = asyncio.Event()

    async def echo(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            parts = {}
            async for part in await request.multipart():
                parts[part.name] = (part.filename, await part.read())
            seen.append({"multipart": parts})
        else:
            seen.append(dict(await request.post()))
        return web.json_response({"ok": True, "result": True})

    async def hang(_request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/hang", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        release.set()
        await runner.cleanup()


@pytest.fixture
async def client():
    request = AiohttpRequest(1, read_timeout=0.3, connect_timeout=0.5, pool_timeout=0.2)
    await request.initialize()
    yield request
    await request.shutdown()


def _data(**values) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_a_request_comes_back_with_its_status_and_body(server, client):
    base, seen = server
    status, body = await client.do_request(f"{base}/echo", "POST", _data(chat_id=7, text="<b>é</b> & x"))
    assert status == 200 and b'"ok": true' in body
    assert seen == [{"chat_id": "7", "text": "<b>é</b> & x"}]


async def test_a_file_goes_as_multipart_beside_the_other_fields(server, client):
    base, seen = server
    document = InputFile(b"BEGIN:VCALENDAR\r\n", filename="visit.ics")
    await client.do_request(f"{base}/echo", "POST", _data(chat_id=7, document=document))
    parts = seen[0]["multipart"]
    assert parts["chat_id"] == (None, b"7")
    (name, content), = [v for k, v in parts.items() if k != "chat_id"]
    assert name == "visit.ics" and content == b"BEGIN:VCALENDAR\r\n"


async def test_nothing_listening_means_the_request_never_left(client):
    with pytest.raises(NetworkError) as failed:
        await client.do_request(f"http://127.0.0.1:{_free_port()}/echo", "POST", _data(chat_id=7))
    assert send_failure(failed.value) is SendFailure.NOT_SENT


async def test_no_answer_in_time_may_have_arrived(server, client):
    base, _seen = server
    with pytest.raises(TimedOut) as failed:
        await client.do_request(f"{base}/hang", "POST", _data(chat_id=7))
    assert send_failure(failed.value) is SendFailure.MAYBE_SENT


async def test_waiting_too_long_for_a_pooled_connection_never_left(server, client):
    base, _seen = server
    busy = asyncio.ensure_future(client.do_request(f"{base}/hang", "POST", _data(), read_timeout=5))
    await asyncio.sleep(0)  # the one pooled connection is taken by the hanging request
    try:
        with pytest.raises(TimedOut) as failed:
            await client.do_request(f"{base}/echo", "POST", _data(chat_id=7), connect_timeout=0)
        assert send_failure(failed.value) is SendFailure.NOT_SENT
    finally:
        busy.cancel()


async def test_a_connection_cut_after_the_request_may_have_arrived():
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request arrived
        writer.close()

    listener = await asyncio.start_server(cut, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    request = AiohttpRequest(1, read_timeout=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await request.do_request(f"http://127.0.0.1:{port}/x", "POST", _data(chat_id=7))
        assert not isinstance(failed.value, TimedOut)
        assert send_failure(failed.value) is SendFailure.MAYBE_SENT
    finally:
        await request.shutdown()
        listener.close()
