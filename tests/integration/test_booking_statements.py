"""A booking costs at most 5 SQL statements, on SQLite and PostgreSQL (issue: the booking path).

Counted like ``benchmarks.common.StatementCounter``: every statement SQLAlchemy
sends through a cursor. SQLite's ``BEGIN IMMEDIATE`` is the project's own
statement (it takes the write lock, as ``FOR UPDATE`` does on PostgreSQL), so it
counts here too; ``COMMIT`` is a driver call on both and is not seen.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, text

from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.waitlist import join_waitlist
from core.waitlist_claims import claim_offer
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register
from tests.integration.test_waitlist_races import _monday_full_with_waiters, _offers

NINE_BERLIN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00
MAX_STATEMENTS = 5


@contextmanager
def statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _kinds(seen: list[str]) -> list[str]:
    return [re.match(r"\s*(\w+)", s).group(1).upper() for s in seen]  # type: ignore[union-attr]


async def _active(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text(
            "SELECT count(*) FROM appointments WHERE status IN ('PENDING', 'CONFIRMED')"
        ))).scalar_one()


async def test_a_successful_booking_takes_at_most_five_statements(engine, uow):
    provider_id, single, _group = await register(uow)
    client = (await get_or_create_client(uow(), 1)).id
    with statements(engine) as seen:
        await book_appointment(uow(), provider_id=provider_id, type_id=single,
                               client_id=client, start=NINE_BERLIN, now=FIXED_NOW)
    assert len(seen) <= MAX_STATEMENTS, seen
    # The lock, one read of everything the rules need, the insert.
    lock = "BEGIN" if engine.dialect.name == "sqlite" else "SELECT"
    assert _kinds(seen) == [lock, "SELECT", "INSERT"]
    assert await _active(engine) == 1


async def test_booking_a_date_one_waits_for_adds_only_the_delete(engine, uow):
    provider_id, single, _group = await register(uow)
    client = (await get_or_create_client(uow(), 1)).id
    await join_waitlist(uow(), client_id=client, provider_id=provider_id, type_id=single,
                        day=date(2026, 12, 1), zone_name="Europe/Berlin", now=FIXED_NOW)
    with statements(engine) as seen:
        await book_appointment(uow(), provider_id=provider_id, type_id=single,
                               client_id=client, start=NINE_BERLIN, now=FIXED_NOW)
    assert len(seen) <= MAX_STATEMENTS, seen
    assert _kinds(seen)[-1] == "DELETE"
    async with engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM waitlist_entries"))).scalar_one()
    assert left == 0


async def test_a_refused_booking_reads_once_under_the_lock(engine, uow):
    provider_id, single, _group = await register(uow)
    first, second = [(await get_or_create_client(uow(), n)).id for n in (1, 2)]
    await book_appointment(uow(), provider_id=provider_id, type_id=single,
                           client_id=first, start=NINE_BERLIN, now=FIXED_NOW)
    with statements(engine) as seen, pytest.raises(SlotNoLongerAvailable):
        await book_appointment(uow(), provider_id=provider_id, type_id=single,
                               client_id=second, start=NINE_BERLIN, now=FIXED_NOW)
    assert len(_kinds(seen)) == 2, seen  # the lock and the read
    assert await _active(engine) == 1


async def test_a_claim_books_under_the_lock_it_took_without_locking_again(engine, uow):
    _provider, _single, booked, clients = await _monday_full_with_waiters(uow, 1)
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    ((offer_id, client, _status),) = await _offers(engine)
    with statements(engine) as seen:
        outcome = await claim_offer(uow(), offer_id=offer_id, client_id=client, now=FIXED_NOW)
    assert outcome.created
    # The claim's first read runs in a plain BEGIN; the lock is taken once.
    locks = [s for s in seen if s.startswith("BEGIN IMMEDIATE") or "FOR UPDATE" in s]
    assert len(locks) == 1, seen  # book_locked reused the claim's transaction
