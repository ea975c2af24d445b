"""A provider's CalDAV calendar (issue #13, part 2b): the account and its outbox rows.

Apart from :mod:`core.model` (which the booking path loads on every start) and
free of icalendar: storage and the command line use these without loading a
calendar library.

The account's *read* side is an ordinary calendar feed row whose address is the
marker :func:`caldav_feed_url` (``caldav:<account id>``): its busy intervals go
into ``calendar_busy`` like any feed's, so the slot rules, the month view and the
booking transaction see them with no change, and the feed's lease, error and
"last good set" rules apply as they are. The feed job leaves such rows alone
(they are not fetched over HTTP); the CalDAV job syncs them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from core.model import CalendarFeed

CALDAV_FEED_PREFIX = "caldav:"


def caldav_feed_url(account_id: int) -> str:
    """The address stored in the ``calendar_feeds`` row that holds an account's busy times."""
    return f"{CALDAV_FEED_PREFIX}{account_id}"


def is_caldav_feed(url: str) -> bool:
    return url.startswith(CALDAV_FEED_PREFIX)


class PushStatus(str, enum.Enum):
    """One outbox row: "write appointment N, as of revision S, to account A"."""

    QUEUED = "QUEUED"  # to send at next_attempt_at (new, or retried after a failure)
    SENDING = "SENDING"  # a PUT or DELETE is under way until claimed_until
    DONE = "DONE"  # the calendar holds the state read for it (``stamp``)
    FAILED = "FAILED"  # given up after MAX_ATTEMPTS; retried when the account is connected again
    SUPERSEDED = "SUPERSEDED"  # a newer revision of the appointment has its own row


@dataclass(frozen=True)
class CalDavAccount:
    """A provider's CalDAV calendar. The password is stored only encrypted and never
    leaves the core but to the client that logs in with it.

    ``last_error``/``error_since`` are the writing side's (a PUT or DELETE that
    failed); the reading side's are on the feed row (:attr:`feed_id`).
    """

    id: int | None
    provider_id: int
    url: str  # where discovery started, e.g. https://caldav.fastmail.com/dav/
    username: str
    password_encrypted: str
    calendar_url: str  # the chosen calendar collection, ending in "/"
    created_at: datetime
    calendar_name: str | None = None
    feed_id: int | None = None  # the calendar_feeds row of its busy times
    last_push_at: datetime | None = None  # the last run that wrote without an error
    last_error: str | None = None
    error_since: datetime | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.calendar_url).hostname or "?"


@dataclass(frozen=True)
class CalDavCalendar:
    """A calendar found on the server at connection time."""

    url: str
    name: str | None


@dataclass(frozen=True)
class PendingPush:
    """An outbox row due to be sent."""

    id: int
    appointment_id: int
    sequence: int
    attempts: int


@dataclass(frozen=True)
class PushCounts:
    """How an account's outbox stands, for the command line."""

    pending: int = 0  # QUEUED or SENDING
    done: int = 0
    failed: int = 0


@dataclass(frozen=True)
class AccountView:
    """An account as ``caldav-list`` and /calendar show it: with its busy side and its outbox."""

    account: CalDavAccount
    feed: CalendarFeed | None
    pushes: PushCounts
