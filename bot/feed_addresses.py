"""Which calendar feed URLs the bot may fetch (issue #13): the server-side request guard.

A provider types a URL and the bot fetches it, so without a guard anybody with a
provider account could make the bot read its own network (the database's admin
page, a cloud metadata address). So a feed URL must be HTTPS, and every address
its host resolves to must be public: not private, loopback, link-local,
multicast, reserved or unspecified, IPv4-mapped IPv6 included. The check runs
after DNS (a public name may point inside) and again for every redirect (the
fetcher calls it per hop). ``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1`` lifts the
address rule, for tests and self-hosted calendar servers; HTTPS stays required
unless it is lifted too.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Iterable[str]]


class FeedAddressRefused(ValueError):
    """The URL may not be fetched; the message says why, for the provider."""


def allow_private_from_env() -> bool:
    return os.environ.get("SLOTBOT_CALENDAR_ALLOW_PRIVATE", "") == "1"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedAddressRefused(f"the host {host!r} cannot be found") from exc
    return [str(info[4][0]) for info in infos]


def check_feed_url(url: str, *, allow_private: bool = False, resolve: Resolver = system_resolver) -> list[str]:
    """The addresses ``url`` may be fetched from, or :class:`FeedAddressRefused`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # e.g. a port that is not a number
        raise FeedAddressRefused("this is not a web address") from exc
    scheme = parts.scheme.lower()
    if scheme == "webcal":  # Apple's and Google's "subscribe" links: the same feed over HTTPS
        scheme, port = "https", parts.port or 443
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise FeedAddressRefused("only https:// addresses can be fetched")
    if not parts.hostname:
        raise FeedAddressRefused("this is not a web address")
    if parts.username or parts.password:
        raise FeedAddressRefused("addresses with a user name or password in them are not used")
    addresses = list(resolve(parts.hostname, port))
    if not addresses:
        raise FeedAddressRefused(f"the host {parts.hostname!r} cannot be found")
    if not allow_private:
        for address in addresses:
            if not _is_public(address):
                raise FeedAddressRefused(f"{parts.hostname} points to a private or local address")
    return addresses


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    ) and ip.is_global  # fmt: skip
