"""What the randomised sessions type and tap: odd arguments, odd texts, forged button data.

Everything here is a plain value picked with the session's own ``random.Random``, so a
seed replays the same run. The strings are the ones that broke bots before: HTML
fragments a bot may echo unescaped, dates at the ends of the calendar, numbers past
the database's integer columns, characters whose ``isdigit()`` lies, bidirectional and
zero-width marks, and texts far over Telegram's limits once echoed.
"""

from __future__ import annotations

import random
import re

LONG = "Lorem ipsum <dolor> & sit amet " * 170  # ~5,000 characters
HOSTILE = [
    "<3", "</b>", "&", "&amp;", "&lt;b&gt;", "<b>bold</b>", "<a href='x'>", "Tom & Jerry <tj>",
    LONG, "x" * 5000, "\u202eevil\u202c", "\u200f\u200e\u200b", "\u2066isolated\u2069",
    "😀" * 30, "👩‍👩‍👧‍👦", "²", "١٢", "Ⅻ", "\ufeff", "a\nb\n\nc", "\t", "«»",
]  # fmt: skip
DATES = [
    "9999-12-31", "0001-01-01", "29.02", "31.02", "30.02.2027", "2026-02-29", "2028-02-29",
    "2026-11-25", "2026-11-26", "2026-11-30", "2026-12-24", "2031-12-31", "2025-11-24",
    "2025-11-26", "2026-13-01", "26.11", "1.12", "today", "tomorrow", "2026-11-30..2026-12-04",
    "2026-11-30 2026-12-04", "99999-01-01",
]  # fmt: skip
NUMBERS = [
    "0", "1", "2", "3", "4", "5", "-1", "2147483647", "2147483648", "9223372036854775808",
    "99999999999999999999", "1e9", "0x10", "1.5", "²", "٣", "off", "",
]  # fmt: skip
HOURS = [
    "mon-fri 09:00-17:00", "mon 09:00-12:00 13:00-17:00", "sat 10:00-14:00", "mon 25:00-12:00",
    "mon-fry 09:00-12:00", "mon 17:00-09:00", "sun 00:00-24:00", "mon 09:00-12:00 11:00-13:00",
    "mon-sun 00:00-23:59", "tue off", "off", "",
]  # fmt: skip
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Mars/Base", "UTC", ""]
KINDS = ["DOCTOR", "THERAPIST", "TUTOR", "CONSULTANT", "WIZARD", "doctor", ""]

COMMANDS = [
    "/start", "/book", "/my", "/help", "/language", "/timezone", "/cancel", "/forgetme",
    "/hours", "/block", "/special", "/unblock", "/agenda", "/clients", "/settings", "/types",
    "/invite", "/act", "/calendar",
]  # fmt: skip
TEXTS = [
    *HOSTILE, "Berlin", "Москва", "Nueva York", "Ciudad de México", "new york", "Mars",
    "30", "45", "0", "-5", "99999999999", "50 EUR", "0 EUR", "€€€", "free", "1", "2", "10",
    "yes", "no", "Check-up <30 min>", "Please call the practice & ask for <Ana>.",
]  # fmt: skip
LOCATIONS = [
    (52.52, 13.405), (55.7558, 37.6173), (40.7128, -74.006), (0.0, 0.0), (-33.87, 151.21),
    (89.9999, 179.9999), (-90.0, -180.0), (35.0, -40.0), (64.15, -21.94), (-0.0001, 0.0001),
]  # fmt: skip


def arguments(rng: random.Random, command: str, hints: dict[str, list[str]]) -> str:
    """Arguments for ``command``: often its own odd forms, sometimes anything at all.

    ``hints`` holds values the run learnt (invite tokens, provider ids), so that /start
    and /act also get arguments that mean something.
    """
    own = {
        "/start": ["p1", "p2", "p3", "p4", "p0", "p2147483648", "p99999999999999999999", "i-bad",
                   "i" + "A" * 40, *hints.get("invites", [])],
        "/hours": HOURS,
        "/block": [*DATES, "2026-11-30 09:00-12:00", "2026-12-01..2026-12-03", "2026-11-30 25:00-26:00"],
        "/special": ["2026-12-05 10:00-12:00", "2026-12-06 08:00-09:00", "9999-12-31 10:00-11:00",
                     "0001-01-01 10:00-11:00", "29.02 10:00-12:00", "2026-12-05", "2026-12-05 12:00-10:00"],
        "/agenda": [*DATES, "week", "month", "2026-11-30 2031-11-30"],
        "/act": [*NUMBERS, *hints.get("providers", [])],
        "/invite": [f"{k} {z} {n}" for k in KINDS[:2] for z in ZONES[:2] for n in ("Dr. <b>X</b> & Co", "Zoë")]
                   + ["DOCTOR Europe/Berlin", "WIZARD Mars/Base Merlin", "", "DOCTOR UTC " + "N" * 300],
        "/language": ["en", "ru", "es", "de", "xx"],
        "/timezone": ZONES,
    }.get(command, [])  # fmt: skip
    roll = rng.random()
    if roll < 0.25:
        return ""
    if own and roll < 0.8:
        return rng.choice(own)
    return rng.choice([*HOSTILE, *DATES, *NUMBERS])


def odd_text(rng: random.Random, hints: dict[str, list[str]]) -> str:
    """Half the time a hostile string: they are what a pending prompt may echo."""
    if rng.random() < 0.5:
        return rng.choice(HOSTILE)
    return rng.choice([*TEXTS, *hints.get("invites", [])])


_NUMBER = re.compile(r"\d+")


def mutate(rng: random.Random, data: str) -> str:
    """Forged callback data from a real one; at most 64 bytes, as Telegram enforces."""
    how = rng.randrange(9)
    if how == 0 and len(data) > 1:  # trimmed
        forged = data[: rng.randrange(1, len(data))]
    elif how == 1:  # one character flipped
        i = rng.randrange(len(data))
        forged = data[:i] + rng.choice("0123456789:abz-_²é") + data[i + 1 :]
    elif how in (2, 3, 4) and _NUMBER.search(data):  # a number replaced
        spans = [m.span() for m in _NUMBER.finditer(data)]
        start, end = rng.choice(spans)
        big = ["0", "1", "2", "7", "2147483647", "2147483648", "999999999999", "99991231",
               "00010101", "20260229", "20271302", "9" * 20, "²"]  # fmt: skip
        forged = data[:start] + rng.choice(big) + data[end:]
    elif how == 5:  # a field added or dropped
        forged = data + ":1" if rng.random() < 0.5 else data.rpartition(":")[0] or data + ":"
    elif how == 6:  # another version or code
        forged = rng.choice("0239") + data[1:]
    elif how == 7:
        forged = data.replace(":", "::", 1)
    else:
        forged = rng.choice(["x", ":", "1", "1zz", "1pc:", "1pc:-1", "1dy:1:1:99991231:0",
                             "1mo:1:1:9999:12:0", "1sl:1:1:999999999999:0", "1fm:1", "1ub:0"])
    while len(forged.encode()) > 64:
        forged = forged[:-1]
    return forged or "x"
