"""Which failed sends may be retried: PTB's real HTTP layer, failing the ways a network does.

Each error comes from PTB's own ``HTTPXRequest`` over an httpx transport that
fails as the network would, so the test pins how PTB v22 maps httpx's
exceptions, not an assumption about it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from telegram.error import RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from conversations.delivery import SendFailure, flood_wait, send_failure

URL = "http://127.0.0.1:9/bot123:TOKEN/sendMessage"


async def failure_of(transport_failure: Exception | None = None, *, status: int = 200, body: dict | None = None) -> TelegramError:
    def answer(request: httpx.Request) -> httpx.Response:
        if transport_failure is not None:
            raise transport_failure
        return httpx.Response(status, content=json.dumps(body).encode())

    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(answer)})
    await request.initialize()
    try:
        with pytest.raises(TelegramError) as raised:
            await request.post(URL)
    finally:
        await request.shutdown()
    return raised.value


@pytest.mark.parametrize("network", [
    httpx.ConnectError("All connection attempts failed"),
    httpx.ConnectTimeout("timed out"),
    httpx.PoolTimeout("no connection free"),
])
async def test_a_request_that_never_left_may_be_sent_again(network):
    assert send_failure(await failure_of(network)) is SendFailure.NOT_SENT


@pytest.mark.parametrize("network", [
    httpx.ReadTimeout("timed out"),
    httpx.WriteTimeout("timed out"),
    httpx.ReadError("connection reset"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
])
async def test_a_request_that_may_have_reached_telegram_is_never_sent_again(network):
    error = await failure_of(network)
    assert send_failure(error) is SendFailure.MAYBE_SENT
    assert not send_failure(error).may_retry


async def test_pool_and_read_timeouts_are_both_timed_out_yet_differ():
    """The trap of defect 7: PTB raises TimedOut (a NetworkError) for both."""
    pool, read = await failure_of(httpx.PoolTimeout("")), await failure_of(httpx.ReadTimeout(""))
    assert type(pool) is type(read) is TimedOut
    assert send_failure(pool) is SendFailure.NOT_SENT and send_failure(read) is SendFailure.MAYBE_SENT


async def test_a_server_error_answer_may_have_been_processed():
    error = await failure_of(status=502, body={"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert send_failure(error) is SendFailure.MAYBE_SENT


async def test_a_flood_limit_is_retried_after_the_wait_telegram_names():
    error = await failure_of(status=429, body={
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    })
    assert isinstance(error, RetryAfter)
    assert send_failure(error) is SendFailure.FLOOD and send_failure(error).may_retry
    assert flood_wait(error) == timedelta(seconds=7)


@pytest.mark.parametrize(("status", "description", "expected"), [
    (400, "Bad Request: can't parse entities", SendFailure.REFUSED),
    (400, "Bad Request: chat not found", SendFailure.REFUSED),
    (403, "Forbidden: bot was blocked by the user", SendFailure.BLOCKED),
])
async def test_telegrams_refusals_are_not_retried(status, description, expected):
    error = await failure_of(status=status, body={"ok": False, "error_code": status, "description": description})
    assert send_failure(error) is expected and not expected.may_retry
