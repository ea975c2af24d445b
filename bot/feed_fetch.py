"""Downloading a provider's calendar feed (issue #13): the fetching half.

``fetch_feed`` does one conditional GET (``If-None-Match`` / ``If-Modified-Since``)
and hands back either the body or "not modified"; it does not parse it (that is
``core.calendar_feed.busy_intervals``). A feed URL is typed by a provider, so the
fetch is guarded like any server-side request:

* every hop, the first and each redirect, goes through
  ``bot.feed_addresses.check_feed_url`` (HTTPS only, no private, loopback or
  link-local address unless ``allow_private``); redirects are followed here, at
  most five, never by aiohttp;
* the connection goes to the addresses that check saw, not to a second DNS
  lookup (a name that answers "public" to the check and "127.0.0.1" to the
  connect, DNS rebinding, gets nowhere); TLS still verifies the host name;
* one deadline covers lookups, connects, redirects and the download, and the
  body is cut off as soon as it passes ``max_bytes``.

A failure raises :class:`FeedFetchFailed` whose ``reason`` is short and meant for
the provider ("the server answered 404"). Feed URLs are secrets (whoever has one
reads the calendar), so neither reasons nor logs carry a URL, only its host,
and the underlying exception, whose text often holds the URL, is not chained.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.feed_addresses import FeedAddressRefused, Resolver, check_feed_url, system_resolver

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {"User-Agent": "Slotbot calendar sync", "Accept": "text/calendar, */*;q=0.5"}
_CHUNK = 64 * 1024


class FeedFetchFailed(Exception):
    """The feed could not be fetched; ``reason`` says why, for the provider."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedFetch:
    """What the server answered. ``body`` is None when it said 304 (not modified).

    ``etag`` and ``last_modified`` are the validators to send next time: the
    server's new ones, or the ones sent when a 304 carried none. ``url`` is where
    the feed was finally found (after redirects); it is as secret as the one asked.
    """

    body: bytes | None
    etag: str | None
    last_modified: str | None
    url: str

    @property
    def changed(self) -> bool:
        return self.body is not None


async def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    resolve: Resolver = system_resolver,
) -> FeedFetch:
    """GET the feed at ``url`` (https or webcal), or raise :class:`FeedFetchFailed`.

    ``etag`` and ``last_modified`` are the validators of the last good fetch.
    ``allow_private`` is ``feed_addresses.allow_private_from_env()`` in the bot;
    ``resolve`` is the DNS lookup the guard uses, and the only one made.
    """
    try:
        current = _web_url(URL(url.strip()))
    except ValueError:
        raise FeedFetchFailed("this is not a web address") from None
    # The validators go to every hop: a feed link that always redirects (webcal
    # pages, shorteners) would otherwise never be answered with a 304.
    conditions = {}
    if etag:
        conditions["If-None-Match"] = etag
    if last_modified:
        conditions["If-Modified-Since"] = last_modified
    addresses = _CheckedAddresses()
    # No DNS cache: every connect asks the pins, which only a check changes.
    connector = aiohttp.TCPConnector(resolver=addresses, use_dns_cache=False)
    try:
        # trust_env=False: a proxy from the environment would connect where we never checked.
        async with (
            asyncio.timeout(timeout),
            aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=timeout),
                headers=_HEADERS,
                trust_env=False,
            ) as session,
        ):
            for hop in range(MAX_REDIRECTS + 1):
                await _check(current, addresses, hop, allow_private=allow_private, resolve=resolve)
                async with session.get(
                    current, headers=conditions, allow_redirects=False
                ) as response:
                    logger.debug("calendar feed: %s answered %s", current.host, response.status)
                    if response.status in _REDIRECTS:
                        current = _redirect_target(current, response)
                        continue
                    return await _outcome(response, str(current), etag, last_modified, max_bytes)
            raise FeedFetchFailed(f"the address redirects more than {MAX_REDIRECTS} times")
    except TimeoutError:
        raise FeedFetchFailed(f"no answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:  # named for the hop that failed, which may be a redirect's
        host = current.host or "the server"
        logger.debug("calendar feed from %s failed: %s", host, type(exc).__name__)
        raise FeedFetchFailed(_connection_reason(exc, host)) from None
    finally:
        await connector.close()  # the session closes it too, unless building the session failed


async def _outcome(
    response: aiohttp.ClientResponse,
    url: str,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
) -> FeedFetch:
    headers = response.headers
    if response.status == 304:
        return FeedFetch(
            None, headers.get("ETag", etag), headers.get("Last-Modified", last_modified), url
        )
    if not 200 <= response.status < 300:
        raise FeedFetchFailed(f"the server answered {response.status}")
    body = await _read_capped(response, max_bytes)
    return FeedFetch(body, headers.get("ETag"), headers.get("Last-Modified"), url)


async def _check(
    url: URL, addresses: _CheckedAddresses, hop: int, *, allow_private: bool, resolve: Resolver
) -> None:
    """Run the guard on ``url`` and pin the addresses it allowed for the connect."""
    try:
        # The lookup blocks (getaddrinfo), so it runs in a thread; the deadline still holds.
        allowed = await asyncio.to_thread(
            check_feed_url, str(url), allow_private=allow_private, resolve=resolve
        )
    except FeedAddressRefused as exc:
        reason = str(exc) if hop == 0 else f"the feed redirects elsewhere and {exc}"
        raise FeedFetchFailed(reason) from None
    assert url.raw_host is not None and url.port is not None  # the check refused hostless URLs
    addresses.pin(url.raw_host, url.port, allowed)


def _redirect_target(current: URL, response: aiohttp.ClientResponse) -> URL:
    location = response.headers.get("Location")
    if not location:
        raise FeedFetchFailed(f"the server answered {response.status} without saying where to go")
    try:
        return _web_url(current.join(URL(location)))
    except ValueError:
        raise FeedFetchFailed(
            "the server redirects to something that is not a web address"
        ) from None


def _web_url(url: URL) -> URL:
    # webcal:// is what "subscribe" buttons say; the feed itself is served over HTTPS.
    if url.scheme.lower() == "webcal":
        url = url.with_scheme("https")
    return url.with_fragment(None)


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    too_large = f"the calendar is larger than {_size(max_bytes)}"
    if response.content_length is not None and response.content_length > max_bytes:
        raise FeedFetchFailed(too_large)
    # Content-Length may be absent (chunked) or wrong, so the count is what decides.
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            response.close()  # drops the connection rather than reading the rest
            raise FeedFetchFailed(too_large)
    return bytes(body)


def _connection_reason(exc: aiohttp.ClientError, host: str) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"the certificate of {host} is not valid"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"no secure connection to {host} could be made"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{host} cannot be reached"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        return f"{host} broke off the connection"
    return f"the calendar could not be downloaded from {host}"


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


class _CheckedAddresses(AbstractResolver):
    """aiohttp's resolver for one fetch: it answers only with addresses the guard allowed.

    It never looks anything up itself, so what the guard checked is what is
    connected to. A host the guard has not seen gets no address at all.
    """

    def __init__(self) -> None:
        self._pins: dict[tuple[str, int], list[str]] = {}

    def pin(self, host: str, port: int, addresses: list[str]) -> None:
        self._pins[(_key(host), port)] = list(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = []
        for address in self._pins.get((_key(host), port), []):
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])  # keeps an IPv6 zone in host
            except ValueError:  # only an injected resolver, with allow_private, answers this
                continue
            ip_family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            if family in (ip_family, socket.AF_UNSPEC):
                found.append(
                    ResolveResult(
                        hostname=host,
                        host=address,
                        port=port,
                        family=ip_family,
                        proto=0,
                        flags=socket.AI_NUMERICHOST,
                    )
                )
        if not found:
            raise OSError(f"{host} was not checked")
        return found

    async def close(self) -> None:
        pass


def _key(host: str) -> str:
    return host.rstrip(".").lower()
