"""Parsing what providers type: /hours, /block, /special, /agenda, /invite.

The parsers never raise on bad input: they return a value or a :class:`ParseError`
whose ``code`` (one of :data:`ERROR_CODES`) says what is wrong and whose ``detail``
quotes the offending part as typed, so the bot can answer in the provider's
language with the right form and an example (:data:`EXAMPLES`).

Understood everywhere (case, accents and extra spaces never matter; en and em
dashes count as ``-``, because phones substitute them):

* Days (en/ru/es, see :data:`DAYS`, :data:`GROUPS`): lists ``mon,wed`` or
  ``mon wed``; ranges ``mon-fri`` that may wrap the week (``fri-mon``).
* Times: ``H:MM``/``HH:MM`` and, for thumbs, whole hours (``9-13``; not ``9h``).
  ``24:00`` (or ``00:00``) as an end is midnight; ``00:00-24:00`` is the whole day.
* Dates: ``YYYY-MM-DD``, ``DD.MM.YYYY``, ``DD.MM`` (the next such date: in late
  November ``01.02`` is next February, and ``29.02`` the next 29 February, however
  many years away), ``DD/MM`` and ``DD/MM/YYYY`` alike, today/tomorrow
  (сегодня/завтра, hoy/mañana), or a day name, meaning its next occurrence *today
  included*. Every date is held to core.bounds' window (a year back, five years
  ahead; from today on for what is still to come): outside it is ``OUT_OF_RANGE``,
  whose error carries the window to name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.bounds import date_window, future_window
from core.model import ProviderType

EMPTY = "EMPTY"  # nothing typed at all
UNKNOWN_FORM = "UNKNOWN_FORM"  # a part missing or left over; detail: the text concerned
BAD_DAY = "BAD_DAY"  # detail: the word that is not a day ("fry")
BAD_TIME = "BAD_TIME"  # detail: the time as typed ("25:00")
END_BEFORE_START = "END_BEFORE_START"  # detail: the interval ("17:00-09:00")
OVERLAP = "OVERLAP"  # detail: both intervals, "09:00-12:00 / 11:00-13:00"
BAD_DATE = "BAD_DATE"  # detail: the word that is not a (valid) date
DATE_IN_PAST = "DATE_IN_PAST"  # detail: the date as typed
OUT_OF_RANGE = "OUT_OF_RANGE"  # detail: the date as typed; ParseError.first/.last: the window
BAD_RANGE = "BAD_RANGE"  # the last day before the first; detail: the range
TOO_LONG = "TOO_LONG"  # a block over MAX_BLOCK_DAYS days; detail: the range
BAD_TYPE = "BAD_TYPE"  # detail: the word that is not a ProviderType
BAD_ZONE = "BAD_ZONE"  # detail: the word that is not a time zone ("" if none)
MISSING_NAME = "MISSING_NAME"
NAME_TOO_LONG = "NAME_TOO_LONG"  # detail: the limit, "200"
ERROR_CODES = frozenset({
    EMPTY, UNKNOWN_FORM, BAD_DAY, BAD_TIME, END_BEFORE_START, OVERLAP, BAD_DATE,
    DATE_IN_PAST, OUT_OF_RANGE, BAD_RANGE, TOO_LONG, BAD_TYPE, BAD_ZONE, MISSING_NAME, NAME_TOO_LONG,
})

#: An end before the start is a night shift only up to this long; longer ones
#: (17:00-09:00, 12:00-11:00) are almost always typos for a daytime interval.
MAX_OVERNIGHT_MINUTES = 12 * 60
MAX_BLOCK_DAYS = 366  # a leap year of vacation at most; more is a typo'd year
MAX_NAME_LENGTH = 200

EXAMPLES: dict[str, str] = {
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
    first: date | None = None  # OUT_OF_RANGE: the first and last day that may be named
    last: date | None = None


@dataclass(frozen=True)
class HoursChange:
    days: frozenset[int]  # 0 = Monday, as date.weekday()
    intervals: tuple[tuple[time, time], ...]  # sorted by start; empty: the days are off


@dataclass(frozen=True)
class BlockRequest:
    first: date
    last: date  # inclusive
    start: time | None = None  # a window of the one day first == last; never overnight
    end: time | None = None


@dataclass(frozen=True)
class SpecialHours:
    day: date
    intervals: tuple[tuple[time, time], ...]  # sorted by start


@dataclass(frozen=True)
class InviteRequest:
    type: ProviderType
    timezone: str  # the canonical key: "Europe/Berlin" even when typed "europe/berlin"
    name: str


def format_interval(start: time, end: time) -> str:
    """``22:00-02:00``; an end at midnight shows as ``24:00``, which reads (and parses) back."""
    return f"{start:%H:%M}-" + ("24:00" if end == time(0) else f"{end:%H:%M}")


class _Invalid(Exception):
    """``_Invalid(code, detail)``, raised inside this module only: the parsers return it."""


_P, _R = ParamSpec("_P"), TypeVar("_R")


def _returns_errors(parser: Callable[_P, _R]) -> Callable[_P, _R | ParseError]:
    # Raising deep inside and converting once here keeps every step a plain value
    # instead of an "if isinstance(x, ParseError): return x" after each call.
    @functools.wraps(parser)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R | ParseError:
        try:
            return parser(*args, **kwargs)
        except _Invalid as invalid:
            return ParseError(*invalid.args)

    return wrapper


def _plain(word: str) -> str:
    """Case- and accent-free, so "Sáb", "sab" and "SAB" are one word (and ё is е)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().replace("ё", "е"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(*words: str) -> frozenset[str]:
    return frozenset(map(_plain, words))


_DAY_WORDS = (
    ("mon", "monday", "пн", "пон", "понедельник", "lun", "lunes"),
    ("tue", "tues", "tuesday", "вт", "вторник", "mar", "martes"),
    ("wed", "wednesday", "ср", "среда", "mié", "miércoles"),
    ("thu", "thur", "thurs", "thursday", "чт", "четверг", "jue", "jueves"),
    ("fri", "friday", "пт", "пятница", "vie", "viernes"),
    ("sat", "saturday", "сб", "суббота", "sáb", "sábado"),
    ("sun", "sunday", "вс", "воскресенье", "dom", "domingo"),
)
DAYS = {word: day for day, words in enumerate(_DAY_WORDS) for word in _words(*words)}
_GROUP_WORDS = (
    (tuple(range(7)), ("daily", "everyday", "ежедневно", "diario", "todos")),
    (tuple(range(5)), ("weekdays", "workdays", "будни", "laborables")),
    ((5, 6), ("weekend", "weekends", "выходные", "finde")),  # "fin de semana" → finde
)
GROUPS = {word: days for days, words in _GROUP_WORDS for word in _words(*words)}
OFF_WORDS = _words("off", "closed", "выходной", "нет", "libre", "cerrado")
RELATIVE_DAYS = {**dict.fromkeys(_words("today", "сегодня", "hoy"), 0),
                 **dict.fromkeys(_words("tomorrow", "завтра", "mañana"), 1)}  # days from today
WEEK_WORDS = _words("week", "неделя", "неделю", "semana")

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—−", "-"))
_SPACED_DASH = re.compile(r"\s*-\s*")
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?")
_TIMEISH = re.compile(r"\d{1,2}(?::\d{2})?(?:-|$)")  # "9-13", "14:00"; not "2026-12-24"
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_DOTTED_DATE = re.compile(r"(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}))?\.?")


def _clean(args: str) -> list[str]:
    return args.translate(_DASHES).split()


def _clock(text: str, *, end: bool) -> int:
    """Minutes since midnight. Intervals are worked on in minutes, an end past 1440
    being on the next day; only results become datetime.time."""
    match = _TIME.fullmatch(text)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if minute < 60 and (hour < 24 or (end and (hour, minute) == (24, 0))):
            return hour * 60 + minute
    raise _Invalid(BAD_TIME, text)


def _span(token: str, *, overnight: bool) -> tuple[int, int]:
    start_text, dash, end_text = token.partition("-")
    if not (dash and start_text and end_text):
        raise _Invalid(UNKNOWN_FORM, token)
    start, end = _clock(start_text, end=False), _clock(end_text, end=True)
    if end == 0 and start > 0:
        end = 1440  # 00:00 as an end is tonight's midnight, as 24:00 is
    if end > start and (overnight or end < 1440):
        return start, end
    # Blocks never reach past their date (not even to midnight: the clash check of a
    # block reads its end on the same date). Working hours may, for up to 12 hours.
    if overnight and 0 < end + 1440 - start <= MAX_OVERNIGHT_MINUTES:
        return start, end + 1440
    raise _Invalid(END_BEFORE_START, token)


def _as_time(minutes: int) -> time:
    return time(minutes // 60 % 24, minutes % 60)


def _intervals(words: list[str]) -> tuple[tuple[time, time], ...]:
    """Working intervals of one day (``9-12, 13:00 - 17:00``): overnight allowed, no overlaps.

    Only the intervals typed together are compared, as on one day: a Monday night
    shift running into Tuesday's early hours is refused by the schedule itself
    (core.schedule_admin.HoursOverlap), which sees the whole week.
    """
    tokens = list(filter(None, re.split(r"[\s,;]+", _SPACED_DASH.sub("-", " ".join(words)))))
    if not tokens:
        raise _Invalid(UNKNOWN_FORM, " ".join(words))
    spans = [_span(token, overnight=True) for token in tokens]
    for n, (a0, a1) in enumerate(spans):
        for m in range(n + 1, len(spans)):
            if a0 < spans[m][1] and spans[m][0] < a1:  # touching (…-12:00 12:00-…) is fine
                raise _Invalid(OVERLAP, f"{tokens[n]} / {tokens[m]}")
    return tuple((_as_time(a), _as_time(b)) for a, b in sorted(spans))


def _days(text: str) -> frozenset[int]:
    text = re.sub(r"fin\s+de\s+semana", "finde", text, flags=re.IGNORECASE)
    days: set[int] = set()
    for part in filter(None, re.split(r"[\s,;/]+", _SPACED_DASH.sub("-", text))):
        if _plain(part) in GROUPS:
            days.update(GROUPS[_plain(part)])
            continue
        first, dash, last = part.partition("-")
        for word in (first, last) if dash else (first,):
            if _plain(word) not in DAYS:
                raise _Invalid(BAD_DAY, word or part)
        day, stop = DAYS[_plain(first)], DAYS[_plain(last or first)]
        days.add(day)
        while day != stop:  # fri-mon wraps the week: fri, sat, sun, mon
            day = (day + 1) % 7
            days.add(day)
    return frozenset(days)


@_returns_errors
def parse_hours(args: str) -> HoursChange | ParseError:
    """``mon-fri 09:00-12:00 13:00-17:00``, ``sat 10:00-14:00``, ``sun off``, ``tue 22:00-02:00``"""
    words = _clean(args)
    if not words:
        raise _Invalid(EMPTY)
    # The days run up to the first word starting with a digit (a time, right or
    # wrong: "9am" is a BAD_TIME, not a BAD_DAY) or up to "off".
    split = next((n for n, w in enumerate(words) if w[0].isdigit() or _plain(w) in OFF_WORDS),
                 len(words))
    if split == 0 or split == len(words):
        raise _Invalid(UNKNOWN_FORM, " ".join(words))  # no days, or no hours
    days, rest = _days(" ".join(words[:split])), words[split:]
    if _plain(rest[0]) not in OFF_WORDS:
        return HoursChange(days, _intervals(rest))
    if len(rest) > 1:
        raise _Invalid(UNKNOWN_FORM, " ".join(rest))
    return HoursChange(days, ())


def _date(word: str, today: date, *, after: date | None = None, roll: bool = True) -> date:
    """One date word. Day names and year-less dates are the next ones on or after
    ``after`` (default: today), so ranges read forward (``mon..fri``, ``28.12..03.01``);
    ``roll=False`` keeps a year-less date in its year (the agenda may look back)."""
    plain, since = _plain(word), after or today
    if plain in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[plain])
    if plain in DAYS:
        return since + timedelta(days=(DAYS[plain] - since.weekday()) % 7)
    match = _ISO_DATE.fullmatch(word) or _DOTTED_DATE.fullmatch(word)
    if match:
        month, day = int(match["m"]), int(match["d"])
        # Without a year: the first such date on or after ``since`` (this year's, or
        # next year's once past); 29.02 exists once in four years, or eight (2100).
        years = [int(match["y"])] if match["y"] else range(since.year, since.year + 9)
        for candidate in years:
            try:
                found = date(candidate, month, day)
            except ValueError:
                continue
            if match["y"] or not roll or found >= since:
                return found
    raise _Invalid(BAD_DATE, word)


def _within(found: date, word: str, first: date, last: date) -> date:
    """``found``, if ``first`` <= it <= ``last``: beyond lies date arithmetic's overflow."""
    if not first <= found <= last:
        raise _Invalid(OUT_OF_RANGE, word, first, last)
    return found


def _future_date(word: str, today: date) -> date:
    """A date from today on: a recent past one is DATE_IN_PAST, a far one OUT_OF_RANGE."""
    found = _date(word, today)
    if date_window(today)[0] <= found < today:
        raise _Invalid(DATE_IN_PAST, word)
    return _within(found, word, *future_window(today))


@_returns_errors
def parse_block(args: str, today: date) -> BlockRequest | ParseError:
    """``2026-12-24``, ``2026-12-24..2026-12-31`` (or ``2026-12-24 - 2026-12-31``),
    ``tomorrow 14:00-16:00``, ``fri``, ``fri 14:00-16:00``, ``24.12``.

    Whole days are inclusive; a window (one per command) is for a single day only.
    """
    words = re.sub(r"\s*\.\.\s*", "..", " ".join(_clean(args))).split()
    if not words:
        raise _Invalid(EMPTY)
    if _TIMEISH.match(words[0]):
        raise _Invalid(UNKNOWN_FORM, " ".join(words))  # a time where the date belongs
    if ".." in words[0]:
        (first_word, _, last_word), rest = words[0].partition(".."), words[1:]
    elif len(words) >= 3 and words[1] == "-":
        first_word, last_word, rest = words[0], words[2], words[3:]
    else:  # one day, perhaps with a window
        day = _future_date(words[0], today)
        if len(words) == 1:
            return BlockRequest(day, day)
        window = _SPACED_DASH.sub("-", " ".join(words[1:]))
        if " " in window:
            raise _Invalid(UNKNOWN_FORM, window)  # one window per block
        start, end = _span(window, overnight=False)
        return BlockRequest(day, day, _as_time(start), _as_time(end))
    shown = " ".join(words[: len(words) - len(rest)])
    if rest or not (first_word and last_word):  # a window is for a single day only
        raise _Invalid(UNKNOWN_FORM, " ".join(rest) or shown)
    first = _future_date(first_word, today)
    last = _date(last_word, today, after=first)
    if last < first:
        raise _Invalid(BAD_RANGE, shown)
    _within(last, last_word, *future_window(today))
    if (last - first).days + 1 > MAX_BLOCK_DAYS:
        raise _Invalid(TOO_LONG, shown)
    return BlockRequest(first, last)


@_returns_errors
def parse_special(args: str, today: date) -> SpecialHours | ParseError:
    """``2026-12-20 10:00-14:00 [15:00-18:00 …]``: one date as /block, intervals as /hours."""
    words = _clean(args)
    if not words:
        raise _Invalid(EMPTY)
    if _TIMEISH.match(words[0]) or len(words) == 1:
        raise _Invalid(UNKNOWN_FORM, " ".join(words))  # no date, or no hours
    return SpecialHours(_future_date(words[0], today), _intervals(words[1:]))


@_returns_errors
def parse_agenda_period(args: str, today: date) -> tuple[date, date] | ParseError:
    """Nothing (today), ``today``, ``tomorrow``, ``week`` (today and the 6 days after),
    a day name or a date, which may be in the past; the period is inclusive."""
    words = _clean(args)
    if len(words) > 1:
        raise _Invalid(UNKNOWN_FORM, " ".join(words))
    if not words:
        return today, today
    if _plain(words[0]) in WEEK_WORDS:
        return today, today + timedelta(days=6)
    found = _within(_date(words[0], today, roll=False), words[0], *date_window(today))
    return found, found


@_returns_errors
def parse_future_date(args: str, today: date) -> date | ParseError:
    """One date from today on, in any form above (a client's "until" of a series too)."""
    words = _clean(args)
    if not words:
        raise _Invalid(EMPTY)
    if len(words) > 1:
        raise _Invalid(UNKNOWN_FORM, " ".join(words))
    return _future_date(words[0], today)


# Files of the zone database that ZoneInfo opens but that are no place's zone.
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


@functools.cache
def _zone_keys() -> dict[str, str]:
    return {key.casefold(): key for key in available_timezones()}


def _zone(key: str) -> str:
    """The canonical zone key (``europe/berlin`` → ``Europe/Berlin``)."""
    canonical = _zone_keys().get(key.casefold(), key)
    try:
        if canonical.casefold() not in _NOT_ZONES and ZoneInfo(canonical):
            return canonical
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        pass
    raise _Invalid(BAD_ZONE, key)


@_returns_errors
def parse_invite(args: str) -> InviteRequest | ParseError:
    """``DOCTOR Europe/Berlin Dr. Ana Petrova``: type (any case), zone, then the name."""
    words = args.split()
    if not words:
        raise _Invalid(EMPTY)
    try:
        kind = ProviderType(words[0].upper())
    except ValueError:
        raise _Invalid(BAD_TYPE, words[0]) from None
    if len(words) < 2:
        raise _Invalid(BAD_ZONE)
    zone = _zone(words[1])
    name = " ".join(words[2:])
    if not name:
        raise _Invalid(MISSING_NAME)
    if len(name) > MAX_NAME_LENGTH:
        raise _Invalid(NAME_TOO_LONG, str(MAX_NAME_LENGTH))
    return InviteRequest(kind, zone, name)
