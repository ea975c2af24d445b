"""A provider's zone change on real SQLite and PostgreSQL: one unit of work, all or nothing.

The clinic works Mon-Fri 09:00-17:00 Berlin; ``FIXED_NOW`` is Wednesday 2026-11-25
12:00 UTC. Monday 30 November 09:00 Berlin (08:00 UTC) is 03:00 in New York.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.booking import book_appointment
from core.clients import get_or_create_client
from core.model import AppointmentStatus, CancelledBy
from core.zone_change import StaleZoneChange, ZoneDecision, change_time_zone
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register

EARLY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 Berlin, 03:00 New York
LATE = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 16:00 Berlin, 10:00 New York


async def _booked(uow):  # type: ignore[no-untyped-def]
    provider_id, type_id, _group = await register(uow)
    client = await get_or_create_client(uow(), 4242, name="Tom")
    ids = [
        (await book_appointment(uow(), provider_id=provider_id, type_id=type_id,
                                client_id=client.id, start=start, now=FIXED_NOW)).id
        for start in (EARLY, LATE)
    ]
    return provider_id, ids


async def test_cancel_them_saves_the_zone_and_cancels_the_pushed_out_booking(uow):
    provider_id, (early, late) = await _booked(uow)
    asked = await change_time_zone(uow(), provider_id, "America/New_York", now=FIXED_NOW)
    assert [i.appointment.id for i in asked.conflicts] == [early]

    await change_time_zone(uow(), provider_id, "America/New_York", now=FIXED_NOW,
                           decision=ZoneDecision(asked.stamp, True), reason="away")

    async with uow() as unit:
        provider = await unit.providers.get(provider_id)
        calendar = await unit.providers.calendar(provider_id)
        first, second = [await unit.appointments.get(n) for n in (early, late)]
    assert provider.timezone == "America/New_York"
    assert [(i.start.hour, i.end.hour) for i in calendar.weekly] == [(9, 17)] * 5
    assert first.status is AppointmentStatus.CANCELLED and first.cancelled_by is CancelledBy.PROVIDER
    assert second.status is AppointmentStatus.CONFIRMED


async def test_a_stale_decision_leaves_zone_and_bookings_as_they_were(uow):
    provider_id, (early, _late) = await _booked(uow)
    with pytest.raises(StaleZoneChange):
        await change_time_zone(uow(), provider_id, "America/New_York", now=FIXED_NOW,
                               decision=ZoneDecision(12345, True))
    async with uow() as unit:
        assert (await unit.providers.get(provider_id)).timezone == "Europe/Berlin"
        assert (await unit.appointments.get(early)).status is AppointmentStatus.CONFIRMED
