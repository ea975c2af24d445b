"""Rows packed as JSON by the database, and their values read back.

A statement that reads a provider, its type, its week and its overrides at once
returns each as one JSON value (``{row}`` / ``{agg}``, named per database), so
that a screen costs one statement. The provider, type, week and overrides
rarely change from one read to the next: their JSON text maps to the same
frozen values, so each text is parsed once (a pure function of the text, so
nothing can go stale). PostgreSQL's JSON is cast to text (``{text}``) for that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, TypeVar

from core.model import (
    ACTIVE_STATUSES,
    AppointmentType,
    BusyPeriod,
    OverrideKind,
    Provider,
    ScheduleOverride,
    WeeklyInterval,
)
from storage import mapping

T = TypeVar("T")

ACTIVE = ", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STATUSES))
# Columns of the provider and type rows, as storage.mapping reads them.
PROVIDER_COLUMNS = (
    "id", "name", "email", "type", "timezone", "buffer_minutes", "max_advance_days",
    "min_notice_hours", "auto_confirm", "telegram_user_id", "is_active", "address", "language",
    "late_cancel_policy", "late_cancel_message", "reschedule_lock_hours", "max_active_bookings",
    "digest_time", "remind_provider",
)
TYPE_COLUMNS = (
    "id", "provider_id", "name", "duration_minutes", "is_virtual", "price", "currency",
    "max_participants", "is_active", "allow_series", "max_series_occurrences",
)
_BOOLEANS = {"auto_confirm", "is_active", "remind_provider", "is_virtual", "allow_series"}

_JSON = {
    "sqlite": {"agg": "json_group_array", "row": "json_array", "text": "", "true": "1"},
    "postgresql": {"agg": "json_agg", "row": "json_build_array", "text": "::text", "true": "true"},
}


def packed(sql: str) -> Callable[[str], str]:
    """``sql`` with ``{agg}``, ``{row}``, ``{text}`` and ``{true}`` as each database spells them."""

    def for_dialect(dialect: str) -> str:
        return sql.format(**_JSON[dialect])

    return for_dialect


def provider_row(p: str) -> str:
    """The provider row of alias ``p`` as one JSON array (``{row}`` still to fill)."""
    return "{row}(" + ", ".join(f"{p}.{c}" for c in PROVIDER_COLUMNS) + ")"


def type_row(t: str) -> str:
    return "{row}(" + ", ".join(f"{t}.{c}" for c in TYPE_COLUMNS) + ")"


#: The provider's (alias ``p``) weekly hours as one JSON list.
WEEKLY = """(SELECT {agg}({row}(w.day_of_week, w.start_time, w.end_time, w.is_active)){text}
          FROM weekly_intervals w WHERE w.provider_id = p.id)"""

#: The provider's busy times in ``:busy_from``…``:busy_to`` as one JSON list of
#: (start, end, type) rows: active appointments but ``:busy_except`` (0: none) and,
#: of no type, the busy times of the provider's own calendars (issue #13).
#: ``:busy_floor`` bounds the index range from below: no appointment and no stored
#: calendar piece is longer than ``MAX_APPOINTMENT_LENGTH``. Read the same way for
#: a screen, a booking and a reschedule (:func:`busy`).
BUSY = f"""(SELECT {{agg}}({{row}}(b.starts_at, b.ends_at, b.type_id))
          FROM (SELECT a.starts_at, a.ends_at, a.type_id
                  FROM appointments a
                 WHERE a.provider_id = :provider AND a.starts_at >= :busy_floor
                   AND a.starts_at < :busy_to AND a.ends_at > :busy_from
                   AND a.status IN ({ACTIVE}) AND a.id <> :busy_except
                UNION ALL
                SELECT c.starts_at, c.ends_at, NULL
                  FROM calendar_busy c
                 WHERE c.provider_id = :provider AND c.starts_at >= :busy_floor
                   AND c.starts_at < :busy_to AND c.ends_at > :busy_from) b)"""


def busy(value: Any) -> tuple[BusyPeriod, ...]:
    """The rows of :data:`BUSY`."""
    return tuple(BusyPeriod(utc(s), utc(e), t) for s, e, t in rows(value))


def cached(parse: Callable[[Any], T], value: Any) -> T:
    return _parse_text(parse, value) if isinstance(value, str) else parse(value)


@lru_cache(maxsize=1024)
def _parse_text(parse: Callable[[Any], T], text: str) -> T:
    return parse(text)


def provider(value: Any) -> Provider:
    return mapping.provider(_record(PROVIDER_COLUMNS, json_value(value)))


def appt_type(value: Any) -> AppointmentType:
    return mapping.appointment_type(_record(TYPE_COLUMNS, json_value(value)))


def weekly(value: Any) -> tuple[WeeklyInterval, ...]:
    return tuple(sorted(
        (WeeklyInterval(d, time_value(s), time_value(e), bool(a)) for d, s, e, a in rows(value)),
        key=lambda w: (w.day_of_week, w.start),
    ))


def overrides(value: Any) -> tuple[ScheduleOverride, ...]:
    return tuple(sorted(
        (ScheduleOverride(date_value(d), OverrideKind(k), time_value(s), time_value(e), i)
         for i, d, k, s, e in rows(value)),
        key=lambda o: (o.date, o.id),
    ))


def _record(columns: tuple[str, ...], values: list[Any]) -> SimpleNamespace:
    """A row as storage.mapping reads it, from its JSON array."""
    record = SimpleNamespace(**dict(zip(columns, values, strict=True)))
    for name in _BOOLEANS.intersection(columns):
        setattr(record, name, bool(getattr(record, name)))
    if "digest_time" in columns:
        record.digest_time = time_value(record.digest_time)
    if "price" in columns:
        record.price = None if record.price is None else Decimal(str(record.price))
    return record


# JSON gives each database's own text for its values: PostgreSQL ISO 8601 with an
# offset and true/false, SQLite the stored text (naive UTC) and 1/0.


def json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def rows(value: Any) -> list[list[Any]]:
    if value is None:  # PostgreSQL aggregates nothing to NULL, SQLite to "[]"
        return []
    return json_value(value)  # type: ignore[no-any-return]


def time_value(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def date_value(value: str) -> date:
    return date.fromisoformat(value)


def utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
