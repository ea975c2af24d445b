"""CalDAV two-way sync (issue #13, part 2b): connecting a calendar and reading its busy times.

A provider connects one CalDAV calendar (Nextcloud, iCloud, Fastmail, Radicale …)
with a user name and an app password. From then on:

* every booking is written there as an event — made, moved, cancelled — by the
  outbox of :mod:`core.caldav_push`;
* the calendar's own events block slots like a calendar feed's: the account owns a
  ``calendar_feeds`` row (address ``caldav:<id>``, see :mod:`core.caldav_model`)
  and :func:`sync_account_busy` runs the feeds' own :func:`core.calendar_sync.sync_feed`
  on it, with a fetch that asks the CalDAV server for the events of the window
  instead of downloading a file. Lease, "last good set", error and since-when,
  busy pieces: all the feeds' rules, unchanged.

Our own events are left out of the busy set — otherwise every booking would block
itself after the next sync: an event whose UID is ``appointment-<id>@<host label>``
(:func:`core.calendar_export.appointment_uid`) is ours. The host label must therefore
stay what it was when the events were written (SLOTBOT_PUBLIC_URL, as for the feed).

The network is injected (:class:`CalDavClient`, in ``bot/caldav_client.py``), and so
is the cipher that keeps the password encrypted at rest (SLOTBOT_SECRET_KEY).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import icalendar

from core.caldav_model import (  # noqa: F401 - AccountView: used as caldav_sync.AccountView
    AccountView,
    CalDavAccount,
    CalDavCalendar,
    caldav_feed_url,
)
from core.calendar_export import PRODID
from core.calendar_subscription import LabelsFor, english_labels
from core.calendar_sync import (
    CheckFeedUrl,
    FeedRefused,
    FeedUnavailable,
    FetchedFeed,
    FetchFeed,
    SyncOutcome,
    SyncResult,
    sync_feed,
    sync_window,
)
from core.bounded import each_of
from core.errors import NotFound
from core.feed_urls import DEFAULT_HOST_LABEL
from core.localtime import require_utc
from core.model import CalendarFeed, Provider
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

NO_SECRET_KEY = (
    "SLOTBOT_SECRET_KEY is not set: CalDAV passwords can be neither stored nor read "
    "(see README, CalDAV)"
)
#: Accounts whose busy times one process reads at once.
BUSY_CONCURRENCY = 2
BUSY_DUE_PER_RUN = 500


class CalDavError(Exception):
    """Raised by the client: the server could not be used. ``reason`` is short, for the
    provider, and holds no password; ``auth``: the user name or password was refused."""

    def __init__(self, reason: str, *, auth: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.auth = auth


class CalDavRefused(Exception):
    """A calendar cannot be connected (no secret key, a refused address, the server said
    no, no calendar of events); ``reason`` says why, for the person connecting it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CalDavSession(Protocol):
    """One logged-in connection to a CalDAV server."""

    async def put_event(self, calendar_url: str, uid: str, body: bytes) -> None:
        """Create or replace the event ``uid`` (the resource ``<uid>.ics``)."""

    async def delete_event(self, calendar_url: str, uid: str) -> None:
        """Remove the event ``uid``; one that is not there is no error."""

    async def events_between(
        self, calendar_url: str, start: datetime, end: datetime
    ) -> list[bytes]:
        """The calendar objects (iCalendar text) with an event in ``[start, end)``."""

    async def close(self) -> None: ...


class CalDavClient(Protocol):
    async def calendars(self, url: str, username: str, password: str) -> list[CalDavCalendar]:
        """Log in at ``url`` and list the user's calendars that hold events."""

    async def open(self, url: str, username: str, password: str) -> CalDavSession: ...


class PasswordCipher(Protocol):
    def encrypt(self, password: str) -> str: ...

    def decrypt(self, token: str) -> str:
        """:class:`ValueError` when the key cannot read ``token`` (it was changed)."""


@dataclass(frozen=True)
class CalDavAccess:
    """The network and the key, given to the core by the composition root."""

    client: CalDavClient
    check_url: CheckFeedUrl  # the feeds' guard: https, public addresses only
    cipher: PasswordCipher | None  # None: SLOTBOT_SECRET_KEY is not set
    host_label: str = DEFAULT_HOST_LABEL  # of SLOTBOT_PUBLIC_URL: in our events' UIDs
    labels: LabelsFor = english_labels
    sync_every: timedelta = timedelta(minutes=10)


# ------------------------------------------------------------- connecting


async def connect_account(
    uows: Callable[[], UnitOfWork],
    provider_id: int,
    url: str,
    username: str,
    password: str,
    *,
    access: CalDavAccess,
    now: datetime,
    calendar: str | None = None,
) -> CalDavAccount:
    """Log in, pick the calendar (``calendar``: its URL or name; else the first one of
    events), store the account with the password encrypted. Connecting again replaces
    the credentials: a new calendar gets every booking again, the same one retries
    what had failed.

    :raises NotFound: no such provider.
    :raises CalDavRefused: no secret key, a refused address, a login or server failure,
        no calendar to use.
    """
    now = require_utc(now, "now")
    url, username = url.strip(), username.strip()
    if access.cipher is None:
        raise CalDavRefused(NO_SECRET_KEY)
    if not username or not password:
        raise CalDavRefused("a user name and an app password are needed")
    async with uows() as uow:
        if await uow.providers.get(provider_id) is None:
            raise NotFound("provider", provider_id)
    checked = await _checked(access, url)  # DNS lookups: outside any transaction
    try:
        found = await access.client.calendars(checked, username, password)
    except CalDavError as exc:
        raise CalDavRefused(exc.reason) from None
    chosen = choose_calendar(found, calendar)
    await _checked(access, chosen.url)  # discovery may lead to another host
    encrypted = access.cipher.encrypt(password)
    async with uows() as uow:
        await uow.begin_write(provider_id)
        existing = await uow.caldav.account_of(provider_id)
        if existing is None:
            account = await _added(uow, provider_id, checked, username, encrypted, chosen, now)
        else:
            account = await _replaced(uow, existing, checked, username, encrypted, chosen, now)
        await uow.commit()
    log.info("CalDAV calendar connected for provider %s (%s)", provider_id, account.host)
    return account


async def _checked(access: CalDavAccess, url: str) -> str:
    try:
        return (await access.check_url(url)).strip()
    except FeedRefused as exc:
        raise CalDavRefused(f"the address is refused: {exc.reason}") from None


def choose_calendar(found: Sequence[CalDavCalendar], wanted: str | None) -> CalDavCalendar:
    if not found:
        raise CalDavRefused("the server shows this user no calendar for events")
    if not wanted:
        return found[0]
    wanted = wanted.strip()
    for candidate in found:
        if candidate.url.rstrip("/") == wanted.rstrip("/"):
            return candidate
    for candidate in found:
        if (candidate.name or "").casefold() == wanted.casefold():
            return candidate
    names = ", ".join(repr(c.name or c.url) for c in found)
    raise CalDavRefused(f"no calendar {wanted!r} here; there are {names}")


async def _added(
    uow: UnitOfWork, provider_id: int, url: str, username: str, encrypted: str,
    chosen: CalDavCalendar, now: datetime,
) -> CalDavAccount:
    account = await uow.caldav.add_account(CalDavAccount(
        None, provider_id, url, username, encrypted, chosen.url, now, calendar_name=chosen.name,
    ))
    assert account.id is not None
    feed = await uow.feeds.add(CalendarFeed(None, provider_id, caldav_feed_url(account.id), now))
    account = replace(account, feed_id=feed.id)
    await uow.caldav.update_account(account)
    return account


async def _replaced(
    uow: UnitOfWork, existing: CalDavAccount, url: str, username: str, encrypted: str,
    chosen: CalDavCalendar, now: datetime,
) -> CalDavAccount:
    assert existing.id is not None
    account = replace(
        existing, url=url, username=username, password_encrypted=encrypted,
        calendar_url=chosen.url, calendar_name=chosen.name, last_error=None, error_since=None,
    )
    if existing.calendar_url != chosen.url:
        # Another calendar: it holds none of our events yet, and the old one's busy
        # times are not this one's.
        await uow.caldav.forget_pushes(existing.id)
        if existing.feed_id is not None:
            await uow.feeds.remove(existing.feed_id)
        feed = await uow.feeds.add(
            CalendarFeed(None, existing.provider_id, caldav_feed_url(existing.id), now)
        )
        account = replace(account, feed_id=feed.id)
    else:
        await uow.caldav.retry_failed(existing.id, now)  # e.g. a new app password
    await uow.caldav.update_account(account)
    return account


async def disconnect_account(uow: UnitOfWork, provider_id: int) -> CalDavAccount:
    """Forget the account, its outbox and its busy times. The events already written
    stay in the calendar (they are the provider's now).

    :raises NotFound: the provider has no CalDAV calendar.
    """
    async with uow:
        await uow.begin_write(provider_id)
        account = await uow.caldav.account_of(provider_id)
        if account is None or account.id is None:
            raise NotFound("CalDAV calendar of provider", provider_id)
        await uow.caldav.remove_account(account.id)
        if account.feed_id is not None:
            await uow.feeds.remove(account.feed_id)
        await uow.commit()
    return account


async def list_accounts(uow: UnitOfWork, provider_id: int | None = None) -> list[AccountView]:
    async with uow:
        if provider_id is not None and await uow.providers.get(provider_id) is None:
            raise NotFound("provider", provider_id)
        views = []
        for account in await uow.caldav.accounts(provider_id):
            assert account.id is not None
            feed = None if account.feed_id is None else await uow.feeds.get(account.feed_id)
            views.append(AccountView(account, feed, await uow.caldav.push_counts(account.id)))
        return views


def password_of(account: CalDavAccount, access: CalDavAccess) -> str:
    """The stored password, decrypted; :class:`CalDavError` when it cannot be."""
    if access.cipher is None:
        raise CalDavError(NO_SECRET_KEY)
    try:
        return access.cipher.decrypt(account.password_encrypted)
    except ValueError:
        raise CalDavError(
            "the stored password cannot be read with this SLOTBOT_SECRET_KEY: connect again"
        ) from None


# ------------------------------------------------------------- busy times


async def sync_account_busy(
    uows: Callable[[], UnitOfWork], account_id: int, access: CalDavAccess, *, now: datetime
) -> SyncResult:
    """Read the calendar's busy times now (the feed's rules; HELD if another process is)."""
    now = require_utc(now, "now")
    async with uows() as uow:
        account = await uow.caldav.account(account_id)
        provider = None if account is None else await uow.providers.get(account.provider_id)
    if account is None or account.feed_id is None or provider is None:
        return SyncResult(0, SyncOutcome.GONE, 0, 0, "the CalDAV calendar was disconnected")
    fetch = _busy_fetch(account, provider, access, now)
    return await sync_feed(uows(), account.feed_id, fetch, now=now)


def _busy_fetch(
    account: CalDavAccount, provider: Provider, access: CalDavAccess, now: datetime
) -> FetchFeed:
    first, last = sync_window(provider, now)

    async def fetch(_url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        try:
            session = await access.client.open(
                account.url, account.username, password_of(account, access)
            )
            try:
                # A day of margin each side: read_feed cuts to the window in local days.
                objects = await session.events_between(
                    account.calendar_url, first - timedelta(days=1), last + timedelta(days=1)
                )
            finally:
                await session.close()
        except CalDavError as exc:
            raise FeedUnavailable(exc.reason) from None
        try:
            body = await asyncio.to_thread(foreign_events, objects, access.host_label)
        except (ValueError, KeyError, IndexError):  # what icalendar raises for broken text
            raise FeedUnavailable("an event in the calendar could not be read") from None
        return FetchedFeed(body, None, None)  # CalDAV has no 304 here: always the whole window

    return fetch


def foreign_events(objects: Sequence[bytes], host_label: str) -> bytes:
    """One VCALENDAR of every event in ``objects`` but ours, with their time zones.

    Ours are the events whose UID is ``appointment-<id>@<host_label>``: the bookings
    this bot wrote, which must not block their own slots.
    """
    ours = re.compile(rf"appointment-\d+@{re.escape(host_label)}", re.IGNORECASE)
    merged = icalendar.Calendar()
    merged.add("prodid", PRODID)
    merged.add("version", "2.0")
    zones: set[str] = set()
    for data in objects:
        calendar = icalendar.Calendar.from_ical(data)  # ValueError when broken
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                tzid = str(component.get("TZID", ""))
                if tzid not in zones:
                    zones.add(tzid)
                    merged.add_component(component)
            elif component.name == "VEVENT" and not ours.fullmatch(str(component.get("UID", ""))):
                merged.add_component(component)
    return merged.to_ical()


async def sync_due_busy(
    uows: Callable[[], UnitOfWork],
    access: CalDavAccess,
    *,
    clock: Callable[[], datetime],
    keep_going: Callable[[], bool] = lambda: True,
) -> list[SyncResult]:
    """The timed run: the calendars not read for ``access.sync_every``, two at a time."""
    now = require_utc(clock(), "now")
    slack = min(access.sync_every / 2, timedelta(minutes=1))  # as the feeds' timed run
    async with uows() as uow:
        due = await uow.caldav.busy_due(now - access.sync_every + slack, now, BUSY_DUE_PER_RUN)

    async def sync(account_id: int) -> SyncResult:
        return await sync_account_busy(uows, account_id, access, now=clock())

    return await each_of(due, sync, BUSY_CONCURRENCY, keep_going)
