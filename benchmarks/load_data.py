"""The load benchmark's data: 10 bookable providers, optional big data, and the checks after.

The 10 providers go in through ``core.providers.register_provider``, as an import
would: Monday to Saturday 08:00-18:00 local time, a 30-minute consultation and a
20-minute video call, no notice or buffer, 60 days ahead, confirmed at once —
about 3,000 free times in the next weeks, far more than the clients book.

``--big-data`` adds, by bulk Core inserts, 200 providers, 20,000 clients and
100,000 appointments. Those providers are TUTORs, so the bot lists them after the
10 DOCTORs and THERAPISTs of the run (it sorts by kind, then name): every screen
still loads all 210, but the people find theirs on the first two pages. Their
appointments are all in the past, so none blocks a time or asks for a reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.bench_booking import DOUBLE_BOOKINGS
from benchmarks.load_clients import Catalogue
from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    WeeklyInterval,
)
from core.providers import register_provider
from core.slots import get_days_availability
from storage.engine import session_factory
from storage.orm import AppointmentRow, AppointmentTypeRow, ClientRow, ProviderRow
from storage.unit_of_work import unit_of_work_factory

RUN_PROVIDERS = (
    ("Dr. Ana Adler", ProviderType.DOCTOR, "Europe/Berlin"),
    ("Dr. Bruno Baros", ProviderType.DOCTOR, "Europe/Madrid"),
    ("Dr. Clara Costa", ProviderType.DOCTOR, "Europe/Berlin"),
    ("Dr. Dmitri Dorn", ProviderType.DOCTOR, "Europe/Moscow"),
    ("Dr. Elena Ebert", ProviderType.DOCTOR, "Europe/Madrid"),
    ("Farah Fischer", ProviderType.THERAPIST, "Europe/Berlin"),
    ("Gustavo Gil", ProviderType.THERAPIST, "Europe/Madrid"),
    ("Hanna Horn", ProviderType.THERAPIST, "Europe/Berlin"),
    ("Igor Ilyin", ProviderType.THERAPIST, "Europe/Moscow"),
    ("Julia Jung", ProviderType.THERAPIST, "Europe/Berlin"),
)
TYPES = (
    AppointmentType(None, None, "Consultation", 30),
    AppointmentType(None, None, "Video call", 20, is_virtual=True),
)
HORIZON_DAYS = 60
BIG_PROVIDERS, BIG_CLIENTS, BIG_APPOINTMENTS = 200, 20_000, 100_000
BIG_FIRST_TELEGRAM_ID = 50_000_000  # far from the run's people (see bench_load.FIRST_PERSON)
_CHUNK = 5_000  # rows per executemany: fast, and the row dicts never all sit in memory


@dataclass(frozen=True)
class RunData:
    catalogue: Catalogue
    offers: tuple[tuple[int, int], ...]  # (provider id, type id) the people can book


def _run_provider(name: str, kind: ProviderType, zone: str) -> NewProvider:
    weekly = tuple(WeeklyInterval(day, time(8), time(18)) for day in range(6))
    settings = ProviderSettings(
        max_advance_days=HORIZON_DAYS, min_notice_hours=0, auto_confirm=True
    )
    return NewProvider(Provider(None, name, kind, zone, settings=settings), weekly, (), TYPES)


async def seed_run_providers(engine: AsyncEngine) -> RunData:
    uow = unit_of_work_factory(session_factory(engine), lambda: datetime.now(UTC))
    offers = []
    for name, kind, zone in RUN_PROVIDERS:
        provider, types = await register_provider(uow(), _run_provider(name, kind, zone))
        offers += [(provider.id, t.id) for t in types]  # type: ignore[misc]
    catalogue = Catalogue(tuple(n for n, _, _ in RUN_PROVIDERS), frozenset(t.name for t in TYPES))
    return RunData(catalogue, tuple(offers))  # type: ignore[arg-type]


async def _insert(connection, table, rows) -> None:  # type: ignore[no-untyped-def]
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == _CHUNK:
            await connection.execute(insert(table), batch)
            batch = []
    if batch:
        await connection.execute(insert(table), batch)


async def seed_big_data(engine: AsyncEngine, now: datetime) -> None:
    """200 more providers, 20,000 clients, 100,000 past appointments (ids after the run's)."""
    async with engine.begin() as connection:
        first_provider = (
            await connection.execute(text("SELECT max(id) FROM providers"))
        ).scalar_one() + 1
        first_type = (
            await connection.execute(text("SELECT max(id) FROM appointment_types"))
        ).scalar_one() + 1
        created = now - timedelta(days=400)
        await _insert(
            connection,
            ProviderRow,
            (
                {
                    "id": first_provider + p,
                    "name": f"Tutor {p:03d}",
                    "type": "TUTOR",
                    "timezone": "Europe/Berlin",
                    "buffer_minutes": 0,
                    "max_advance_days": 60,
                    "min_notice_hours": 0,
                    "auto_confirm": True,
                    "is_active": True,
                    "created_at": created,
                }
                for p in range(BIG_PROVIDERS)
            ),
        )
        await _insert(
            connection,
            AppointmentTypeRow,
            (
                {
                    "id": first_type + p,
                    "provider_id": first_provider + p,
                    "name": "Lesson",
                    "duration_minutes": 60,
                    "max_participants": 1,
                    "is_virtual": False,
                    "is_active": True,
                }
                for p in range(BIG_PROVIDERS)
            ),
        )
        await _insert(
            connection,
            ClientRow,
            (
                {
                    "id": n + 1,
                    "telegram_user_id": BIG_FIRST_TELEGRAM_ID + n,
                    "name": f"Past client {n}",
                    "language": "en",
                    "timezone": "Europe/Berlin",
                    "created_at": created,
                }
                for n in range(BIG_CLIENTS)
            ),
        )
        # Eight one-hour lessons a day, going back from yesterday: none overlap, none ahead.
        per_provider = BIG_APPOINTMENTS // BIG_PROVIDERS
        yesterday = (now - timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)

        def appointment(n: int) -> dict:
            p, k = divmod(n, per_provider)
            start = yesterday - timedelta(days=k // 8) + timedelta(hours=k % 8)
            status = "CANCELLED" if n % 7 == 0 else "NO_SHOW" if n % 20 == 0 else "COMPLETED"
            return {
                "provider_id": first_provider + p,
                "client_id": n % BIG_CLIENTS + 1,
                "type_id": first_type + p,
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "status": status,
                "created_at": start - timedelta(days=7),
                "updated_at": start,
                "start_set_at": start - timedelta(days=7),
            }

        await _insert(connection, AppointmentRow, (appointment(n) for n in range(BIG_APPOINTMENTS)))
        if engine.dialect.name == "postgresql":  # ids given explicitly: move the sequences on
            for table in ("providers", "appointment_types", "clients"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"
                    )
                )


@dataclass(frozen=True)
class Bookings:
    active: int  # PENDING or CONFIRMED appointments with the run's providers
    double: int  # overlapping pairs among them: must be 0
    free_left: int  # times still free in the horizon: with some left, nobody had to go without


async def check_bookings(engine: AsyncEngine, data: RunData) -> Bookings:
    providers = sorted({p for p, _ in data.offers})
    async with engine.connect() as connection:
        active = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM appointments WHERE status IN ('PENDING', 'CONFIRMED')"
                    f" AND provider_id IN ({', '.join(str(p) for p in providers)})"
                )
            )
        ).scalar_one()
        double = 0
        for provider in providers:
            double += (
                await connection.execute(DOUBLE_BOOKINGS, {"provider": provider})
            ).scalar_one()
    now = datetime.now(UTC)
    uow = unit_of_work_factory(session_factory(engine), lambda: now)
    free = 0
    for provider, type_id in data.offers:
        days = await get_days_availability(
            uow(), provider, type_id, now.date(), now.date() + timedelta(days=HORIZON_DAYS), now
        )
        free += sum(len(day.slots) for day in days)
    return Bookings(active, double, free)
