"""The reads behind every tap of the booking journey, one statement each.

Who is asking (every update), the catalogue (``/book``), one provider's offer
(its tap) and a provider's calendar with its bookings in a window (the month,
a day, a time): each is one statement of packed JSON (``storage.packed_rows``)
sent straight to the driver (``storage.driver_sql``), outside any transaction
unless the unit of work already holds one. They were 1 + 2 + 2 + 5 ORM or Core
statements, each with a transaction of its own, and the largest share of the
bot's CPU under load (issue #11).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import (
    MAX_APPOINTMENT_LENGTH,
    AppointmentType,
    BusyPeriod,
    CalendarWindow,
    Client,
    ProviderCalendar,
    ProviderOffer,
)
from storage import packed_rows as pr
from storage.driver_sql import DriverStatement, statement_connection
from storage.orm import UTCDateTime

_WINDOW = DriverStatement(
    pr.packed(f"""
SELECT {pr.provider_row("p")}{{text}},
       (SELECT {pr.type_row("t")}{{text}} FROM appointment_types t WHERE t.id = :type),
       {pr.WEEKLY},
       (SELECT {{agg}}({{row}}(o.id, o.date, o.kind, o.start_time, o.end_time)){{text}}
          FROM schedule_overrides o WHERE o.provider_id = p.id),
       {pr.BUSY}
  FROM providers p
 WHERE p.id = :provider
"""),
    provider=Integer(), type=Integer(), busy_floor=UTCDateTime(), busy_from=UTCDateTime(),
    busy_to=UTCDateTime(), busy_except=Integer(),
)


async def calendar_window(
    session: AsyncSession, provider_id: int, type_id: int, busy_from: datetime, busy_to: datetime
) -> CalendarWindow:
    async with statement_connection(session) as connection:
        row = await _WINDOW.fetchone(
            connection, provider=provider_id, type=type_id, busy_from=busy_from, busy_to=busy_to,
            busy_floor=busy_from - MAX_APPOINTMENT_LENGTH, busy_except=0,
        )
    if row is None:
        return CalendarWindow(None, None, ())
    provider_json, type_json, weekly_json, overrides_json, busy_json = row
    calendar = ProviderCalendar(
        pr.cached(pr.provider, provider_json),
        pr.cached(pr.weekly, weekly_json),
        pr.cached(pr.overrides, overrides_json),
    )
    appt_type = None if type_json is None else pr.cached(pr.appt_type, type_json)
    return CalendarWindow(calendar, appt_type, pr.busy(busy_json))


# Active providers, each with its active types (ordered by id), in one row each.
_OFFERS_SQL = f"""
SELECT {pr.provider_row("p")}{{text}},
       (SELECT {{agg}}({pr.type_row("t")}){{text}}
          FROM appointment_types t WHERE t.provider_id = p.id AND t.is_active = {{true}})
  FROM providers p
 WHERE p.is_active = {{true}} ONLY
 ORDER BY p.id
"""

_OFFERS = DriverStatement(pr.packed(_OFFERS_SQL.replace("ONLY", "")))
_OFFER = DriverStatement(pr.packed(_OFFERS_SQL.replace("ONLY", "AND p.id = :provider")), provider=Integer())


def _types(value: object) -> tuple[AppointmentType, ...]:
    # By id, as the catalogue lists them (SQLite's aggregate takes no ORDER BY).
    return tuple(sorted((pr.appt_type(t) for t in pr.rows(value)), key=lambda t: t.id or 0))


def _offer(provider_json: object, types_json: object) -> ProviderOffer:
    return ProviderOffer(pr.cached(pr.provider, provider_json), pr.cached(_types, types_json))


async def offers(session: AsyncSession) -> list[ProviderOffer]:
    async with statement_connection(session) as connection:
        found = await _OFFERS.fetchall(connection)
    return [_offer(p, t) for p, t in found]


async def offer(session: AsyncSession, provider_id: int) -> ProviderOffer | None:
    async with statement_connection(session) as connection:
        row = await _OFFER.fetchone(connection, provider=provider_id)
    return None if row is None else _offer(*row)


_CLIENT_COLUMNS = ("id", "telegram_user_id", "name", "language", "timezone", "unreachable_at")
_CLIENT = DriverStatement(
    f"SELECT {', '.join(_CLIENT_COLUMNS)} FROM clients WHERE telegram_user_id = :telegram_user_id",
    telegram_user_id=BigInteger(),
)


_BUSY = DriverStatement(
    pr.packed(f"SELECT {pr.BUSY}"),
    provider=Integer(), busy_floor=UTCDateTime(), busy_from=UTCDateTime(), busy_to=UTCDateTime(),
    busy_except=Integer(),
)


async def busy_between(
    session: AsyncSession, provider_id: int, start: datetime, end: datetime,
    exclude_id: int | None,
) -> tuple[BusyPeriod, ...]:
    async with statement_connection(session) as connection:
        row = await _BUSY.fetchone(
            connection, provider=provider_id, busy_from=start, busy_to=end,
            busy_floor=start - MAX_APPOINTMENT_LENGTH, busy_except=exclude_id or 0,
        )
    return () if row is None else pr.busy(row[0])


async def client_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Client | None:
    async with statement_connection(session) as connection:
        row = await _CLIENT.fetchone(connection, telegram_user_id=telegram_user_id)
    if row is None:
        return None
    client_id, telegram_id, name, language, timezone, unreachable = row
    if isinstance(unreachable, str):  # SQLite's text
        unreachable = pr.utc(unreachable)
    elif unreachable is not None:
        unreachable = unreachable.astimezone(UTC)
    return Client(client_id, telegram_id, name, language, timezone, unreachable)
