"""The provider's subscription feed from real SQLite and PostgreSQL databases: what it holds,
that icalendar reads it back to the same UTC instants, and that changes show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import event

from core.booking import (
    book_appointment,
    cancel_appointment,
    confirm_appointment,
    reschedule_appointment,
)
from core.calendar_subscription import feed_for_provider, feed_for_token, new_feed_link
from core.clients import get_or_create_client
from core.feed_tokens import token_hash
from tests.conftest import FIXED_NOW
from tests.integration.clinic import berlin_doctor, register

HOST = "bot.example.org"
BEFORE_DST = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # Friday 09:00 in Berlin (CET)
AFTER_DST = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin (CEST)
NINE_BERLIN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _events(body: bytes) -> dict[int, icalendar.Event]:
    """Events by appointment id, from ``appointment-<id>@host``."""
    calendar = icalendar.Calendar.from_ical(body)
    return {int(str(e["UID"]).split("@")[0].split("-")[1]): e for e in calendar.walk("VEVENT")}


async def _client(uow, telegram_id: int, name: str | None = "Olga") -> int:
    return (await get_or_create_client(uow(), telegram_id, name=name)).id


async def _feed(uow, provider_id: int, now: datetime = FIXED_NOW) -> dict[int, icalendar.Event]:
    return _events(await feed_for_provider(uow(), provider_id, now, host_label=HOST))


async def test_every_booking_comes_back_at_its_utc_instants(uow):
    provider_id, single, group = await register(uow, berlin_doctor(max_advance_days=200))
    book = []
    for n, (type_id, start, now) in enumerate([
        (single, NINE_BERLIN, FIXED_NOW),
        (single, BEFORE_DST, FIXED_NOW),
        (single, AFTER_DST, FIXED_NOW),
        (group, AFTER_DST + timedelta(hours=3), FIXED_NOW),
        (group, AFTER_DST + timedelta(hours=3), FIXED_NOW),  # a second seat: its own event
        # Within the last 30 days, booked before that:
        (single, datetime(2026, 11, 10, 9, 0, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
    ]):
        client = await _client(uow, 100 + n, name=f"Клиент {n} «tab\there»")
        book.append(await book_appointment(
            uow(), provider_id=provider_id, type_id=type_id, client_id=client,
            start=start, now=now, notes=f"line one\nline two, {n}; \\ done",
        ))
    events = await _feed(uow, provider_id)

    assert sorted(events) == sorted(a.id for a in book)
    for appointment in book:
        found = events[appointment.id]
        start, end = found.decoded("DTSTART"), found.decoded("DTEND")
        assert start == appointment.start and end == appointment.end
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        assert str(found["STATUS"]) == "CONFIRMED" and found["SEQUENCE"] == 0
        assert found.decoded("LAST-MODIFIED") == appointment.created_at
    first = events[book[0].id]
    assert str(first["DESCRIPTION"]) == "line one\nline two, 0; \\ done"
    assert str(first["SUMMARY"]) == "Клиент 0 «tab here» — Consultation"


async def test_the_window_keeps_30_days_of_history_and_all_of_the_future(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(max_advance_days=200))
    client = await _client(uow, 1)
    old = await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client,
                                 start=datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
                                 now=datetime(2026, 10, 1, tzinfo=UTC))
    recent = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=client,
                                    start=datetime(2026, 10, 27, 9, 0, tzinfo=UTC),
                                    now=datetime(2026, 10, 1, tzinfo=UTC))
    far = await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client,
                                 start=AFTER_DST, now=FIXED_NOW)
    assert sorted(await _feed(uow, provider_id)) == [recent.id, far.id]
    assert old.id not in await _feed(uow, provider_id)


async def test_cancelling_changes_status_and_sequence_and_drops_out_after_30_days(uow):
    provider_id, single, _group = await register(uow)
    booked = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=await _client(uow, 1), start=NINE_BERLIN,
                                    now=FIXED_NOW)
    before = (await _feed(uow, provider_id))[booked.id]
    cancelled_at = FIXED_NOW + timedelta(hours=1)
    await cancel_appointment(uow(), booked.id, now=cancelled_at, reason="flu")

    after = (await _feed(uow, provider_id, cancelled_at))[booked.id]
    assert (str(before["STATUS"]), before["SEQUENCE"]) == ("CONFIRMED", 0)
    assert (str(after["STATUS"]), after["SEQUENCE"]) == ("CANCELLED", 1)
    assert str(after["TRANSP"]) == "TRANSPARENT"
    assert after.decoded("LAST-MODIFIED") == cancelled_at > before.decoded("LAST-MODIFIED")
    # Shown 30 days from the cancellation (the appointment itself ended before that).
    assert booked.id in await _feed(uow, provider_id, cancelled_at + timedelta(days=6))
    assert booked.id not in await _feed(uow, provider_id, cancelled_at + timedelta(days=31))


async def test_a_request_is_tentative_until_confirmed_and_a_move_raises_the_sequence(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(auto_confirm=False))
    booked = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=await _client(uow, 1), start=NINE_BERLIN,
                                    now=FIXED_NOW)
    assert str((await _feed(uow, provider_id))[booked.id]["STATUS"]) == "TENTATIVE"
    await confirm_appointment(uow(), booked.id, now=FIXED_NOW)
    confirmed = (await _feed(uow, provider_id))[booked.id]
    assert (str(confirmed["STATUS"]), confirmed["SEQUENCE"]) == ("CONFIRMED", 1)
    later = NINE_BERLIN + timedelta(hours=1)
    await reschedule_appointment(uow(), booked.id, new_start=later, now=FIXED_NOW)
    moved = (await _feed(uow, provider_id))[booked.id]
    # Same UID, the new time, a higher SEQUENCE; a request again (confirm by hand).
    assert moved.decoded("DTSTART") == later
    assert (str(moved["STATUS"]), moved["SEQUENCE"]) == ("TENTATIVE", 2)


async def test_the_link_serves_the_same_bytes_and_a_new_link_retires_it(uow, engine):
    provider_id, single, _group = await register(uow)
    other, _single, _group = await register(uow)
    await book_appointment(uow(), provider_id=provider_id, type_id=single,
                           client_id=await _client(uow, 1), start=NINE_BERLIN, now=FIXED_NOW)
    old = await new_feed_link(uow(), provider_id)
    theirs = await new_feed_link(uow(), other)
    body = await feed_for_token(uow(), old, FIXED_NOW, host_label=HOST)
    assert body == await feed_for_provider(uow(), provider_id, FIXED_NOW, host_label=HOST)
    assert len(_events(await feed_for_token(uow(), theirs, FIXED_NOW, host_label=HOST))) == 0

    new = await new_feed_link(uow(), provider_id)
    assert await feed_for_token(uow(), old, FIXED_NOW, host_label=HOST) is None
    assert await feed_for_token(uow(), new, FIXED_NOW, host_label=HOST) == body
    async with uow() as unit:
        found = await unit.subscriptions.provider_by_link(token_hash(new))
    assert found is not None and found.id == provider_id


async def test_serving_a_feed_takes_two_statements(uow, engine):
    provider_id, single, _group = await register(uow)
    for n in range(3):
        await book_appointment(uow(), provider_id=provider_id, type_id=single,
                               client_id=await _client(uow, n + 1),
                               start=NINE_BERLIN + timedelta(hours=n), now=FIXED_NOW)
    token = await new_feed_link(uow(), provider_id)
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        body = await feed_for_token(uow(), token, FIXED_NOW, host_label=HOST)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(_events(body)) == 3
    assert len(seen) == 2, seen  # the provider by its link, the window's bookings


async def test_a_hash_belongs_to_one_provider_at_most(uow):
    """The unique index behind the lookup."""
    first, _s, _g = await register(uow)
    second, _s, _g = await register(uow)
    async with uow() as unit:
        await unit.begin_write(first)
        assert await unit.subscriptions.set_link_hash(first, "a" * 64)
        await unit.commit()
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with uow() as unit:
            await unit.begin_write(second)
            await unit.subscriptions.set_link_hash(second, "a" * 64)
