"""The values the ``slotbot`` command line takes, checked before anything uses them.

Ids are held to their columns (a row id beyond PostgreSQL's 32-bit ``integer``
is an error there, an ``OverflowError`` in SQLite) and dates and times to the
window of ``core/bounds.py`` around "now" (``date.max`` plus a day overflows):
out of range is bad input (exit 2) with the allowed range named, never a
traceback. Argument types run while parsing; the window needs "now", which
``--now`` may set, so those checks run when a command starts.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from bot.errors import UsageError
from core.bounds import MAX_ID, MAX_TELEGRAM_ID, date_window, in_window, is_id, is_telegram_id
from core.model import ProviderType


def positive_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def row_id(text: str) -> int:
    """An id of something in the database (provider, type, appointment)."""
    value = positive_number(text)
    if not is_id(value):
        # No row can have it: say so here rather than let the database fail on it.
        raise argparse.ArgumentTypeError(f"unknown id {value} (ids run from 1 to {MAX_ID})")
    return value


def telegram_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a Telegram user id (a number), got {text!r}") from None
    if not is_telegram_id(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Telegram user id (they run from 1 to {MAX_TELEGRAM_ID})"
        )
    return value


def instant(text: str) -> datetime:
    """An ISO-8601 time with an offset, as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 time like 2026-12-01T09:00:00Z, got {text!r}"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: add Z or +01:00, e.g. 2026-12-01T09:00:00Z"
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable UTC time
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def provider_type(text: str) -> ProviderType:
    try:
        return ProviderType(text.strip().upper())
    except ValueError:
        choices = ", ".join(t.value for t in ProviderType)
        raise argparse.ArgumentTypeError(f"expected one of {choices}, got {text!r}") from None


# ---------------------------------------------------------------------------- the window


def _window(now: datetime) -> tuple[date, date]:
    try:
        return date_window(now.date())
    except OverflowError:  # --now itself at the edge of the calendar
        raise UsageError(f"--now {now.isoformat()} is out of range") from None


def check_now(now: datetime) -> datetime:
    """``now`` (maybe from ``--now``) if the window around it can be worked out."""
    _window(now)
    return now


def check_date(option: str, value: date, now: datetime) -> date:
    """``value`` if it lies in the window around ``now``'s date, else bad input."""
    first, last = _window(now)
    if not in_window(value, now.date()):
        raise UsageError(
            f"{option} {value.isoformat()} is out of range: use a date from "
            f"{first.isoformat()} to {last.isoformat()}"
        )
    return value


def check_instant(option: str, value: datetime, now: datetime) -> datetime:
    """An instant whose UTC date lies in the window around ``now``'s, else bad input."""
    first, last = _window(now)
    if not in_window(value.astimezone(UTC).date(), now.date()):
        raise UsageError(
            f"{option} {value.isoformat().replace('+00:00', 'Z')} is out of range: use a time from "
            f"{first.isoformat()} to {last.isoformat()}"
        )
    return value
