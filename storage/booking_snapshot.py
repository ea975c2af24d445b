"""The one read a booking makes under the provider's lock (:class:`core.model.BookingSnapshot`).

Everything the booking rules look at comes back in one row of JSON values built
by the database: the provider with its settings, the appointment type, the
client's standing (known, blocked, the booking it holds at that start, how many
it has), and the lists (weekly hours, overrides, nearby bookings and the busy times of
the provider's calendar feeds, waitlist entries). One statement instead
of nine: each statement costs a round trip (PostgreSQL) or a few hops to the
driver's thread (aiosqlite), and all of it happens while other bookings of the
provider wait for the lock.

This read must come *after* the lock is taken, in its own statement: PostgreSQL
reads a statement's rows as of its start (READ COMMITTED), so a read inside the
``FOR UPDATE`` statement that waited for the lock would miss what the previous
holder committed meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Date, Integer
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import (
    MAX_APPOINTMENT_LENGTH,
    BookingSnapshot,
    ProviderCalendar,
    WaitlistEntry,
)
from storage import packed_rows as pr
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

# Seven columns, each a JSON value: SQLAlchemy matches a result's columns anew
# at every execution of a textual statement, about 5 µs a column, so the rows
# travel packed (37 plain columns cost more than the SQL itself).
_SQL = f"""
SELECT {pr.provider_row("p")}{{text}} AS provider,
       (SELECT {pr.type_row("t")}{{text}}
          FROM appointment_types t WHERE t.id = :type) AS appt_type,
       {{row}}(
         EXISTS (SELECT 1 FROM clients c WHERE c.id = :client),
         EXISTS (SELECT 1 FROM client_blocks b
                  WHERE b.provider_id = :provider AND b.client_id = :client),
         (SELECT a.id FROM appointments a
           WHERE a.client_id = :client AND a.provider_id = :provider AND a.type_id = :type
             AND a.starts_at = :start AND a.status IN ({pr.ACTIVE})
           ORDER BY a.id LIMIT 1),
         (SELECT count(*) FROM appointments a
           WHERE a.client_id = :client AND a.provider_id = :provider
             AND a.starts_at > :now AND a.status IN ({pr.ACTIVE}))
       ) AS standing,
       {pr.WEEKLY} AS weekly,
       (SELECT {{agg}}({{row}}(o.id, o.date, o.kind, o.start_time, o.end_time)){{text}}
          FROM schedule_overrides o
         WHERE o.provider_id = :provider AND o.date >= :first_day AND o.date <= :last_day
       ) AS overrides,
       {pr.BUSY} AS busy,
       (SELECT {{agg}}({{row}}(e.id, e.date, e.zone, e.created_at))
          FROM waitlist_entries e
         WHERE e.client_id = :client AND e.provider_id = :provider AND e.type_id = :type
           AND e.date >= :first_day AND e.date <= :last_day) AS waiting
  FROM providers p
 WHERE p.id = :provider
"""

_SNAPSHOT = DriverStatement(
    pr.packed(_SQL),
    provider=Integer(), type=Integer(), client=Integer(),
    start=UTCDateTime(), now=UTCDateTime(), busy_floor=UTCDateTime(), busy_from=UTCDateTime(),
    busy_except=Integer(),
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
        busy_floor=start - BUSY_MARGIN - MAX_APPOINTMENT_LENGTH, busy_except=0,
        busy_from=start - BUSY_MARGIN, busy_to=start + BUSY_MARGIN,
        first_day=start.date() - _DATES_AROUND, last_day=start.date() + _DATES_AROUND,
    )
    if row is None:
        return BookingSnapshot(None, None, False, False, None, 0, (), ())
    provider_json, type_json, standing, weekly_json, overrides_json, busy_json, waiting_json = row
    provider = pr.cached(pr.provider, provider_json)
    appt_type = None if type_json is None else pr.cached(pr.appt_type, type_json)
    client_known, client_blocked, held_id, active_future = pr.json_value(standing)
    weekly, overrides = pr.cached(pr.weekly, weekly_json), pr.cached(pr.overrides, overrides_json)
    busy = pr.busy(busy_json)
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
        WaitlistEntry(i, provider_id, type_id, client_id, pr.date_value(d), z, pr.utc(c))
        for i, d, z, c in sorted(pr.rows(waiting_json), key=lambda e: (e[1], e[0]))
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
