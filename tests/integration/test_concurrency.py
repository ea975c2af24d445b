"""No double booking, whatever the concurrency, on SQLite and PostgreSQL.

These are real races: many transactions on separate connections (and, below,
separate processes) try to book the same slots at once. Exactly one booking
per seat may win; the losers get SlotNoLongerAvailable, never an error.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text

from core.booking import book_appointment, reschedule_appointment
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from core.slots import get_available_slots
from storage.engine import create_engine, session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register

DAY = date(2026, 12, 1)  # a Tuesday

OVERLAPS = text(
    """
    SELECT COUNT(*) FROM appointments a JOIN appointments b
      ON a.provider_id = b.provider_id AND a.id < b.id
     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
     AND NOT (a.type_id = b.type_id AND a.starts_at = b.starts_at
              AND a.seat_group IS NOT NULL)
     WHERE a.status IN ('PENDING', 'CONFIRMED') AND b.status IN ('PENDING', 'CONFIRMED')
    """
)


def twenty_slot_provider() -> NewProvider:
    """Tuesday 09:00-19:00 Berlin, 30-minute type: exactly 20 slots on DAY."""
    return NewProvider(
        provider=Provider(None, "Race", ProviderType.TUTOR, "Europe/Berlin"),
        weekly=(WeeklyInterval(1, time(9), time(19)),),
        appointment_types=(AppointmentType(None, None, "Lesson", 30),),
    )


async def _attempt_all(uow, provider_id, type_id, client_id, slots, seed) -> int | None:
    """A booker who tries every slot, in its own order, until one is won."""
    order = list(slots)
    random.Random(seed).shuffle(order)
    for start in order:
        try:
            appointment = await book_appointment(
                uow(),
                provider_id=provider_id,
                type_id=type_id,
                client_id=client_id,
                start=start,
                now=FIXED_NOW,
            )
            return appointment.id
        except SlotNoLongerAvailable:
            continue
    return None


async def _count_overlaps(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(OVERLAPS)).scalar_one()


async def test_fifty_concurrent_bookers_for_twenty_slots_exactly_twenty_win(engine, uow):
    provider, types = await register_provider(uow(), twenty_slot_provider())
    slots = await get_available_slots(uow(), provider.id, types[0].id, DAY, FIXED_NOW)
    assert len(slots) == 20
    clients = [await get_or_create_client(uow(), 1000 + n) for n in range(50)]

    results = await asyncio.gather(
        *(
            _attempt_all(uow, provider.id, types[0].id, c.id, slots, seed=n)
            for n, c in enumerate(clients)
        )
    )

    winners = [r for r in results if r is not None]
    assert len(winners) == 20
    assert len(set(winners)) == 20
    assert await _count_overlaps(engine) == 0
    assert await get_available_slots(uow(), provider.id, types[0].id, DAY, FIXED_NOW) == []


async def test_group_session_race_fills_exactly_its_seats(engine, uow):
    provider_id, _single, group = await register(uow)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    clients = [await get_or_create_client(uow(), 2000 + n) for n in range(12)]

    async def try_seat(client_id: int) -> bool:
        try:
            await book_appointment(
                uow(), provider_id=provider_id, type_id=group, client_id=client_id,
                start=start, now=FIXED_NOW,
            )
            return True
        except SlotNoLongerAvailable:
            return False

    won = await asyncio.gather(*(try_seat(c.id) for c in clients))
    assert sum(won) == 3
    assert await _count_overlaps(engine) == 0


async def test_concurrent_double_tap_by_one_client_books_once(engine, uow):
    provider_id, single, _group = await register(uow)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    client = await get_or_create_client(uow(), 3000)

    ids = await asyncio.gather(
        *(
            book_appointment(
                uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                start=start, now=FIXED_NOW,
            )
            for _ in range(8)
        )
    )

    assert len({a.id for a in ids}) == 1
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT COUNT(*) FROM appointments"))).scalar_one()
    assert count == 1


async def test_reschedule_racing_a_booking_for_the_same_slot_has_one_winner(engine, uow):
    provider_id, single, _group = await register(uow)
    nine = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    ten = nine + timedelta(hours=1)
    mover = await get_or_create_client(uow(), 4000)
    booker = await get_or_create_client(uow(), 4001)
    held = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=mover.id,
        start=nine, now=FIXED_NOW,
    )

    async def move() -> bool:
        try:
            await reschedule_appointment(uow(), held.id, new_start=ten, now=FIXED_NOW)
            return True
        except SlotNoLongerAvailable:
            return False

    async def book() -> bool:
        try:
            await book_appointment(
                uow(), provider_id=provider_id, type_id=single, client_id=booker.id,
                start=ten, now=FIXED_NOW,
            )
            return True
        except SlotNoLongerAvailable:
            return False

    outcomes = await asyncio.gather(move(), book())
    assert sorted(outcomes) == [False, True]
    assert await _count_overlaps(engine) == 0
    # The loser of a reschedule keeps the old slot: nothing is ever lost.
    slots = await get_available_slots(uow(), provider_id, single, DAY, FIXED_NOW)
    assert (nine in slots) == outcomes[0]


def _process_booker(url: str, provider_id: int, type_id: int, first_client: int, n: int) -> list:
    async def run() -> list:
        engine = create_engine(url)
        make = unit_of_work_factory(session_factory(engine), lambda: FIXED_NOW)
        try:
            slots = await get_available_slots(make(), provider_id, type_id, DAY, FIXED_NOW)
            clients = [await get_or_create_client(make(), first_client + k) for k in range(n)]
            return await asyncio.gather(
                *(
                    _attempt_all(make, provider_id, type_id, c.id, slots, seed=c.id)
                    for c in clients
                )
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def test_separate_processes_on_one_database_never_double_book(engine, uow, database_url):
    provider, types = await register_provider(uow(), twenty_slot_provider())
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with context.Pool(4) as pool:
        jobs = [
            pool.apply_async(
                _process_booker, (database_url, provider.id, types[0].id, 10_000 + 100 * p, 8)
            )
            for p in range(4)
        ]
        results = await loop.run_in_executor(None, lambda: [j.get(timeout=120) for j in jobs])

    winners = [r for batch in results for r in batch if r is not None]
    assert len(winners) == 20
    assert await _count_overlaps(engine) == 0
