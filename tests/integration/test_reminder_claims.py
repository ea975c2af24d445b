"""Reminders are claimed once, even by racing workers, and a dead sender never causes a double."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.reminders import claim_due_reminders
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register

MONDAY_NINE_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DAY_BEFORE = MONDAY_NINE_BERLIN - timedelta(hours=23)


async def _booked(uow, telegram_id=1, start=MONDAY_NINE_BERLIN):
    provider_id, single, _group = await register(uow)
    client = await get_or_create_client(uow(), telegram_id)
    return await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id, start=start, now=FIXED_NOW
    )


async def test_racing_workers_claim_each_reminder_exactly_once(uow):
    await _booked(uow)
    batches = await asyncio.gather(*(claim_due_reminders(uow(), DAY_BEFORE) for _ in range(8)))
    assert sum(len(b) for b in batches) == 1
    later = await asyncio.gather(*(claim_due_reminders(uow(), DAY_BEFORE + timedelta(minutes=1)) for _ in range(4)))
    assert sum(len(b) for b in later) == 0


async def test_after_downtime_the_overdue_reminder_is_still_claimed_once(uow):
    await _booked(uow)
    (job,) = await claim_due_reminders(uow(), MONDAY_NINE_BERLIN - timedelta(hours=3))
    assert job.kind.value == "24h"
    (hour,) = await claim_due_reminders(uow(), MONDAY_NINE_BERLIN - timedelta(minutes=50))
    assert hour.kind.value == "1h"


async def test_a_cancelled_appointment_gets_no_reminder(uow):
    booked = await _booked(uow)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    assert await claim_due_reminders(uow(), DAY_BEFORE) == []


async def test_a_claim_left_by_a_dead_sender_is_marked_unsure_not_resent(uow, engine):
    await _booked(uow)
    (job,) = await claim_due_reminders(uow(), DAY_BEFORE)  # and then the process dies
    async with uow() as unit:
        await unit.begin_write()
        assert await unit.outbox.abandon_stale(DAY_BEFORE + timedelta(minutes=11)) == 1
        await unit.commit()
    assert await claim_due_reminders(uow(), DAY_BEFORE + timedelta(minutes=12)) == []
    async with engine.connect() as connection:
        status = (await connection.execute(text("SELECT status FROM outbox"))).scalar_one()
    assert status == "UNSURE"
