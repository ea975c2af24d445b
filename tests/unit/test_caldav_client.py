"""bot/caldav_client.py without a CalDAV server: resource names, the address guard on every
request (redirects included), errors that name no secret, the access without a key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from bot import caldav_client
from bot.caldav_client import CalDavServers, _resource, caldav_access
from bot.feed_addresses import FeedAddressRefused
from bot.settings import Settings
from core.caldav_sync import CalDavError
from tests.radicale_server import free_port


def test_an_events_resource_is_named_by_its_uid_alone():
    calendar = "https://dav.example.org/cal/ana/work/"
    assert _resource(calendar, "appointment-7@bot.example.org") == (
        "https://dav.example.org/cal/ana/work/appointment-7%40bot.example.org.ics"
    )
    no_slash = calendar.rstrip("/")
    assert _resource(no_slash, "appointment-7@x") == _resource(calendar, "appointment-7@x")


async def test_a_private_address_is_refused_before_any_request():
    with pytest.raises(CalDavError) as refused:
        await CalDavServers(allow_private=False).calendars("http://127.0.0.1:9/", "ana", "pw")
    assert refused.value.reason.startswith("the address is refused")
    assert "pw" not in refused.value.reason


@pytest.fixture
async def redirecting() -> AsyncIterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that sends every request on to 'localhost', which counts hits."""
    hits: list[str] = []
    target_port = free_port()

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://localhost:{target_port}{request.path}")

    async def target(request: web.Request) -> web.Response:
        hits.append(request.method)
        return web.Response(status=207, text="<multistatus xmlns='DAV:'/>")

    runners = []
    for handler, port in ((redirect, free_port()), (target, target_port)):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1" if handler is redirect else "localhost", port).start()
        runners.append((runner, port))
    try:
        yield f"http://127.0.0.1:{runners[0][1]}/", hits
    finally:
        for runner, _port in runners:
            await runner.cleanup()


async def test_a_redirect_to_a_refused_host_is_not_followed(redirecting, monkeypatch):
    url, hits = redirecting

    def only_the_first_host(address: str, *, allow_private: bool) -> list[str]:
        if "localhost" in address:
            raise FeedAddressRefused("localhost points to a private or local address")
        return ["127.0.0.1"]

    monkeypatch.setattr(caldav_client, "check_feed_url", only_the_first_host)
    with pytest.raises(CalDavError, match="the address is refused: localhost points"):
        await CalDavServers(allow_private=False).calendars(url, "ana", "secret-pw")
    assert hits == []


def test_the_access_has_no_cipher_without_a_key_and_hides_the_key():
    assert caldav_access(Settings(secret_key=None)).cipher is None
    key = Fernet.generate_key().decode()
    access = caldav_access(Settings(secret_key=key, public_url="https://bot.example.org"))
    assert access.host_label == "bot.example.org"
    assert key not in repr(access) and key not in repr(access.cipher)
    assert access.cipher.decrypt(access.cipher.encrypt("pässword")) == "pässword"
    other = caldav_access(Settings(secret_key=Fernet.generate_key().decode())).cipher
    with pytest.raises(ValueError):
        other.decrypt(access.cipher.encrypt("pw"))
