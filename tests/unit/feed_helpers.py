"""Calendar feeds for sync tests: iCalendar text from spans, a scripted fetch, a URL check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.calendar_sync import FeedRefused, FeedUnavailable, FetchedFeed


def ics(*events: tuple[str, datetime, datetime]) -> bytes:
    """A feed with one busy event per ``(uid, start, end)`` (aware instants), titles included."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Slotbot tests//EN"]
    for uid, start, end in events:
        lines += [
            "BEGIN:VEVENT", f"UID:{uid}", f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}",
            "SUMMARY:Private appointment", "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Call:
    url: str
    etag: str | None
    last_modified: str | None


@dataclass
class ScriptedFetch:
    """Answers from ``answers`` in turn: a FetchedFeed, or an exception to raise.

    With ``gate`` set, every call waits for it (``started`` is set once a call is in):
    a fetch still under way while the test does something else.
    """

    answers: list[FetchedFeed | Exception]
    calls: list[Call] = field(default_factory=list)
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(
        self, url: str, *, etag: str | None, last_modified: str | None
    ) -> FetchedFeed:
        self.calls.append(Call(url, etag, last_modified))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def body(data: bytes, etag: str | None = None, last_modified: str | None = None) -> FetchedFeed:
    return FetchedFeed(data, etag, last_modified)


def not_modified(etag: str | None = None, last_modified: str | None = None) -> FetchedFeed:
    return FetchedFeed(None, etag, last_modified)


def failure(reason: str = "the server answered 500") -> FeedUnavailable:
    return FeedUnavailable(reason)


async def https_only(url: str) -> str:
    """A URL check without DNS: https:// addresses pass."""
    if not url.startswith("https://"):
        raise FeedRefused("only https:// addresses can be fetched")
    return url
