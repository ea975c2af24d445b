"""The appointment's revision counter (the SEQUENCE of its event in the provider's feed),
on real SQLite and PostgreSQL: raised by every change of time or status, by whichever
service, and by nothing else; and migration 0008 over rows that were there before it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.booking import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    confirm_appointment,
    decline_appointment,
    mark_no_show,
    reschedule_appointment,
)
from core.clients import get_or_create_client
from core.privacy import forget_client
from storage.engine import create_engine, normalise_url
from storage.orm import AppointmentRow
from storage.schema import upgrade_schema
from tests.conftest import FIXED_NOW, POSTGRES_URL, _admin
from tests.integration.clinic import berlin_doctor, register

NINE_BERLIN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00


async def _stored(engine, appointment_id: int) -> tuple[int, datetime | None]:
    async with engine.connect() as connection:  # typed columns: aware times on SQLite too
        sequence, updated = (await connection.execute(
            select(AppointmentRow.sequence, AppointmentRow.updated_at)
            .where(AppointmentRow.id == appointment_id)
        )).one()
    return sequence, updated


async def _booked(uow, *, auto_confirm: bool = True, notes: str | None = None):
    provider_id, single, _group = await register(uow, berlin_doctor(auto_confirm=auto_confirm))
    client = await get_or_create_client(uow(), 1, name="Olga")
    return await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                  client_id=client.id, start=NINE_BERLIN, now=FIXED_NOW,
                                  notes=notes)


async def test_a_new_booking_is_revision_zero(engine, uow):
    booked = await _booked(uow)
    assert (await _stored(engine, booked.id))[0] == 0


async def test_cancelling_raises_the_sequence_once(engine, uow):
    booked = await _booked(uow)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    assert (await _stored(engine, booked.id))[0] == 1


async def test_each_reschedule_raises_it_and_moving_to_the_same_start_does_not(engine, uow):
    booked = await _booked(uow)
    later = NINE_BERLIN + timedelta(hours=1)
    await reschedule_appointment(uow(), booked.id, new_start=later, now=FIXED_NOW)
    assert (await _stored(engine, booked.id))[0] == 1
    await reschedule_appointment(uow(), booked.id, new_start=later, now=FIXED_NOW)
    assert (await _stored(engine, booked.id))[0] == 1
    await reschedule_appointment(uow(), booked.id, new_start=NINE_BERLIN, now=FIXED_NOW)
    assert (await _stored(engine, booked.id))[0] == 2


async def test_confirming_a_request_raises_it_and_a_second_tap_does_not(engine, uow):
    booked = await _booked(uow, auto_confirm=False)
    await confirm_appointment(uow(), booked.id, now=FIXED_NOW)
    await confirm_appointment(uow(), booked.id, now=FIXED_NOW)
    assert (await _stored(engine, booked.id))[0] == 1


async def test_declining_a_request_raises_it(engine, uow):
    booked = await _booked(uow, auto_confirm=False)
    await decline_appointment(uow(), booked.id, now=FIXED_NOW, reason="away")
    assert (await _stored(engine, booked.id))[0] == 1


@pytest.mark.parametrize("mark", [complete_appointment, mark_no_show])
async def test_marking_a_started_appointment_raises_it(engine, uow, mark):
    booked = await _booked(uow)
    await mark(uow(), booked.id, now=NINE_BERLIN + timedelta(minutes=40))
    assert (await _stored(engine, booked.id))[0] == 1


async def test_a_changed_note_keeps_the_sequence(engine, uow):
    booked = await _booked(uow, notes="first")
    async with uow() as unit:
        await unit.begin_write(booked.provider_id)
        loaded = await unit.appointments.get(booked.id)
        loaded.notes = "second"
        await unit.appointments.save(loaded)
        await unit.commit()
    async with uow() as unit:
        assert (await unit.appointments.get(booked.id)).notes == "second"
    assert (await _stored(engine, booked.id))[0] == 0


async def test_forgetting_the_client_stamps_their_past_rows_changed_but_not_revised(engine, uow):
    booked = await _booked(uow, notes="my knee")
    later = NINE_BERLIN + timedelta(hours=2)
    await complete_appointment(uow(), booked.id, now=NINE_BERLIN + timedelta(minutes=40))
    await forget_client(uow(), booked.client_id, now=later)
    # Name and note left the event: LAST-MODIFIED moves so subscribers take it again.
    assert await _stored(engine, booked.id) == (1, later)


async def test_migration_0008_gives_rows_already_there_sequence_zero(database_url, tmp_path):
    """Upgrading a database at 0006 that holds an appointment (a fresh database of its own)."""
    if database_url.startswith("sqlite"):
        url, drop = f"sqlite+aiosqlite:///{tmp_path / 'at-0006.db'}", None
    else:
        name = f"slotbot_mig_{uuid.uuid4().hex[:10]}"
        await _admin(f'CREATE DATABASE "{name}"')
        url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(
            hide_password=False
        )
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, "0006")
        async with engine.begin() as connection:
            then = "'2026-11-01 00:00:00+00:00'"  # literal: asyncpg binds only datetimes
            for statement in (
                "INSERT INTO providers (id, name, type, timezone, buffer_minutes, "
                "max_advance_days, min_notice_hours, auto_confirm, is_active, created_at) "
                f"VALUES (1, 'Dr. Old', 'DOCTOR', 'UTC', 0, 60, 0, true, true, {then})",
                f"INSERT INTO clients (id, telegram_user_id, created_at) VALUES (1, 7, {then})",
                "INSERT INTO appointment_types (id, provider_id, name, duration_minutes, "
                "is_virtual, max_participants, is_active) "
                "VALUES (1, 1, 'Visit', 30, false, 1, true)",
                "INSERT INTO appointments (provider_id, client_id, type_id, starts_at, ends_at, "
                "status, created_at, late_cancel) VALUES (1, 1, 1, '2026-12-01 08:00:00+00:00', "
                f"'2026-12-01 08:30:00+00:00', 'CONFIRMED', {then}, false)",
            ):
                await connection.execute(text(statement))
        await upgrade_schema(engine)
        async with engine.connect() as connection:
            sequence = await connection.execute(text("SELECT sequence FROM appointments"))
            assert sequence.scalar_one() == 0
            assert (await connection.execute(
                text("SELECT calendar_token_hash FROM providers")
            )).scalar_one() is None
    finally:
        await engine.dispose()
        if drop is not None:
            await _admin(drop)
