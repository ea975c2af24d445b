"""Waitlist offers and claims on real databases, under concurrency (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text

from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.errors import NotFound
from core.model import OfferStatus
from core.schedule_admin import BlockSpec, add_block, future_overrides, remove_override
from core.waitlist import join_waitlist
from core.waitlist_claims import OfferClosed, claim_for_sending, claim_offer, tidy_waitlist
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register

MONDAY = date(2026, 11, 30)
NINE_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def _client(uow, telegram_id: int) -> int:
    return (await get_or_create_client(uow(), telegram_id)).id


async def _monday_full_with_waiters(uow, waiters: int):
    """Monday blocked except 09:00-09:30, which is booked; ``waiters`` clients wait for Monday."""
    provider_id, single, _ = await register(uow)
    await add_block(uow(), provider_id, BlockSpec(MONDAY, MONDAY, time(9, 30), time(17)),
                    cancel_hit=False, reason=None, now=FIXED_NOW)
    holder = await _client(uow, 1)
    booked = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=holder, start=NINE_BERLIN, now=FIXED_NOW)
    clients = []
    for n in range(waiters):
        client = await _client(uow, 100 + n)
        await join_waitlist(uow(), client_id=client, provider_id=provider_id, type_id=single,
                            day=MONDAY, zone_name="Europe/Berlin", now=FIXED_NOW + timedelta(seconds=n))
        clients.append(client)
    return provider_id, single, booked, clients


async def _offers(engine) -> list[tuple[int, int, str]]:
    async with engine.connect() as connection:
        return [tuple(r) for r in (await connection.execute(
            text("SELECT id, client_id, status FROM waitlist_offers ORDER BY id")
        )).all()]


async def _active_bookings(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(
            text("SELECT count(*) FROM appointments WHERE status IN ('PENDING', 'CONFIRMED')")
        )).scalar_one()


async def test_three_clients_claiming_at_once_book_the_slot_once(uow, engine):
    _, _, booked, clients = await _monday_full_with_waiters(uow, 5)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    offers = await _offers(engine)
    assert [c for _, c, _ in offers] == clients[:3]

    # Each of the three taps twice (a double tap), all at the same instant.
    attempts = [
        claim_offer(uow(), offer_id=offer_id, client_id=client, now=FIXED_NOW)
        for offer_id, client, _ in offers for _ in range(2)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    booked_ids = {r.appointment.id for r in results if not isinstance(r, BaseException)}
    closed = [r for r in results if isinstance(r, OfferClosed)]
    assert len(booked_ids) == 1 and len(closed) == 4
    assert {c.status for c in closed} == {OfferStatus.TAKEN}
    assert await _active_bookings(engine) == 1
    statuses = sorted(status for _, _, status in await _offers(engine))
    assert statuses == ["CLAIMED", "TAKEN", "TAKEN"]


async def test_racing_pollers_expire_once_and_cascade_to_the_next_three_once(uow, engine):
    _, _, booked, clients = await _monday_full_with_waiters(uow, 7)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    later = FIXED_NOW + timedelta(hours=2)
    results = await asyncio.gather(*(tidy_waitlist(uow(), later) for _ in range(4)))
    assert sum(len(r.expired) for r in results) == 3
    assert sorted(o.client_id for r in results for o in r.offered) == clients[3:6]
    rows = await _offers(engine)
    assert [c for _, c, s in rows if s == "OPEN"] == clients[3:6]

    # Four senders racing: each open offer is handed to exactly one of them.
    sends = await asyncio.gather(*(claim_for_sending(uow(), later) for _ in range(4)))
    assert sorted(o.client_id for batch in sends for o in batch) == clients[3:6]


async def test_an_unblocked_window_is_offered_to_the_waitlist(uow, engine):
    provider_id, single, _, clients = await _monday_full_with_waiters(uow, 2)
    (block,) = [o for o in await future_overrides(uow(), provider_id, now=FIXED_NOW) if o.date == MONDAY]
    await remove_override(uow(), provider_id, block.id, now=FIXED_NOW)
    rows = await _offers(engine)
    assert [c for _, c, _ in rows] == clients  # both offered the earliest freed slot, 09:30


async def test_someone_elses_offer_cannot_be_claimed(uow, engine):
    _, _, booked, clients = await _monday_full_with_waiters(uow, 2)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    (offer_id, _, _), _ = await _offers(engine)
    stranger = await _client(uow, 999)
    try:
        await claim_offer(uow(), offer_id=offer_id, client_id=stranger, now=FIXED_NOW)
    except NotFound:
        pass
    else:
        raise AssertionError("a stranger claimed someone else's offer")
    assert await _active_bookings(engine) == 0
