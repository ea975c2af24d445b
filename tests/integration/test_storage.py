"""The SQLAlchemy storage on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, text

from core.booking import book_appointment, cancel_appointment, reschedule_appointment
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable, SlotTaken
from core.model import Appointment, AppointmentStatus, OverrideKind
from core.slots import get_available_slots, get_month_availability
from storage.schema import current_revision, upgrade_schema
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register

NINE_BERLIN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def test_provider_calendar_round_trips_exactly(uow):
    provider_id, single, _group = await register(uow)
    async with uow() as unit:
        calendar = await unit.providers.calendar(provider_id)
        consultation = await unit.providers.appointment_type(single)
    assert calendar.provider.timezone == "Europe/Berlin"
    assert [(w.day_of_week, w.start, w.end) for w in calendar.weekly] == [
        (d, time(9), time(17)) for d in range(5)
    ]
    assert calendar.overrides[0].date == date(2026, 12, 24)
    assert calendar.overrides[0].kind is OverrideKind.UNAVAILABLE
    assert consultation.price == Decimal("60.00")
    assert str(consultation.price) == "60.00"


async def test_times_come_back_as_aware_utc(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    booked = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id,
        start=NINE_BERLIN, now=FIXED_NOW,
    )
    async with uow() as unit:
        loaded = await unit.appointments.get(booked.id)
    assert loaded.start == NINE_BERLIN
    assert loaded.start.utcoffset() == timedelta(0)
    assert loaded.created_at == FIXED_NOW


async def test_busy_range_query_finds_overlaps_but_not_touching_neighbours(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id,
        start=NINE_BERLIN, now=FIXED_NOW,
    )
    end = NINE_BERLIN + timedelta(minutes=30)
    async with uow() as unit:
        inside = await unit.appointments.busy_between(provider_id, NINE_BERLIN, end)
        after = await unit.appointments.busy_between(provider_id, end, end + timedelta(hours=1))
        before = await unit.appointments.busy_between(
            provider_id, NINE_BERLIN - timedelta(hours=1), NINE_BERLIN
        )
    assert len(inside) == 1
    assert after == [] and before == []


async def test_busy_range_query_leaves_out_the_appointment_being_moved(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    mine = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id,
        start=NINE_BERLIN, now=FIXED_NOW,
    )
    end = NINE_BERLIN + timedelta(minutes=30)
    async with uow() as unit:
        assert len(await unit.appointments.busy_between(provider_id, NINE_BERLIN, end)) == 1
        assert await unit.appointments.busy_between(
            provider_id, NINE_BERLIN, end, exclude_id=mine.id
        ) == []
        assert len(await unit.appointments.busy_between(
            provider_id, NINE_BERLIN, end, exclude_id=mine.id + 1
        )) == 1


async def test_busy_range_query_finds_a_long_appointment_that_started_the_day_before(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    long_one = _direct(provider_id, client.id, single, NINE_BERLIN - timedelta(hours=22), 23 * 60)
    async with uow() as unit:
        await unit.appointments.add(long_one)
        await unit.commit()
    async with uow() as unit:
        found = await unit.appointments.busy_between(
            provider_id, NINE_BERLIN, NINE_BERLIN + timedelta(hours=1)
        )
    assert [b.start for b in found] == [long_one.start]


async def test_appointments_longer_than_a_day_are_refused(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    with pytest.raises(ValueError, match="length"):
        async with uow() as unit:
            await unit.appointments.add(_direct(provider_id, client.id, single, NINE_BERLIN, 1441))


async def test_cancelled_slot_is_offered_again(uow):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    day = date(2026, 12, 1)
    booked = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id,
        start=NINE_BERLIN, now=FIXED_NOW,
    )
    assert NINE_BERLIN not in await get_available_slots(uow(), provider_id, single, day, FIXED_NOW)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW, reason="flu")
    assert NINE_BERLIN in await get_available_slots(uow(), provider_id, single, day, FIXED_NOW)


async def test_failed_reschedule_leaves_the_old_appointment_intact(uow):
    provider_id, single, _group = await register(uow)
    first = await get_or_create_client(uow(), 1)
    second = await get_or_create_client(uow(), 2)
    ten = NINE_BERLIN + timedelta(hours=1)
    mine = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=first.id,
        start=NINE_BERLIN, now=FIXED_NOW,
    )
    await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=second.id,
        start=ten, now=FIXED_NOW,
    )
    with pytest.raises(SlotNoLongerAvailable):
        await reschedule_appointment(uow(), mine.id, new_start=ten, now=FIXED_NOW)
    async with uow() as unit:
        kept = await unit.appointments.get(mine.id)
    assert kept.start == NINE_BERLIN and kept.status is AppointmentStatus.CONFIRMED


async def test_month_availability_costs_a_constant_number_of_statements(engine, uow):
    provider_id, single, _group = await register(uow)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        days = await get_month_availability(uow(), provider_id, single, 2026, 12, FIXED_NOW)
        month_statements = len(statements)
        statements.clear()
        await get_available_slots(uow(), provider_id, single, date(2026, 12, 1), FIXED_NOW)
        day_statements = len(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(days) == 31
    assert month_statements == day_statements
    # Provider, hours, overrides, type and bookings in one statement (storage/screen_reads.py).
    assert month_statements == 1


async def test_appointment_foreign_keys_are_enforced(uow):
    provider_id, single, _group = await register(uow)
    with pytest.raises(Exception, match="(?i)foreign key"):
        async with uow() as unit:
            await unit.begin_write(provider_id)
            await unit.appointments.add(
                Appointment(
                    id=None, provider_id=provider_id, client_id=999, type_id=single,
                    start=NINE_BERLIN, end=NINE_BERLIN + timedelta(minutes=30),
                    status=AppointmentStatus.CONFIRMED, created_at=FIXED_NOW,
                )
            )
            await unit.commit()


async def test_schema_is_at_head_and_upgrade_is_idempotent(engine):
    await upgrade_schema(engine)
    assert await current_revision(engine) == "0011"


def _direct(provider_id: int, client_id: int, type_id: int, start: datetime, minutes: int):
    return Appointment(
        id=None, provider_id=provider_id, client_id=client_id, type_id=type_id,
        start=start, end=start + timedelta(minutes=minutes),
        status=AppointmentStatus.CONFIRMED, created_at=FIXED_NOW,
    )


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_exclusion_constraint_refuses_overlap_that_bypasses_the_lock(uow):
    """The database's own guard: a write that skipped the rules still cannot overlap."""
    provider_id, single, group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    async with uow() as unit:
        await unit.appointments.add(_direct(provider_id, client.id, single, NINE_BERLIN, 30))
        await unit.commit()

    with pytest.raises(SlotTaken):
        async with uow() as unit:
            overlapping = NINE_BERLIN + timedelta(minutes=15)
            await unit.appointments.add(_direct(provider_id, client.id, single, overlapping, 30))

    async with uow() as unit:  # touching ranges are fine: [09:00, 09:30) then [09:30, …)
        touching = NINE_BERLIN + timedelta(minutes=30)
        await unit.appointments.add(_direct(provider_id, client.id, single, touching, 30))
        await unit.commit()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_exclusion_constraint_lets_one_group_session_share_its_start(uow):
    provider_id, _single, group = await register(uow)
    ten = NINE_BERLIN + timedelta(hours=2)
    for telegram_id in (1, 2, 3):
        client = await get_or_create_client(uow(), telegram_id)
        async with uow() as unit:
            await unit.appointments.add(_direct(provider_id, client.id, group, ten, 60))
            await unit.commit()
    with pytest.raises(SlotTaken):
        async with uow() as unit:
            later = ten + timedelta(minutes=30)
            await unit.appointments.add(_direct(provider_id, client.id, group, later, 60))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_writers_begin_immediate_and_readers_do_not(engine, uow):
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), 1)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await get_available_slots(uow(), provider_id, single, date(2026, 12, 1), FIXED_NOW)
        # One statement, outside any transaction: it reads one snapshot and
        # never queues for (or holds) the single writer's lock.
        assert begins == []
        await book_appointment(
            uow(), provider_id=provider_id, type_id=single, client_id=client.id,
            start=NINE_BERLIN, now=FIXED_NOW,
        )
        assert begins == ["BEGIN IMMEDIATE"]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_connections_use_wal_and_foreign_keys(engine):
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        # Short: the call runs on the loop's thread; longer waits are the unit of work's.
        assert 0 < (await connection.execute(text("PRAGMA busy_timeout"))).scalar() <= 100


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_writer_waits_for_another_process_without_blocking_the_loop(engine, uow):
    """Another process (a CLI command) holds SQLite's write lock for a while."""
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0
    writer = asyncio.create_task(get_or_create_client(uow(), 4242, name="Ana"))

    async def tick() -> None:
        nonlocal ticks
        while not writer.done():
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    while ticks < 20 and not writer.done():  # the loop runs on while the writer waits
        await asyncio.sleep(0.01)
    assert not writer.done(), writer.exception()
    other.execute("ROLLBACK")
    other.close()
    client = await writer
    await ticker
    assert client.telegram_user_id == 4242

