"""The one read a booking makes under the provider's lock (:class:`core.model.BookingSnapshot`).

Everything the booking rules look at comes back in one row of JSON values built
by the database: the provider with its settings, the appointment type, the
client's standing (known, blocked, the booking it holds at that start, how many
it has), and the lists (weekly hours, overrides, nearby bookings, waitlist
entries). One statement instead
of nine: each statement costs a round trip (PostgreSQL) or a few hops to the
driver's thread (aiosqlite), and all of it happens while other bookings of the
provider wait for the lock.

This read must come *after* the lock is taken, in its own statement: PostgreSQL
reads a statement's rows as of its start (READ COMMITTED), so a read inside the
``FOR UPDATE`` statement that waited for the lock would miss what the previous
holder committed meanwhile.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Date, Integer
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import (
    ACTIVE_STATUSES,
    MAX_APPOINTMENT_LENGTH,
    AppointmentType,
    BookingSnapshot,
    BusyPeriod,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ScheduleOverride,
    WaitlistEntry,
    WeeklyInterval,
)
from storage import mapping
from storage.driver_sql import DriverStatement, transaction_connection
from storage.orm import UTCDateTime
from storage.repositories import SqlAppointmentRepository

#: Bookings this close to the start are read with it. Enough whenever the
#: buffer is at most this and duration + buffer too (any realistic type);
#: otherwise a second read fetches exactly the wider window.
BUSY_MARGIN = timedelta(hours=4)
#: Local dates within a day of the UTC date in every zone; a start may also
#: belong to an overnight interval of the local date before.
_DATES_AROUND = timedelta(days=2)
T = TypeVar("T")

_ACTIVE = ", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STATUSES))
# Columns of the provider and type rows, as storage.mapping reads them.
_PROVIDER = (
    "id", "name", "email", "type", "timezone", "buffer_minutes", "max_advance_days",
    "min_notice_hours", "auto_confirm", "telegram_user_id", "is_active", "address", "language",
    "late_cancel_policy", "late_cancel_message", "reschedule_lock_hours", "max_active_bookings",
    "digest_time", "remind_provider",
)
_TYPE = (
    "id", "provider_id", "name", "duration_minutes", "is_virtual", "price", "currency",
    "max_participants", "is_active",
)
_BOOLEANS = {"auto_confirm", "is_active", "remind_provider", "is_virtual"}

# Seven columns, each a JSON value: SQLAlchemy matches a result's columns anew
# at every execution of a textual statement, about 5 µs a column, so the rows
# travel packed (37 plain columns cost more than the SQL itself).
_SQL = f"""
SELECT {{row}}({", ".join(f"p.{c}" for c in _PROVIDER)}) AS provider,
       (SELECT {{row}}({", ".join(f"t.{c}" for c in _TYPE)})
          FROM appointment_types t WHERE t.id = :type) AS appt_type,
       {{row}}(
         EXISTS (SELECT 1 FROM clients c WHERE c.id = :client),
         EXISTS (SELECT 1 FROM client_blocks b
                  WHERE b.provider_id = :provider AND b.client_id = :client),
         (SELECT a.id FROM appointments a
           WHERE a.client_id = :client AND a.provider_id = :provider AND a.type_id = :type
             AND a.starts_at = :start AND a.status IN ({_ACTIVE})
           ORDER BY a.id LIMIT 1),
         (SELECT count(*) FROM appointments a
           WHERE a.client_id = :client AND a.provider_id = :provider
             AND a.starts_at > :now AND a.status IN ({_ACTIVE}))
       ) AS standing,
       (SELECT {{agg}}({{row}}(w.day_of_week, w.start_time, w.end_time, w.is_active))
          FROM weekly_intervals w WHERE w.provider_id = :provider) AS weekly,
       (SELECT {{agg}}({{row}}(o.id, o.date, o.kind, o.start_time, o.end_time))
          FROM schedule_overrides o
         WHERE o.provider_id = :provider AND o.date >= :first_day AND o.date <= :last_day
       ) AS overrides,
       (SELECT {{agg}}({{row}}(a.starts_at, a.ends_at, a.type_id))
          FROM appointments a
         WHERE a.provider_id = :provider AND a.starts_at >= :busy_floor
           AND a.starts_at < :busy_to AND a.ends_at > :busy_from
           AND a.status IN ({_ACTIVE})) AS busy,
       (SELECT {{agg}}({{row}}(e.id, e.date, e.zone, e.created_at))
          FROM waitlist_entries e
         WHERE e.client_id = :client AND e.provider_id = :provider AND e.type_id = :type
           AND e.date >= :first_day AND e.date <= :last_day) AS waiting
  FROM providers p
 WHERE p.id = :provider
"""

_JSON = {"sqlite": ("json_group_array", "json_array"), "postgresql": ("json_agg", "json_build_array")}


def packed(sql: str) -> Callable[[str], str]:
    """``sql`` with ``{agg}`` / ``{row}`` as each database names its JSON functions."""

    def for_dialect(dialect: str) -> str:
        agg, row = _JSON[dialect]
        return sql.format(agg=agg, row=row)

    return for_dialect


_SNAPSHOT = DriverStatement(
    packed(_SQL),
    provider=Integer(), type=Integer(), client=Integer(),
    start=UTCDateTime(), now=UTCDateTime(), busy_floor=UTCDateTime(), busy_from=UTCDateTime(),
    busy_to=UTCDateTime(), first_day=Date(), last_day=Date(),
)


async def read_booking_snapshot(
    session: AsyncSession, *, provider_id: int, type_id: int, client_id: int,
    start: datetime, now: datetime,
) -> BookingSnapshot:
    # Under the lock, so in the transaction that took it (the session's connection).
    row = await _SNAPSHOT.fetchone(
        await transaction_connection(session),
        provider=provider_id, type=type_id, client=client_id, start=start, now=now,
        busy_floor=start - BUSY_MARGIN - MAX_APPOINTMENT_LENGTH,
        busy_from=start - BUSY_MARGIN, busy_to=start + BUSY_MARGIN,
        first_day=start.date() - _DATES_AROUND, last_day=start.date() + _DATES_AROUND,
    )
    if row is None:
        return BookingSnapshot(None, None, False, False, None, 0, (), ())
    provider_json, type_json, standing, weekly_json, overrides_json, busy_json, waiting_json = row
    provider = _cached(_provider, provider_json)
    appt_type = None if type_json is None else _cached(_appt_type, type_json)
    client_known, client_blocked, held_id, active_future = _json(standing)
    weekly, overrides = _cached(_weekly, weekly_json), _cached(_overrides, overrides_json)
    busy = tuple(BusyPeriod(_utc(s), _utc(e), t) for s, e, t in _rows(busy_json))
    if appt_type is not None:
        buffer = provider.settings.buffer
        if buffer > BUSY_MARGIN or appt_type.duration + buffer > BUSY_MARGIN:
            # A type or buffer longer than the margin: fetch its whole reach.
            busy = tuple(await SqlAppointmentRepository(session).busy_between(
                provider_id, start - buffer, start + appt_type.duration + buffer
            ))
    held = None
    if held_id is not None:  # a double tap: the only case that reads the whole row
        held = await SqlAppointmentRepository(session).get(held_id)
    waiting = tuple(
        WaitlistEntry(i, provider_id, type_id, client_id, _date(d), z, _utc(c))
        for i, d, z, c in sorted(_rows(waiting_json), key=lambda e: (e[1], e[0]))
    )
    return BookingSnapshot(
        calendar=ProviderCalendar(provider, weekly, overrides),
        appt_type=appt_type,
        client_known=bool(client_known),
        client_blocked=bool(client_blocked),
        held=held,
        active_future=active_future or 0,
        busy=busy,
        waiting=waiting,
    )


# The provider, its type, its week and the overrides rarely change from one
# booking to the next: their JSON text maps to the same frozen values, so it is
# parsed once (a pure function of the text, so nothing can go stale).


def _cached(parse: Callable[[Any], T], value: Any) -> T:
    return _parse_text(parse, value) if isinstance(value, str) else parse(value)


@lru_cache(maxsize=512)
def _parse_text(parse: Callable[[Any], T], text: str) -> T:
    return parse(text)


def _provider(value: Any) -> Provider:
    return mapping.provider(_record(_PROVIDER, _json(value)))


def _appt_type(value: Any) -> AppointmentType:
    return mapping.appointment_type(_record(_TYPE, _json(value)))


def _weekly(value: Any) -> tuple[WeeklyInterval, ...]:
    return tuple(sorted(
        (WeeklyInterval(d, _time(s), _time(e), bool(a)) for d, s, e, a in _rows(value)),
        key=lambda w: (w.day_of_week, w.start),
    ))


def _overrides(value: Any) -> tuple[ScheduleOverride, ...]:
    return tuple(sorted(
        (ScheduleOverride(_date(d), OverrideKind(k), _time(s), _time(e), i)
         for i, d, k, s, e in _rows(value)),
        key=lambda o: (o.date, o.id),
    ))


def _record(columns: tuple[str, ...], values: list[Any]) -> SimpleNamespace:
    """A row as storage.mapping reads it, from its JSON array."""
    record = SimpleNamespace(**dict(zip(columns, values, strict=True)))
    for name in _BOOLEANS.intersection(columns):
        setattr(record, name, bool(getattr(record, name)))
    if "digest_time" in columns:
        record.digest_time = _time(record.digest_time)
    if "price" in columns:
        record.price = None if record.price is None else Decimal(str(record.price))
    return record


# JSON gives each database's own text for its values: PostgreSQL ISO 8601 with an
# offset and true/false, SQLite the stored text (naive UTC) and 1/0.


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _rows(value: Any) -> list[list[Any]]:
    if value is None:  # PostgreSQL aggregates nothing to NULL, SQLite to "[]"
        return []
    return _json(value)


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
