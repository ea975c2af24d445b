"""The ranges a date or an id from outside (a person, a button, the CLI) may take.

Anything outside is answered as "out of range" or "unknown" before it reaches
date arithmetic (``date.max + timedelta`` overflows) or a database column
(PostgreSQL's ``integer`` is 32-bit; a bigger value is an error there, not a
miss). The window is wide enough for every real use: agendas a year back,
blocks and bookings five years ahead.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

DAYS_BACK = 366
DAYS_AHEAD = 5 * 366

# Primary keys are ``integer`` columns: 1 .. 2**31 - 1.
MAX_ID = 2**31 - 1
# Telegram user and chat ids are ``bigint``; Telegram's own are below 2**52.
MAX_TELEGRAM_ID = 2**53 - 1


class OutOfRange(ValueError):
    """A date outside :func:`date_window`; carries the window to tell the person."""

    def __init__(self, value: object, first: date, last: date) -> None:
        super().__init__(f"{value!r} is outside {first.isoformat()}..{last.isoformat()}")
        self.first = first
        self.last = last


def date_window(today: date) -> tuple[date, date]:
    """The first and last day a person may name, around ``today``."""
    return today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)


def future_window(today: date) -> tuple[date, date]:
    """The days a person may name for something still to come (a block, a booking)."""
    return today, date_window(today)[1]


def in_window(day: date, today: date) -> bool:
    first, last = date_window(today)
    return first <= day <= last


def check_day(day: date, today: date) -> date:
    """``day`` itself, or :class:`OutOfRange`."""
    first, last = date_window(today)
    if not first <= day <= last:
        raise OutOfRange(day, first, last)
    return day


def check_future_day(day: date, today: date) -> date:
    """``day`` itself, or :class:`OutOfRange` naming :func:`future_window`."""
    first, last = future_window(today)
    if not first <= day <= last:
        raise OutOfRange(day, first, last)
    return day


def check_instant(instant: datetime, now: datetime) -> datetime:
    """An aware instant whose UTC day lies in the window around ``now``'s."""
    check_day(instant.date(), now.date())
    return instant


def is_id(value: int) -> bool:
    """Whether ``value`` can be a row id at all (so a lookup may be made)."""
    return 1 <= value <= MAX_ID


def is_telegram_id(value: int) -> bool:
    return 1 <= value <= MAX_TELEGRAM_ID


# ASCII only: str.isdigit() is true for "²" (which int() refuses) and for "٣"
# (which int() reads as 3), so neither may decide what an id is.
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")


def parse_id(text: str) -> int | None:
    """The row id typed or carried as ``text`` ("12", "007"), or ``None`` if it cannot be one."""
    text = text.strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if is_id(value) else None
