"""Where a provider's calendar feed lives: its URL, and the host that names its events.

Apart from :mod:`core.calendar_subscription` so that settings and the command line
can use it without loading the feed builder (icalendar takes 0.2 s to import).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: UIDs of a deployment without SLOTBOT_PUBLIC_URL; the client's own .ics file
#: (conversations/my_appointments.py) uses the same ``appointment-<id>@slotbot``.
DEFAULT_HOST_LABEL = "slotbot"
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")  # as core.calendar_export's UIDs
FEED_PREFIX = "/calendar/"
FEED_SUFFIX = ".ics"


def feed_path(token: str) -> str:
    """The path the bot serves a token's feed at: ``/calendar/<token>.ics``."""
    return f"{FEED_PREFIX}{token}{FEED_SUFFIX}"


def feed_url(public_url: str, token: str) -> str:
    """The full secret URL to give the provider, under the public base of the bot.

    ``public_url`` is SLOTBOT_PUBLIC_URL as the world reaches the bot (its path, if
    any, is where a proxy forwards to the bot's ``/``).
    """
    return public_url.rstrip("/") + feed_path(token)


def host_label(public_url: str | None) -> str:
    """The host of ``public_url`` (lower case, IDNA), the domain of every event UID.

    It must not change while calendars subscribe: a new one makes every event new
    to them once (the old ones vanish, nothing is doubled).

    :raises ValueError: no host name in ``public_url`` (an IP address in brackets, say).
    """
    if not public_url:
        return DEFAULT_HOST_LABEL
    host = urlsplit(public_url).hostname
    if not host:
        raise ValueError(f"no host name in {public_url!r}")
    label = host.encode("idna").decode("ascii").lower()
    if not _HOST_NAME.fullmatch(label):  # an IP address literal in brackets, "a_b" ...
        raise ValueError(f"{host!r} cannot name events: use a host name")
    return label
