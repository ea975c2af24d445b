"""/forgetme on real databases: the client's data goes, the provider's history stays anonymous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from core.booking import book_appointment, complete_appointment
from core.clients import get_or_create_client
from core.privacy import forget_client
from core.waitlist import join_waitlist
from tests.integration.clinic import register

PAST = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
BOOKED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FUTURE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_forgetting_a_client(uow, engine):
    provider_id, single, _ = await register(uow)
    client = await get_or_create_client(uow(), 555, name="Olga Privat", language="ru")
    past = await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                                  start=PAST, now=BOOKED_AT, notes="my knee hurts")
    await complete_appointment(uow(), past.id, now=PAST + timedelta(hours=1))
    future = await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                                    start=FUTURE, now=NOW, notes="call me at +49 170 0000")
    await join_waitlist(uow(), client_id=client.id, provider_id=provider_id, type_id=single,
                        day=FUTURE.date() + timedelta(days=1), zone_name="Europe/Berlin", now=NOW)
    async with engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO outbox (dedup_key, chat_id, status, attempts, claimed_at) "
            "VALUES ('reminder:x', 555, 'SENT', 1, '2026-11-25 12:00:00+00:00')"
        ))

    forgotten = await forget_client(uow(), client.id, now=NOW)

    assert forgotten.telegram_user_id == 555 and [a.id for a in forgotten.cancelled] == [future.id]
    async with engine.connect() as connection:
        row = (await connection.execute(text(
            f"SELECT telegram_user_id, name, language, timezone FROM clients WHERE id = {client.id}"
        ))).one()
        appointments = (await connection.execute(text(
            "SELECT id, status, notes, cancelled_by FROM appointments ORDER BY id"
        ))).all()
        waiting = (await connection.execute(text("SELECT count(*) FROM waitlist_entries"))).scalar_one()
        outbox = (await connection.execute(text("SELECT count(*) FROM outbox WHERE chat_id = 555"))).scalar_one()
    assert row == (-client.id, None, None, None)
    assert appointments == [(past.id, "COMPLETED", None, None), (future.id, "CANCELLED", None, "SYSTEM")]
    assert waiting == 0 and outbox == 0

    again = await get_or_create_client(uow(), 555, name="Olga")
    assert again.id != client.id  # writing again starts afresh
