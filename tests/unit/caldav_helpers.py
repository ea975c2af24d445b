"""An in-memory CalDAV server behind the core's :class:`core.caldav_sync.CalDavClient`, and
the other pieces of a :class:`core.caldav_sync.CalDavAccess` for tests without a network."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.caldav_model import CalDavCalendar
from core.caldav_sync import CalDavAccess, CalDavError
from core.calendar_sync import FeedRefused

CALENDAR = "https://dav.example.org/calendars/ana/work/"
URL = "https://dav.example.org/"
USER, PASSWORD = "ana", "app-password-1"


class ReversedCipher:
    """Stands in for Fernet: what is stored is not the password, and reads back."""

    def encrypt(self, password: str) -> str:
        return "enc:" + password[::-1]

    def decrypt(self, token: str) -> str:
        if not token.startswith("enc:"):
            raise ValueError("not ours")
        return token[4:][::-1]


async def allow_any(url: str) -> str:
    if not url.startswith("https://"):
        raise FeedRefused("only https:// addresses can be fetched")
    return url


@dataclass
class MemoryCalDav:
    """Calendars as ``stored[calendar url][uid] = ics bytes``; counts every write.

    ``fail_next`` makes the next writes fail (a reason each); ``password`` is the only
    one accepted.
    """

    password: str = PASSWORD
    stored: dict[str, dict[str, bytes]] = field(default_factory=lambda: {CALENDAR: {}})
    names: dict[str, str] = field(default_factory=lambda: {CALENDAR: "Work"})
    puts: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)
    foreign: dict[str, list[bytes]] = field(default_factory=dict)  # events made elsewhere
    delay: float = 0.0  # seconds each write takes, so that two runs overlap

    async def calendars(self, url: str, username: str, password: str) -> list[CalDavCalendar]:
        if password != self.password:
            raise CalDavError("the server refused the user name or app password", auth=True)
        return [CalDavCalendar(u, self.names.get(u)) for u in self.stored]

    async def open(self, url: str, username: str, password: str) -> MemorySession:
        return MemorySession(self, password)

    def events(self, calendar: str = CALENDAR) -> dict[str, bytes]:
        return self.stored[calendar]


@dataclass
class MemorySession:
    server: MemoryCalDav
    password: str
    closed: bool = False

    def _check(self) -> None:
        if self.password != self.server.password:
            raise CalDavError("the server refused the user name or app password", auth=True)
        if self.server.fail_next:
            raise CalDavError(self.server.fail_next.pop(0))

    async def put_event(self, calendar_url: str, uid: str, body: bytes) -> None:
        self._check()
        await asyncio.sleep(self.server.delay)
        assert uid.encode() in body, "the event carries the UID it is stored under"
        self.server.puts.append(uid)
        self.server.stored[calendar_url][uid] = body

    async def delete_event(self, calendar_url: str, uid: str) -> None:
        self._check()
        self.server.deletes.append(uid)
        self.server.stored[calendar_url].pop(uid, None)

    async def events_between(
        self, calendar_url: str, start: datetime, end: datetime
    ) -> list[bytes]:
        self._check()
        return list(self.server.stored[calendar_url].values()) + self.server.foreign.get(
            calendar_url, []
        )

    async def close(self) -> None:
        self.closed = True


def access(server: MemoryCalDav, *, cipher: object = ReversedCipher(), host: str = "slotbot",
           every: timedelta = timedelta(minutes=10)) -> CalDavAccess:
    return CalDavAccess(server, allow_any, cipher, host, sync_every=every)  # type: ignore[arg-type]


def vevent(uid: str, start: datetime, end: datetime) -> bytes:
    """A calendar object of one event, as another calendar app would have written it."""
    stamp = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start.strftime(stamp)}\r\n"
        f"DTEND:{end.strftime(stamp)}\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
