"""Parsing what providers type: /hours, /block, /special, /agenda, /invite.

Parsers never raise on bad input: they return a value or a :class:`ParseError`
whose ``code`` says what is wrong and ``detail`` quotes the offending part, so
the bot can answer with the right form and an example in the provider's
language. Day words are understood in English, Russian and Spanish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.model import ProviderType

BAD_TIME, BAD_DAY, END_BEFORE_START, OVERLAP = "BAD_TIME", "BAD_DAY", "END_BEFORE_START", "OVERLAP"
DATE_IN_PAST, BAD_DATE, BAD_RANGE, TOO_LONG = "DATE_IN_PAST", "BAD_DATE", "BAD_RANGE", "TOO_LONG"
UNKNOWN_FORM, BAD_TYPE, BAD_ZONE, MISSING_NAME = "UNKNOWN_FORM", "BAD_TYPE", "BAD_ZONE", "MISSING_NAME"

#: A shift whose end is before its start runs past midnight only up to this long;
#: longer ones (17:00-09:00) are almost always a typo for a same-day interval.
MAX_OVERNIGHT = timedelta(hours=12)
MAX_BLOCK_DAYS = 366

EXAMPLES = {
    "hours": "/hours mon-fri 09:00-12:00 13:00-17:00",
    "block": "/block 2026-12-24",
    "special": "/special 2026-12-20 10:00-14:00",
    "agenda": "/agenda tomorrow",
    "invite": "/invite DOCTOR Europe/Berlin Dr. Ana Petrova",
}


@dataclass(frozen=True)
class ParseError:
    code: str
    detail: str = ""


@dataclass(frozen=True)
class HoursChange:
    days: frozenset[int]
    intervals: tuple[tuple[time, time], ...]  # empty: the days are off


@dataclass(frozen=True)
class BlockRequest:
    first: date
    last: date
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class SpecialHours:
    day: date
    intervals: tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class InviteRequest:
    type: ProviderType
    timezone: str
    name: str


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ё", "е")


_DAY_WORDS = {
    0: ("mon", "monday", "пн", "понедельник", "lun", "lunes"),
    1: ("tue", "tues", "tuesday", "вт", "вторник", "mar", "martes"),
    2: ("wed", "wednesday", "ср", "среда", "mie", "miercoles"),
    3: ("thu", "thur", "thursday", "чт", "четверг", "jue", "jueves"),
    4: ("fri", "friday", "пт", "пятница", "vie", "viernes"),
    5: ("sat", "saturday", "сб", "суббота", "sab", "sabado"),
    6: ("sun", "sunday", "вс", "воскресенье", "dom", "domingo"),
}
DAYS = {_plain(word): day for day, words in _DAY_WORDS.items() for word in words}
GROUPS = {
    "daily": range(7), "everyday": range(7), "ежедневно": range(7), "diario": range(7),
    "weekdays": range(5), "будни": range(5), "laborables": range(5),
    "weekend": (5, 6), "выходные": (5, 6), "findesemana": (5, 6),
}
OFF_WORDS = {"off", "closed", "выходной", "нет", "libre", "cerrado"}
TODAY_WORDS = {"today", "сегодня", "hoy"}
TOMORROW_WORDS = {"tomorrow", "завтра", "manana"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?$")


def format_interval(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def _time(text: str, *, end: bool = False) -> time | ParseError:
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if end and (hour, minute) == (24, 0):
            return time(0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return ParseError(BAD_TIME, text)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _interval(text: str, *, overnight: bool = True) -> tuple[time, time] | ParseError:
    start_text, dash, end_text = text.partition("-")
    if not dash:
        return ParseError(UNKNOWN_FORM, text)
    start, end = _time(start_text), _time(end_text, end=True)
    for value in (start, end):
        if isinstance(value, ParseError):
            return value
    length = _minutes(end) - _minutes(start)  # type: ignore[arg-type]
    if length > 0 or (end == time(0) and start != time(0) and overnight):
        return start, end  # type: ignore[return-value]
    if overnight and length < 0 and timedelta(minutes=length + 1440) <= MAX_OVERNIGHT:
        return start, end  # type: ignore[return-value]
    return ParseError(END_BEFORE_START, text)


def _spans(intervals: list[tuple[time, time]]) -> list[tuple[int, int]]:
    spans = []
    for start, end in intervals:
        a, b = _minutes(start), _minutes(end)
        spans.append((a, b if b > a else b + 1440))
    return spans


def _intervals(words: list[str], *, overnight: bool = True) -> tuple[tuple[time, time], ...] | ParseError:
    if not words:
        return ParseError(UNKNOWN_FORM, "")
    parsed = []
    for word in words:
        interval = _interval(word, overnight=overnight)
        if isinstance(interval, ParseError):
            return interval
        parsed.append(interval)
    spans = _spans(parsed)
    for n, (a0, a1) in enumerate(spans):
        for m, (b0, b1) in enumerate(spans[n + 1 :], start=n + 1):
            if a0 < b1 and b0 < a1:
                return ParseError(OVERLAP, f"{words[n]} {words[m]}")
    return tuple(sorted(parsed))


def _days(text: str) -> frozenset[int] | ParseError:
    days: set[int] = set()
    for part in text.split(","):
        part = _plain(part.strip())
        if part in GROUPS:
            days.update(GROUPS[part])
            continue
        first, dash, last = part.partition("-")
        if first not in DAYS:
            return ParseError(BAD_DAY, first)
        if not dash:
            days.add(DAYS[first])
            continue
        if last not in DAYS:
            return ParseError(BAD_DAY, last)
        day = DAYS[first]
        while True:  # ranges may wrap the week: fri-mon
            days.add(day)
            if day == DAYS[last]:
                break
            day = (day + 1) % 7
    return frozenset(days)


def parse_hours(args: str) -> HoursChange | ParseError:
    """``mon-fri 09:00-12:00 13:00-17:00``, ``sat 10:00-14:00``, ``sun off``."""
    words = args.split()
    if len(words) < 2:
        return ParseError(UNKNOWN_FORM, args.strip())
    days = _days(words[0])
    if isinstance(days, ParseError):
        return days
    if len(words) == 2 and _plain(words[1]) in OFF_WORDS:
        return HoursChange(days, ())
    intervals = _intervals(words[1:])
    if isinstance(intervals, ParseError):
        return intervals
    return HoursChange(days, intervals)


def _date(word: str, today: date) -> date | ParseError:
    plain = _plain(word)
    if plain in TODAY_WORDS:
        return today
    if plain in TOMORROW_WORDS:
        return today + timedelta(days=1)
    if plain in DAYS:  # the next such weekday, today included
        return today + timedelta(days=(DAYS[plain] - today.weekday()) % 7)
    try:
        if _ISO_DATE.match(word):
            return date.fromisoformat(word)
        dotted = _DOTTED_DATE.match(word)
        if dotted:
            day, month, year = int(dotted.group(1)), int(dotted.group(2)), dotted.group(3)
            found = date(int(year) if year else today.year, month, day)
            if not year and found < today:
                found = found.replace(year=today.year + 1)
            return found
    except ValueError:
        return ParseError(BAD_DATE, word)
    return ParseError(BAD_DATE, word)


def _future_date(word: str, today: date) -> date | ParseError:
    found = _date(word, today)
    if isinstance(found, date) and found < today:
        return ParseError(DATE_IN_PAST, word)
    return found


def parse_block(args: str, today: date) -> BlockRequest | ParseError:
    """``2026-12-24``, ``2026-12-24..2026-12-31``, ``tomorrow 14:00-16:00``, ``fri``."""
    words = args.split()
    if not words or len(words) > 2:
        return ParseError(UNKNOWN_FORM, args.strip())
    if ".." in words[0]:
        if len(words) > 1:
            return ParseError(UNKNOWN_FORM, args.strip())
        first_text, _, last_text = words[0].partition("..")
        first, last = _future_date(first_text, today), _date(last_text, today)
        for value in (first, last):
            if isinstance(value, ParseError):
                return value
        if last < first:  # type: ignore[operator]
            return ParseError(BAD_RANGE, words[0])
        if (last - first).days >= MAX_BLOCK_DAYS:  # type: ignore[operator]
            return ParseError(TOO_LONG, words[0])
        return BlockRequest(first, last)  # type: ignore[arg-type]
    day = _future_date(words[0], today)
    if isinstance(day, ParseError):
        return day
    if len(words) == 1:
        return BlockRequest(day, day)
    window = _interval(words[1], overnight=False)
    if isinstance(window, ParseError):
        return window
    return BlockRequest(day, day, *window)


def parse_special(args: str, today: date) -> SpecialHours | ParseError:
    """``2026-12-20 10:00-14:00 [15:00-18:00 …]``."""
    words = args.split()
    if len(words) < 2:
        return ParseError(UNKNOWN_FORM, args.strip())
    day = _future_date(words[0], today)
    if isinstance(day, ParseError):
        return day
    intervals = _intervals(words[1:])
    if isinstance(intervals, ParseError):
        return intervals
    return SpecialHours(day, intervals)


def parse_agenda_period(args: str, today: date) -> tuple[date, date] | ParseError:
    """Nothing or ``today``, ``tomorrow``, ``week`` (7 days from today), or a date."""
    word = _plain(args.strip())
    if not word:
        return today, today
    if word in {"week", "неделя", "semana"}:
        return today, today + timedelta(days=6)
    found = _date(args.strip(), today)
    if isinstance(found, ParseError):
        return found
    return found, found


def parse_invite(args: str) -> InviteRequest | ParseError:
    """``DOCTOR Europe/Berlin Dr. Ana Petrova``."""
    words = args.split()
    if not words:
        return ParseError(BAD_TYPE, "")
    try:
        kind = ProviderType(words[0].upper())
    except ValueError:
        return ParseError(BAD_TYPE, words[0])
    if len(words) < 2:
        return ParseError(BAD_ZONE, "")
    try:
        ZoneInfo(words[1])
    except (ZoneInfoNotFoundError, ValueError):
        return ParseError(BAD_ZONE, words[1])
    name = " ".join(words[2:]).strip()
    if not name or len(name) > 200:
        return ParseError(MISSING_NAME, name)
    return InviteRequest(kind, words[1], name)
