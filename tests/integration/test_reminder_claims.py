"""Reminders are claimed once, even by racing workers, and a dead sender never causes a double."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.reminders import claim_due_reminders, claim_retries, release_stale, start_attempt
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


async def _statuses(engine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT status FROM outbox ORDER BY id"))).scalars())


async def test_a_send_cut_off_by_a_dead_worker_is_marked_unsure_not_resent(uow, engine):
    await _booked(uow)
    (job,) = await claim_due_reminders(uow(), DAY_BEFORE)
    assert await start_attempt(uow(), job, DAY_BEFORE)  # and then the process dies mid-send
    lease = timedelta(minutes=10)
    assert await release_stale(uow(), DAY_BEFORE + timedelta(minutes=9), lease) == (0, 0)
    assert await release_stale(uow(), DAY_BEFORE + timedelta(minutes=11), lease) == (1, 0)
    assert await claim_due_reminders(uow(), DAY_BEFORE + timedelta(minutes=12)) == []
    assert await claim_retries(uow(), DAY_BEFORE + timedelta(minutes=12)) == []
    assert await _statuses(engine) == ["UNSURE"]


async def test_a_reminder_queued_by_a_dead_worker_is_sent_by_another_once(uow, engine):
    await _booked(uow)
    (job,) = await claim_due_reminders(uow(), DAY_BEFORE)  # the worker dies before trying
    assert await release_stale(uow(), DAY_BEFORE + timedelta(minutes=11), timedelta(minutes=10)) == (0, 1)
    retries = await asyncio.gather(*(claim_retries(uow(), DAY_BEFORE + timedelta(minutes=11)) for _ in range(4)))
    (again,) = [j for batch in retries for j in batch]
    assert again.key == job.key
    results = await asyncio.gather(*(start_attempt(uow(), again, DAY_BEFORE) for _ in range(3)))
    assert sorted(results) == [False, False, True]  # one attempt, whoever asks
    assert await _statuses(engine) == ["SENDING"]


async def test_claims_come_in_batches_and_the_rest_stay_unclaimed(uow):
    provider_id, single, _group = await register(uow)
    for n in range(5):
        client = await get_or_create_client(uow(), 100 + n)
        await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                               start=MONDAY_NINE_BERLIN + timedelta(minutes=30 * n), now=FIXED_NOW)
    first = await claim_due_reminders(uow(), DAY_BEFORE + timedelta(hours=3), limit=2)
    second = await claim_due_reminders(uow(), DAY_BEFORE + timedelta(hours=3), limit=2)
    third = await claim_due_reminders(uow(), DAY_BEFORE + timedelta(hours=3), limit=2)
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert len({j.key for j in first + second + third}) == 5


async def test_a_slow_worker_whose_claim_was_handed_on_cannot_send_it(uow, engine):
    await _booked(uow)
    (slow,) = await claim_due_reminders(uow(), DAY_BEFORE)
    await release_stale(uow(), DAY_BEFORE + timedelta(minutes=3), timedelta(minutes=2))
    (fresh,) = await claim_retries(uow(), DAY_BEFORE + timedelta(minutes=3))
    assert not await start_attempt(uow(), slow, DAY_BEFORE + timedelta(minutes=3))
    assert await start_attempt(uow(), fresh, DAY_BEFORE + timedelta(minutes=3))
    assert await _statuses(engine) == ["SENDING"]


async def test_a_poll_walks_the_due_reminders_batch_by_batch_with_a_cursor(uow):
    from core.reminders import claim_due_batch

    provider_id, single, _group = await register(uow)
    for n in range(5):
        client = await get_or_create_client(uow(), 300 + n)
        await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                               start=MONDAY_NINE_BERLIN + timedelta(minutes=30 * n), now=FIXED_NOW)
    now, cursor, sizes, keys = DAY_BEFORE + timedelta(hours=3), None, [], set()
    while True:
        jobs, moved = await claim_due_batch(uow(), now, 2, cursor)
        if moved == cursor:
            break
        sizes.append(len(jobs))
        keys |= {j.key for j in jobs}
        cursor = moved
    assert sizes == [2, 2, 1] and len(keys) == 5
    assert cursor[0] == MONDAY_NINE_BERLIN + timedelta(minutes=120)  # the last appointment
