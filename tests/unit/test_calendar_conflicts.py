"""Busy times over bookings and failing feeds, told once (core/calendar_conflicts.py,
core/feed_failures.py) on the in-memory fake."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import book_appointment, cancel_appointment, reschedule_appointment
from core.calendar_conflicts import (
    CANCEL,
    KEEP,
    claim_new_conflicts,
    decide_conflict,
    overlapping,
    release_conflict,
)
from core.calendar_feed import BusyInterval
from core.calendar_sync import add_feed, remove_feed, sync_feed
from core.clients import get_or_create_client
from core.errors import InvalidTransition, NotFound
from core.feed_failures import claim_failure_notice, release_failure_notice
from core.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    NewProvider,
    Provider,
    ProviderType,
    WeeklyInterval,
)
from core.providers import register_provider
from tests.unit.fakes import FakeUnitOfWorkFactory
from tests.unit.feed_helpers import ScriptedFetch, body, failure, https_only, ics

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TUESDAY = date(2026, 12, 1)
URL = "https://calendar.example.org/private-secret/basic.ics"
PROVIDER_CHAT = 555


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


async def clinic(uows, *, linked: bool = True) -> tuple[int, int, int]:
    """A provider (Mon-Fri 09:00-12:30 Berlin, 30 minutes, 10 buffer) with one feed."""
    new = NewProvider(
        Provider(None, "Dr. Feed", ProviderType.DOCTOR, "Europe/Berlin",
                 telegram_user_id=PROVIDER_CHAT if linked else None),
        weekly=tuple(WeeklyInterval(d, time(9), time(12, 30)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),),
    )
    provider, types = await register_provider(uows(), new)
    feed = await add_feed(uows(), provider.id, URL, now=NOW, check_url=https_only)
    return provider.id, types[0].id, feed.id  # type: ignore[return-value]


async def booked(uows, provider_id: int, type_id: int, start: datetime, tg: int = 700) -> int:
    client = await get_or_create_client(uows(), tg, name="Tom")
    appointment = await book_appointment(
        uows(), provider_id=provider_id, type_id=type_id, client_id=client.id, start=start, now=NOW
    )
    return appointment.id  # type: ignore[return-value]


async def busy_at(uows, feed_id: int, *spans: tuple[datetime, datetime], now=NOW) -> None:
    events = [(f"e{i}", start, end) for i, (start, end) in enumerate(spans)]
    result = await sync_feed(uows(), feed_id, ScriptedFetch([body(ics(*events))]), now=now)
    assert result.ok, result


async def status(uows, appointment_id: int) -> AppointmentStatus:
    async with uows() as unit:
        return (await unit.appointments.get(appointment_id)).status


def _appointment(start: datetime, minutes: int = 30, ident: int = 1) -> Appointment:
    return Appointment(ident, 1, 1, 1, start, start + timedelta(minutes=minutes),
                       AppointmentStatus.CONFIRMED, NOW)


def test_overlap_is_plain_back_to_back_is_none_and_long_busy_pieces_are_found():
    nine = _appointment(at(TUESDAY, 9))
    assert overlapping([nine], [BusyInterval(at(TUESDAY, 9, 30), at(TUESDAY, 10), "after")]) == []
    assert overlapping([nine], [BusyInterval(at(TUESDAY, 8), at(TUESDAY, 9), "before")]) == []
    assert overlapping([nine], [BusyInterval(at(TUESDAY, 9, 29), at(TUESDAY, 11), "x")]) == [nine]
    # A day-long piece starting the evening before still reaches 09:00.
    evening = BusyInterval(at(TUESDAY, 0) - timedelta(hours=5), at(TUESDAY, 19), "holiday")
    later = _appointment(at(TUESDAY, 11), ident=2)
    assert overlapping([later, nine], [evening]) == [nine, later]


async def test_a_new_busy_time_over_a_booking_is_claimed_once_with_the_booking(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    eleven = await booked(uows, provider_id, type_id, at(TUESDAY, 11), tg=701)
    await busy_at(uows, feed_id, (at(TUESDAY, 9, 15), at(TUESDAY, 9, 45)))

    (notice,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    assert notice.item.appointment.id == nine and notice.item.client.name == "Tom"
    assert notice.item.appt_type.name == "Consultation" and notice.host == "calendar.example.org"
    assert notice.provider.telegram_user_id == PROVIDER_CHAT
    assert notice.conflict.start == at(TUESDAY, 9) and notice.conflict.decision is None
    assert await claim_new_conflicts(uows(), feed_id, now=NOW) == []  # told once
    assert await status(uows, nine) is AppointmentStatus.CONFIRMED  # nothing decided for them
    assert await status(uows, eleven) is AppointmentStatus.CONFIRMED


async def test_cancelled_past_and_other_providers_bookings_are_not_conflicts(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    other_id, other_type, _other_feed = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await booked(uows, other_id, other_type, at(TUESDAY, 10), tg=702)
    await cancel_appointment(uows(), nine, now=NOW, by=CancelledBy.CLIENT)
    await busy_at(uows, feed_id, (at(TUESDAY, 8), at(TUESDAY, 12)))
    assert await claim_new_conflicts(uows(), feed_id, now=NOW) == []


async def test_a_booking_that_has_begun_is_no_conflict_to_decide(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    await booked(uows, provider_id, type_id, at(TUESDAY, 11))
    await busy_at(uows, feed_id, (at(TUESDAY, 8), at(TUESDAY, 12)))
    after_eleven = at(TUESDAY, 11, 5)  # too late to cancel it
    assert await claim_new_conflicts(uows(), feed_id, now=after_eleven) == []
    (told,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    assert told.conflict.start == at(TUESDAY, 11)


async def test_a_provider_without_a_linked_account_is_told_nothing_and_nothing_is_claimed(uows):
    provider_id, type_id, feed_id = await clinic(uows, linked=False)
    await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await busy_at(uows, feed_id, (at(TUESDAY, 9), at(TUESDAY, 10)))
    assert await claim_new_conflicts(uows(), feed_id, now=NOW) == []
    async with uows() as unit:
        assert await unit.conflicts.told(feed_id, NOW) == set()


async def test_a_released_claim_is_told_by_the_next_sync_and_a_moved_booking_is_news(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await busy_at(uows, feed_id, (at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    (notice,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    await release_conflict(uows(), notice.conflict)  # the send surely never left
    (again,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    assert again.item.appointment.id == nine

    # Moved to 11:00 (free then); the calendar then fills 11:00 too: another time, told.
    await reschedule_appointment(uows(), nine, new_start=at(TUESDAY, 11), now=NOW)
    nine_busy = (at(TUESDAY, 9), at(TUESDAY, 9, 30))
    await busy_at(uows, feed_id, nine_busy, (at(TUESDAY, 11), at(TUESDAY, 12)))
    (moved,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    assert moved.conflict.start == at(TUESDAY, 11)


async def test_at_most_the_limit_is_told_per_sync_soonest_first_the_rest_next_time(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    starts = [at(TUESDAY, 9), at(TUESDAY, 10), at(TUESDAY, 11)]
    for i, start in enumerate(starts):
        await booked(uows, provider_id, type_id, start, tg=700 + i)
    await busy_at(uows, feed_id, (at(TUESDAY, 8), at(TUESDAY, 13)))
    first = await claim_new_conflicts(uows(), feed_id, now=NOW, limit=2)
    assert [n.conflict.start for n in first] == starts[:2]
    (rest,) = await claim_new_conflicts(uows(), feed_id, now=NOW, limit=2)
    assert rest.conflict.start == starts[2]


async def test_keep_records_the_decision_once_and_changes_nothing_else(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await busy_at(uows, feed_id, (at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    (notice,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    decided = await decide_conflict(uows(), notice.conflict.id, provider_id=provider_id,
                                    cancel=False, now=NOW)
    assert not decided.cancelled and decided.notice.item.appointment.id == nine
    assert await status(uows, nine) is AppointmentStatus.CONFIRMED
    async with uows() as unit:
        assert (await unit.conflicts.get(notice.conflict.id)).decision == KEEP
    with pytest.raises(InvalidTransition):  # decided already: a second tap changes nothing
        await decide_conflict(uows(), notice.conflict.id, provider_id=provider_id,
                              cancel=True, now=NOW)
    assert await status(uows, nine) is AppointmentStatus.CONFIRMED


async def test_cancel_is_the_providers_cancellation_and_a_second_tap_is_refused(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await busy_at(uows, feed_id, (at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    (notice,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    decided = await decide_conflict(uows(), notice.conflict.id, provider_id=provider_id,
                                    cancel=True, now=NOW, reason="Not available")
    cancelled = decided.notice.item.appointment
    assert cancelled.id == nine and await status(uows, nine) is AppointmentStatus.CANCELLED
    assert decided.cancelled and cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.cancelled_by is CancelledBy.PROVIDER
    assert cancelled.cancel_reason == "Not available"
    async with uows() as unit:
        assert (await unit.conflicts.get(notice.conflict.id)).decision == CANCEL
    for cancel in (True, False):
        with pytest.raises(InvalidTransition):
            await decide_conflict(uows(), notice.conflict.id, provider_id=provider_id,
                                  cancel=cancel, now=NOW)


async def test_a_foreign_or_forged_conflict_is_not_found_and_a_stale_one_not_possible(uows):
    provider_id, type_id, feed_id = await clinic(uows)
    other_id, _type, _feed = await clinic(uows)
    nine = await booked(uows, provider_id, type_id, at(TUESDAY, 9))
    await busy_at(uows, feed_id, (at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    (notice,) = await claim_new_conflicts(uows(), feed_id, now=NOW)
    for forged, provider in ((notice.conflict.id, other_id), (999, provider_id)):
        with pytest.raises(NotFound):
            await decide_conflict(uows(), forged, provider_id=provider, cancel=True, now=NOW)
    assert await status(uows, nine) is AppointmentStatus.CONFIRMED

    await cancel_appointment(uows(), nine, now=NOW, by=CancelledBy.CLIENT)  # the client first
    conflict_id = notice.conflict.id
    with pytest.raises(InvalidTransition):
        await decide_conflict(uows(), conflict_id, provider_id=provider_id, cancel=True, now=NOW)
    await remove_feed(uows(), feed_id, provider_id=provider_id)  # the conflict goes with its feed
    with pytest.raises(NotFound):
        await decide_conflict(uows(), conflict_id, provider_id=provider_id, cancel=False, now=NOW)


async def test_a_failing_feed_is_claimed_once_per_run_of_failures(uows):
    _provider_id, _type, feed_id = await clinic(uows)
    t1, t2, t3 = (NOW + timedelta(minutes=m) for m in (10, 20, 30))
    fetch = ScriptedFetch([failure(), failure(), body(ics()), failure("the server answered 404")])
    assert await claim_failure_notice(uows(), feed_id, NOW) is None  # never synced: no error
    await sync_feed(uows(), feed_id, fetch, now=NOW)
    notice = await claim_failure_notice(uows(), feed_id, NOW)
    assert notice is not None and notice.feed.last_error == "the server answered 500"
    assert notice.provider.telegram_user_id == PROVIDER_CHAT and notice.feed.error_told_at == NOW
    assert await claim_failure_notice(uows(), feed_id, NOW) is None  # another process: no
    await sync_feed(uows(), feed_id, fetch, now=t1)
    assert await claim_failure_notice(uows(), feed_id, t1) is None  # the same run of failures

    await release_failure_notice(uows(), notice)  # had that send surely never left …
    assert (await claim_failure_notice(uows(), feed_id, t1)) is not None  # … told next time
    await sync_feed(uows(), feed_id, fetch, now=t2)  # works again: the record clears
    await sync_feed(uows(), feed_id, fetch, now=t3)
    again = await claim_failure_notice(uows(), feed_id, t3)
    assert again is not None and again.feed.last_error == "the server answered 404"


async def test_a_failing_feed_of_an_unlinked_provider_stays_untold(uows):
    _provider_id, _type, feed_id = await clinic(uows, linked=False)
    await sync_feed(uows(), feed_id, ScriptedFetch([failure()]), now=NOW)
    assert await claim_failure_notice(uows(), feed_id, NOW) is None
    async with uows() as unit:
        assert (await unit.feeds.get(feed_id)).error_untold
