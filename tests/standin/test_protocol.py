"""The wire protocol, spoken directly with aiohttp: long polling, offsets, tokens, uploads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.standin import BotApiStandIn


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    standin: BotApiStandIn,
    method: str,
    token: str | None = None,
    **form,
) -> tuple[int, dict]:
    """POST form fields the way PTB does: strings verbatim, everything else JSON-encoded."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    url = f"{standin.base_url}{token or standin.token}/{method}"
    async with http.post(url, data=data) as response:
        return response.status, await response.json()


async def parked(standin: BotApiStandIn) -> None:
    """Wait until a getUpdates request is parked in its long poll (a state check, not a nap)."""
    async with asyncio.timeout(2):
        while standin.waiting_polls == 0:
            await asyncio.sleep(0.005)


async def test_long_poll_returns_when_an_update_arrives(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    user = standin.user(7, "Bo")
    poll = asyncio.create_task(call(http, standin, "getUpdates", timeout=30))
    await parked(standin)
    sending = asyncio.create_task(user.send("/start p12", timeout=5))
    status, body = await asyncio.wait_for(poll, 2)
    assert status == 200 and body["ok"]
    (update,) = body["result"]
    message = update["message"]
    assert message["text"] == "/start p12"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": 7, "first_name": "Bo", "type": "private"}
    assert message["from"]["language_code"] == "en"
    standin.processed_hook(update["update_id"])
    await sending

    # Not confirmed yet: delivered again. Confirmed by offset: gone.
    _, again = await call(http, standin, "getUpdates", timeout=0)
    assert [u["update_id"] for u in again["result"]] == [update["update_id"]]
    _, after = await call(http, standin, "getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert after["result"] == []


async def test_limit_allowed_updates_and_empty_timeout(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    for n in range(3):
        standin.enqueue_update("message", {"message_id": n}, f"update {n}")
    _, body = await call(http, standin, "getUpdates", limit=2, timeout=0)
    assert len(body["result"]) == 2
    _, body = await call(http, standin, "getUpdates", allowed_updates=["callback_query"])
    assert body["result"] == []  # messages dropped, as Telegram does for unwanted types
    began = time.monotonic()
    _, body = await call(http, standin, "getUpdates", timeout=0.2)
    assert body["result"] == [] and 0.15 < time.monotonic() - began < 1.5


async def test_stop_releases_open_long_poll(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(call(http, standin, "getUpdates", timeout=30))
    await parked(standin)
    began = time.monotonic()
    await standin.stop()
    status, body = await asyncio.wait_for(poll, 2)
    assert (status, body["result"]) == (200, [])
    assert time.monotonic() - began < 2


async def test_newer_poll_terminates_older_one(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    older = asyncio.create_task(call(http, standin, "getUpdates", timeout=30))
    await parked(standin)
    await call(http, standin, "getUpdates", timeout=0)
    status, body = await asyncio.wait_for(older, 2)
    assert status == 409 and body["description"].startswith("Conflict: terminated")


async def test_wrong_token_and_unknown_method(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, standin, "getMe", token="1:nope")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(http, standin, "sendPoll", chat_id=1)
    assert status == 404 and body["description"] == "Not Found: method not found"
    assert standin.unknown_methods == ["sendPoll"]
    status, body = await call(http, standin, "getme")  # method names are case-insensitive
    assert status == 200 and body["result"]["username"] == "slotbot_demo_bot"


async def test_string_fields_stay_strings_and_multipart_upload(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.user(7, "Bo")
    await call(http, standin, "sendMessage", chat_id=7, text="123")
    assert standin.calls_to("sendMessage")[0] == {"chat_id": 7, "text": "123"}
    form = aiohttp.FormData()
    form.add_field("chat_id", "7")
    form.add_field("caption", "true")
    form.add_field("document", b"%PDF", filename="a.pdf", content_type="application/pdf")
    async with http.post(f"{standin.base_url}{standin.token}/sendDocument", data=form) as resp:
        body = await resp.json()
    assert body["result"]["document"]["file_name"] == "a.pdf"
    assert body["result"]["caption"] == "true"
    assert standin.calls[-1].files == {"document": ("a.pdf", 4)}
    stored = standin.files[body["result"]["document"]["file_id"]]
    assert (stored.content, stored.mime_type) == (b"%PDF", "application/pdf")


async def test_fail_next_with_other_errors(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.fail_next("getMe", error_code=502, description="Bad Gateway", retry_after=None, times=2)
    assert (await call(http, standin, "getMe"))[0] == 502
    status, body = await call(http, standin, "getMe")
    assert status == 502 and "parameters" not in body
    assert (await call(http, standin, "getMe"))[0] == 200
