"""Told once, on SQLite and PostgreSQL: a busy time over a booking (calendar_conflicts) and a
failing feed (error_told_at), whatever the number of processes claiming at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import book_appointment
from core.calendar_conflicts import CANCEL, claim_new_conflicts, decide_conflict, release_conflict
from core.calendar_subscription import has_feed_link, new_feed_link
from core.calendar_sync import add_feed, remove_feed, sync_feed
from core.clients import get_or_create_client
from core.errors import InvalidTransition, NotFound
from core.feed_failures import claim_failure_notice, release_failure_notice
from core.model import AppointmentStatus
from tests.conftest import FIXED_NOW
from tests.integration.clinic import berlin_doctor, register
from tests.unit.feed_helpers import ScriptedFetch, body, failure, https_only, ics

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 12, 1)
URL = "https://calendar.example.org/secret/basic.ics"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), BERLIN).astimezone(UTC)


async def linked_clinic(uow) -> tuple[int, int, int]:
    new = berlin_doctor()
    new = replace(new, provider=replace(new.provider, telegram_user_id=555))
    provider_id, single, _group = await register(uow, new)
    feed = await add_feed(uow(), provider_id, URL, now=FIXED_NOW, check_url=https_only)
    return provider_id, single, feed.id  # type: ignore[return-value]


async def booking_under_a_busy_time(uow) -> tuple[int, int, int]:
    provider_id, single, feed_id = await linked_clinic(uow)
    client = await get_or_create_client(uow(), 700, name="Tom")
    appointment = await book_appointment(
        uow(), provider_id=provider_id, type_id=single, client_id=client.id, start=at(9),
        now=FIXED_NOW,
    )
    fetch = ScriptedFetch([body(ics(("meeting", at(9, 15), at(10))))])
    assert (await sync_feed(uow(), feed_id, fetch, now=FIXED_NOW)).ok
    return provider_id, feed_id, appointment.id  # type: ignore[return-value]


async def test_of_several_claims_at_once_exactly_one_tells_the_conflict(uow):
    _provider_id, feed_id, appointment_id = await booking_under_a_busy_time(uow)
    results = await asyncio.gather(
        *(claim_new_conflicts(uow(), feed_id, now=FIXED_NOW) for _ in range(4))
    )
    told = [notice for result in results for notice in result]
    assert len(told) == 1 and told[0].item.appointment.id == appointment_id
    assert told[0].conflict.start == at(9) and told[0].item.client.name == "Tom"
    assert await claim_new_conflicts(uow(), feed_id, now=FIXED_NOW) == []  # a restart: still once


async def test_a_released_claim_is_told_again_and_removing_the_feed_removes_its_conflicts(uow):
    provider_id, feed_id, _appointment_id = await booking_under_a_busy_time(uow)
    (notice,) = await claim_new_conflicts(uow(), feed_id, now=FIXED_NOW)
    await release_conflict(uow(), notice.conflict)
    (again,) = await claim_new_conflicts(uow(), feed_id, now=FIXED_NOW)
    assert again.item.appointment.id == notice.item.appointment.id
    await remove_feed(uow(), feed_id, provider_id=provider_id)
    with pytest.raises(NotFound):
        await decide_conflict(uow(), again.conflict.id, provider_id=provider_id, cancel=True,
                              now=FIXED_NOW)


async def test_cancel_decides_once_and_cancels_as_the_provider(uow):
    provider_id, feed_id, appointment_id = await booking_under_a_busy_time(uow)
    (notice,) = await claim_new_conflicts(uow(), feed_id, now=FIXED_NOW)
    with pytest.raises(NotFound):  # another provider's tap
        await decide_conflict(uow(), notice.conflict.id, provider_id=provider_id + 1, cancel=True,
                              now=FIXED_NOW)
    decided = await decide_conflict(uow(), notice.conflict.id, provider_id=provider_id,
                                    cancel=True, now=FIXED_NOW, reason="Away")
    assert decided.notice.item.appointment.status is AppointmentStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        await decide_conflict(uow(), notice.conflict.id, provider_id=provider_id, cancel=False,
                              now=FIXED_NOW)
    async with uow() as unit:
        stored = await unit.conflicts.get(notice.conflict.id)
        appointment = await unit.appointments.get(appointment_id)
    assert (stored.decision, stored.decided_at) == (CANCEL, FIXED_NOW)
    assert (appointment.status, appointment.cancel_reason) == (AppointmentStatus.CANCELLED, "Away")


async def test_a_failing_feed_is_claimed_by_exactly_one_and_released_when_not_sent(uow):
    _provider_id, _single, feed_id = await linked_clinic(uow)
    assert (await sync_feed(uow(), feed_id, ScriptedFetch([failure()]), now=FIXED_NOW)).outcome
    claims = await asyncio.gather(
        *(claim_failure_notice(uow(), feed_id, FIXED_NOW) for _ in range(4))
    )
    (notice,) = [c for c in claims if c is not None]
    assert notice.feed.error_told_at == FIXED_NOW and notice.provider.telegram_user_id == 555
    await release_failure_notice(uow(), notice)
    later = FIXED_NOW + timedelta(minutes=10)
    again = await claim_failure_notice(uow(), feed_id, later)
    assert again is not None and again.feed.error_told_at == later


async def test_has_link_says_whether_a_feed_link_was_made(uow):
    provider_id, _single, _feed = await linked_clinic(uow)
    assert not await has_feed_link(uow(), provider_id)
    await new_feed_link(uow(), provider_id)
    assert await has_feed_link(uow(), provider_id)
