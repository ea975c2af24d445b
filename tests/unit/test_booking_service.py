"""Booking (rule 8), clients and provider registration, on the in-memory fake."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.errors import InvalidProviderData, NotFound, SlotNoLongerAvailable
from core.model import (
    AppointmentStatus,
    AppointmentType,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)
from core.providers import register_provider
from core.slots import get_available_slots
from tests.unit.fakes import FakeUnitOfWorkFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday, 13:00 in Berlin
TUESDAY = date(2026, 12, 1)
BLOCKED_WEDNESDAY = date(2026, 12, 2)  # off from 10:00 to 11:00
CHRISTMAS_EVE = date(2026, 12, 24)  # off all day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time on ``day`` as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


def practice(*, auto_confirm: bool = True, active_type: bool = True) -> NewProvider:
    """Mon-Fri 09:00-12:30 and 14:00-17:00 in Berlin, 10-minute buffer, 2 h notice, 30 days.

    A 30-minute consultation steps by 40 minutes: 09:00, 09:40, 10:20, 11:00, 11:40,
    14:00, 14:40, 15:20, 16:00. The group class seats three for 60 minutes.
    """
    return NewProvider(
        provider=Provider(
            id=None,
            name="Dr. Test",
            type=ProviderType.DOCTOR,
            timezone="Europe/Berlin",
            settings=ProviderSettings(
                buffer_minutes_between_appointments=10,
                max_advance_days=30,
                min_notice_hours=2,
                auto_confirm=auto_confirm,
            ),
        ),
        weekly=tuple(
            WeeklyInterval(day, start, end)
            for day in range(5)
            for start, end in ((time(9), time(12, 30)), (time(14), time(17)))
        ),
        overrides=(
            ScheduleOverride(BLOCKED_WEDNESDAY, OverrideKind.UNAVAILABLE, time(10), time(11)),
            ScheduleOverride(CHRISTMAS_EVE, OverrideKind.UNAVAILABLE),
        ),
        appointment_types=(
            AppointmentType(None, None, "Consultation", 30, is_active=active_type),
            AppointmentType(None, None, "Group class", 60, max_participants=3),
        ),
    )


class Practice:
    """A registered provider plus the ids a booking needs."""

    def __init__(self, make_uow: FakeUnitOfWorkFactory) -> None:
        self.make_uow = make_uow

    async def setup(self, new: NewProvider) -> Practice:
        provider, types = await register_provider(self.make_uow(), new)
        self.provider_id, self.single, self.group = provider.id, types[0].id, types[1].id
        return self

    async def client(self, telegram_id: int) -> int:
        return (await get_or_create_client(self.make_uow(), telegram_id)).id

    async def book(self, client_id: int, start: datetime, *, type_id=None, now=NOW, **kw):
        return await book_appointment(
            self.make_uow(),
            provider_id=self.provider_id,
            type_id=type_id or self.single,
            client_id=client_id,
            start=start,
            now=now,
            **kw,
        )

    async def offered(self, day: date, *, type_id=None, now=NOW) -> list[datetime]:
        return await get_available_slots(
            self.make_uow(), self.provider_id, type_id or self.single, day, now
        )


@pytest.fixture
def make_uow() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
async def clinic(make_uow) -> Practice:
    return await Practice(make_uow).setup(practice())


# --- rule 8: only an offered start can be booked -----------------------------------


@pytest.mark.parametrize("day", [NOW.date(), BLOCKED_WEDNESDAY, TUESDAY])
async def test_booking_succeeds_exactly_for_the_starts_get_available_slots_offers(day):
    # Every 5 minutes of the local day, each on a fresh store: booked iff offered.
    offered = await (await Practice(FakeUnitOfWorkFactory()).setup(practice())).offered(day)
    assert offered, "the scan would prove nothing on a day without slots"
    for step in range(24 * 12):
        start = at(day, 0) + timedelta(minutes=5 * step)
        clinic = await Practice(FakeUnitOfWorkFactory()).setup(practice())
        client = await clinic.client(1)
        if start in offered:
            assert (await clinic.book(client, start)).start == start
        else:
            with pytest.raises(SlotNoLongerAvailable):
                await clinic.book(client, start)
            assert clinic.make_uow.store.committed_appointments() == []


async def test_booking_refuses_a_forged_start_outside_working_hours(clinic):
    client = await clinic.client(1)
    sunday = date(2026, 11, 29)
    for forged in (at(TUESDAY, 3), at(TUESDAY, 13), at(TUESDAY, 18), at(sunday, 10)):
        with pytest.raises(SlotNoLongerAvailable):
            await clinic.book(client, forged)


async def test_booking_refuses_a_start_not_on_the_duration_plus_buffer_grid(clinic):
    client = await clinic.client(1)
    offered = await clinic.offered(TUESDAY)
    assert at(TUESDAY, 9, 0) in offered and at(TUESDAY, 9, 40) in offered
    one_second_late = at(TUESDAY, 9) + timedelta(seconds=1)
    for misaligned in (at(TUESDAY, 9, 10), at(TUESDAY, 9, 30), one_second_late):
        with pytest.raises(SlotNoLongerAvailable):
            await clinic.book(client, misaligned)


async def test_booking_refuses_a_start_inside_a_partial_unavailable_window(clinic):
    client = await clinic.client(1)
    # 09:40 would run into the 10:00 block, 10:20 starts inside it.
    for blocked in (at(BLOCKED_WEDNESDAY, 9, 40), at(BLOCKED_WEDNESDAY, 10, 20)):
        assert blocked not in await clinic.offered(BLOCKED_WEDNESDAY)
        with pytest.raises(SlotNoLongerAvailable):
            await clinic.book(client, blocked)
    assert (await clinic.book(client, at(BLOCKED_WEDNESDAY, 11))).start == at(BLOCKED_WEDNESDAY, 11)


async def test_booking_refuses_a_date_off_all_day(clinic):
    client = await clinic.client(1)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(client, at(CHRISTMAS_EVE, 9))


async def test_booking_refuses_a_start_before_now_plus_min_notice(clinic):
    client = await clinic.client(1)
    # Now is 13:00 in Berlin: 14:00 and 14:40 are within two hours, 15:20 is not.
    for too_soon in (at(NOW.date(), 9), at(NOW.date(), 14), at(NOW.date(), 14, 40)):
        with pytest.raises(SlotNoLongerAvailable):
            await clinic.book(client, too_soon)
    assert (await clinic.book(client, at(NOW.date(), 15, 20))).start == at(NOW.date(), 15, 20)


async def test_booking_exactly_min_notice_ahead_is_allowed_a_minute_later_is_not(clinic):
    start = at(TUESDAY, 9)
    late = await clinic.client(1)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(late, start, now=start - timedelta(hours=2) + timedelta(minutes=1))
    booked = await clinic.book(late, start, now=start - timedelta(hours=2))
    assert booked.start == start


async def test_booking_refuses_a_date_beyond_max_advance_days(clinic):
    client = await clinic.client(1)
    # Local today is 2026-11-25; 30 days ahead is Friday 2026-12-25.
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(client, at(date(2026, 12, 28), 9))
    assert (await clinic.book(client, at(date(2026, 12, 25), 9))).start == at(date(2026, 12, 25), 9)


async def test_booking_refuses_an_inactive_appointment_type(make_uow):
    clinic = await Practice(make_uow).setup(practice(active_type=False))
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(await clinic.client(1), at(TUESDAY, 9))


async def test_booking_refuses_a_naive_start(clinic):
    with pytest.raises(ValueError):
        await clinic.book(await clinic.client(1), datetime(2026, 12, 1, 9, 0))


@pytest.mark.parametrize(
    ("auto_confirm", "status"),
    [(True, AppointmentStatus.CONFIRMED), (False, AppointmentStatus.PENDING)],
)
async def test_booking_is_confirmed_only_when_the_provider_auto_confirms(
    make_uow, auto_confirm, status
):
    clinic = await Practice(make_uow).setup(practice(auto_confirm=auto_confirm))
    booked = await clinic.book(await clinic.client(1), at(TUESDAY, 9))
    assert booked.status is status
    assert [a.status for a in make_uow.store.committed_appointments()] == [status]


async def test_booking_stores_the_appointment_it_returns(clinic):
    client = await clinic.client(1)
    booked = await clinic.book(client, at(TUESDAY, 9, 40), notes="knee")
    async with clinic.make_uow() as uow:
        stored = await uow.appointments.get(booked.id)
    assert stored == booked
    assert (stored.provider_id, stored.client_id, stored.type_id) == (
        clinic.provider_id, client, clinic.single
    )
    assert stored.end == at(TUESDAY, 10, 10)
    assert stored.created_at == NOW and stored.notes == "knee"
    assert at(TUESDAY, 9, 40) not in await clinic.offered(TUESDAY)


async def test_booking_takes_the_providers_write_lock_and_commits(clinic):
    await clinic.book(await clinic.client(1), at(TUESDAY, 9))
    assert clinic.make_uow.last.begin_write_calls == [clinic.provider_id]
    assert clinic.make_uow.last.committed


# --- rule 8: a repeated booking is the same booking ---------------------------------


async def test_repeating_a_booking_returns_the_same_appointment_and_no_second_seat(clinic):
    client = await clinic.client(1)
    first = await clinic.book(client, at(TUESDAY, 9))
    again = await clinic.book(client, at(TUESDAY, 9))
    assert again.id == first.id
    assert again == first
    assert len(clinic.make_uow.store.committed_appointments()) == 1


async def test_repeating_a_booking_succeeds_even_once_notice_would_refuse_it(clinic):
    client = await clinic.client(1)
    start = at(TUESDAY, 9)
    first = await clinic.book(client, start)
    for later in (start - timedelta(hours=1), start, start + timedelta(minutes=5)):
        assert (await clinic.book(client, start, now=later)).id == first.id
    assert len(clinic.make_uow.store.committed_appointments()) == 1


async def test_repeating_a_pending_request_returns_it_unchanged(make_uow):
    clinic = await Practice(make_uow).setup(practice(auto_confirm=False))
    client = await clinic.client(1)
    first = await clinic.book(client, at(TUESDAY, 9))
    again = await clinic.book(client, at(TUESDAY, 9))
    assert again.id == first.id and again.status is AppointmentStatus.PENDING


async def test_booking_again_after_cancelling_makes_a_new_appointment(clinic):
    client = await clinic.client(1)
    first = await clinic.book(client, at(TUESDAY, 9))
    await cancel_appointment(clinic.make_uow(), first.id, now=NOW)
    second = await clinic.book(client, at(TUESDAY, 9))
    assert second.id != first.id and second.is_active


async def test_another_client_cannot_book_a_taken_single_slot(clinic):
    first, second = await clinic.client(1), await clinic.client(2)
    await clinic.book(first, at(TUESDAY, 9))
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(second, at(TUESDAY, 9))
    assert [a.client_id for a in clinic.make_uow.store.committed_appointments()] == [first]


async def test_the_same_client_cannot_take_an_overlapping_slot_of_another_type(clinic):
    client = await clinic.client(1)
    await clinic.book(client, at(TUESDAY, 9))
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(client, at(TUESDAY, 9), type_id=clinic.group)


# --- rule 8 with group types ------------------------------------------------------


async def test_a_group_slot_takes_max_participants_clients_and_refuses_the_next(clinic):
    clients = [await clinic.client(n) for n in range(1, 5)]
    start = at(TUESDAY, 9)
    for client in clients[:3]:
        assert start in await clinic.offered(TUESDAY, type_id=clinic.group)
        assert (await clinic.book(client, start, type_id=clinic.group)).start == start
    assert start not in await clinic.offered(TUESDAY, type_id=clinic.group)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(clients[3], start, type_id=clinic.group)
    assert len(clinic.make_uow.store.committed_appointments()) == 3


async def test_a_client_repeating_a_group_booking_keeps_one_seat(clinic):
    clients = [await clinic.client(n) for n in range(1, 4)]
    start = at(TUESDAY, 9)
    first = await clinic.book(clients[0], start, type_id=clinic.group)
    again = await clinic.book(clients[0], start, type_id=clinic.group)
    assert again.id == first.id
    # Two seats are still free for the other two.
    for client in clients[1:]:
        await clinic.book(client, start, type_id=clinic.group)
    assert len(clinic.make_uow.store.committed_appointments()) == 3


async def test_a_started_group_session_blocks_single_bookings_over_it(clinic):
    await clinic.book(await clinic.client(1), at(TUESDAY, 9), type_id=clinic.group)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(await clinic.client(2), at(TUESDAY, 9))


# --- unknown things -----------------------------------------------------------------


async def test_booking_refuses_unknown_provider_type_or_client_with_not_found(clinic):
    client = await clinic.client(1)
    start = at(TUESDAY, 9)
    attempts = {
        "provider": dict(provider_id=999, type_id=clinic.single, client_id=client),
        "appointment type": dict(provider_id=clinic.provider_id, type_id=999, client_id=client),
        "client": dict(provider_id=clinic.provider_id, type_id=clinic.single, client_id=999),
    }
    for what, ids in attempts.items():
        with pytest.raises(NotFound) as refused:
            await book_appointment(clinic.make_uow(), start=start, now=NOW, **ids)
        assert (refused.value.what, refused.value.ident) == (what, 999)
    assert clinic.make_uow.store.committed_appointments() == []


async def test_a_type_of_another_provider_is_not_found(clinic):
    other = await Practice(clinic.make_uow).setup(practice())
    client = await clinic.client(1)
    with pytest.raises(NotFound):
        await clinic.book(client, at(TUESDAY, 9), type_id=other.single)
    with pytest.raises(NotFound):
        await clinic.offered(TUESDAY, type_id=other.single)


async def test_slots_of_an_unknown_provider_are_not_found(make_uow):
    with pytest.raises(NotFound):
        await get_available_slots(make_uow(), 999, 1, TUESDAY, NOW)


# --- clients ------------------------------------------------------------------------


async def test_get_or_create_client_returns_the_same_client_for_one_telegram_id(make_uow):
    first = await get_or_create_client(make_uow(), 4242, name="Ana", language="de")
    again = await get_or_create_client(make_uow(), 4242, name="Someone else")
    other = await get_or_create_client(make_uow(), 4343)
    assert again == first and first.name == "Ana" and first.language == "de"
    assert other.id != first.id
    async with make_uow() as uow:
        assert await uow.clients.by_telegram_id(4242) == first
        assert await uow.clients.get(first.id) == first


# --- registering providers ----------------------------------------------------------


async def test_register_provider_stores_calendar_and_types_under_new_ids(make_uow):
    provider, types = await register_provider(make_uow(), practice())
    assert provider.id is not None and all(t.id is not None for t in types)
    assert {t.provider_id for t in types} == {provider.id}
    async with make_uow() as uow:
        calendar = await uow.providers.calendar(provider.id)
        group = await uow.providers.appointment_type(types[1].id)
    assert len(calendar.weekly) == 10 and len(calendar.overrides) == 2
    assert group.max_participants == 3


BROKEN = {
    "timezone": lambda new: replace(new, provider=replace(new.provider, timezone="Mars/Olympus")),
    "overrides[0]": lambda new: replace(
        new, overrides=(ScheduleOverride(TUESDAY, OverrideKind.SPECIAL_HOURS),)
    ),
    "appointment_types[0].duration_minutes": lambda new: replace(
        new, appointment_types=(AppointmentType(None, None, "Instant", 0),)
    ),
}


@pytest.mark.parametrize("field", list(BROKEN))
async def test_register_provider_refuses_bad_data_naming_the_field(make_uow, field):
    with pytest.raises(InvalidProviderData, match=re.escape(field)):
        await register_provider(make_uow(), BROKEN[field](practice()))
    assert make_uow.store.state.providers == {}


# --- rollback -----------------------------------------------------------------------


async def test_a_refused_booking_commits_nothing(clinic):
    client = await clinic.client(1)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book(client, at(TUESDAY, 9, 10))
    assert not clinic.make_uow.last.committed
    assert clinic.make_uow.store.committed_appointments() == []


async def test_a_booking_whose_commit_fails_leaves_nothing_behind(clinic):
    client = await clinic.client(1)
    clinic.make_uow.commit_error = ConnectionError("database went away")
    with pytest.raises(ConnectionError):
        await clinic.book(client, at(TUESDAY, 9))
    clinic.make_uow.commit_error = None
    assert clinic.make_uow.store.committed_appointments() == []
    assert at(TUESDAY, 9) in await clinic.offered(TUESDAY)


async def test_fake_unit_of_work_rolls_back_unless_committed(make_uow):
    new = practice()
    async with make_uow() as uow:
        await uow.begin_write()
        await uow.providers.add(new)
    assert make_uow.store.state.providers == {}
    async with make_uow() as uow:
        await uow.begin_write()
        provider, _types = await uow.providers.add(new)
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.providers.get(provider.id) == provider


async def test_fake_unit_of_work_refuses_use_outside_async_with():
    with pytest.raises(RuntimeError):
        await FakeUnitOfWorkFactory()().providers.get(1)
