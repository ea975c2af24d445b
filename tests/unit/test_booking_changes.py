"""Cancelling (rule 9), rescheduling (rule 10) and the provider's status changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    confirm_appointment,
    decline_appointment,
    mark_no_show,
    reschedule_appointment,
)
from core.clients import get_or_create_client
from core.errors import InvalidTransition, NotFound, SlotNoLongerAvailable
from core.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
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
BLOCKED_TUESDAY = date(2026, 12, 8)  # off from 10:00 to 11:00
NOTICE = timedelta(hours=2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time on ``day`` as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


def tuesdays(*, auto_confirm: bool) -> NewProvider:
    """Tuesdays 09:00-12:00 and 09:15-12:00 in Berlin, 2 h notice, no buffer.

    A 60-minute session starts at 09:00, 10:00, 11:00 (first interval) and 09:15,
    10:15 (second): moving 09:00 to 09:15 stays inside one's own slot.
    """
    return NewProvider(
        provider=Provider(
            id=None,
            name="Tutor Test",
            type=ProviderType.TUTOR,
            timezone="Europe/Berlin",
            settings=ProviderSettings(
                max_advance_days=60, min_notice_hours=2, auto_confirm=auto_confirm
            ),
        ),
        weekly=(
            WeeklyInterval(1, time(9), time(12)),
            WeeklyInterval(1, time(9, 15), time(12)),
        ),
        overrides=(
            ScheduleOverride(BLOCKED_TUESDAY, OverrideKind.UNAVAILABLE, time(10), time(11)),
        ),
        appointment_types=(AppointmentType(None, None, "Lesson", 60),),
    )


class Tutor:
    def __init__(self, make_uow: FakeUnitOfWorkFactory) -> None:
        self.make_uow = make_uow

    async def setup(self, *, auto_confirm: bool = True) -> Tutor:
        provider, (lesson,) = await register_provider(
            self.make_uow(), tuesdays(auto_confirm=auto_confirm)
        )
        self.provider_id, self.lesson = provider.id, lesson.id
        return self

    async def book(self, start: datetime, *, telegram_id: int = 1, now=NOW) -> Appointment:
        client = await get_or_create_client(self.make_uow(), telegram_id)
        return await book_appointment(
            self.make_uow(),
            provider_id=self.provider_id,
            type_id=self.lesson,
            client_id=client.id,
            start=start,
            now=now,
        )

    async def offered(self, day: date, *, now=NOW) -> list[datetime]:
        return await get_available_slots(self.make_uow(), self.provider_id, self.lesson, day, now)

    async def load(self, appointment_id: int) -> Appointment:
        async with self.make_uow() as uow:
            return await uow.appointments.get(appointment_id)


@pytest.fixture
def make_uow() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
async def tutor(make_uow) -> Tutor:
    return await Tutor(make_uow).setup()


@pytest.fixture
async def manual(make_uow) -> Tutor:
    """A provider who confirms every request by hand."""
    return await Tutor(make_uow).setup(auto_confirm=False)


# --- rule 9: cancelling ------------------------------------------------------------


async def test_cancelling_less_than_min_notice_before_start_is_late(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    now = booked.start - NOTICE + timedelta(minutes=1)
    cancelled = await cancel_appointment(tutor.make_uow(), booked.id, now=now)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.late_cancel is True
    assert (await tutor.load(booked.id)).late_cancel is True


async def test_cancelling_exactly_min_notice_before_start_is_on_time(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    cancelled = await cancel_appointment(tutor.make_uow(), booked.id, now=booked.start - NOTICE)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.late_cancel is False


async def test_cancelling_records_when_why_and_by_whom(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    await cancel_appointment(
        tutor.make_uow(), booked.id, now=NOW, reason="flu", by=CancelledBy.PROVIDER
    )
    assert tutor.make_uow.last.begin_write_calls == [tutor.provider_id]
    stored = await tutor.load(booked.id)
    assert (stored.status, stored.cancelled_at, stored.cancel_reason, stored.cancelled_by) == (
        AppointmentStatus.CANCELLED, NOW, "flu", CancelledBy.PROVIDER
    )
    assert stored.late_cancel is False


async def test_a_client_cancellation_is_marked_as_by_the_client(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    cancelled = await cancel_appointment(tutor.make_uow(), booked.id, now=NOW)
    assert cancelled.cancelled_by is CancelledBy.CLIENT


async def test_a_cancelled_slot_is_offered_again(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    assert booked.start not in await tutor.offered(TUESDAY)
    await cancel_appointment(tutor.make_uow(), booked.id, now=NOW)
    assert booked.start in await tutor.offered(TUESDAY)
    other = await tutor.book(booked.start, telegram_id=2)
    assert other.id != booked.id


async def test_cancelling_a_cancelled_appointment_is_an_invalid_transition(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    await cancel_appointment(tutor.make_uow(), booked.id, now=NOW, reason="first")
    with pytest.raises(InvalidTransition):
        await cancel_appointment(tutor.make_uow(), booked.id, now=NOW, reason="second")
    assert (await tutor.load(booked.id)).cancel_reason == "first"


@pytest.mark.parametrize("finish", [complete_appointment, mark_no_show])
async def test_cancelling_a_finished_appointment_is_an_invalid_transition(tutor, finish):
    booked = await tutor.book(at(TUESDAY, 9))
    await finish(tutor.make_uow(), booked.id, now=booked.start + timedelta(minutes=5))
    # Even with a clock before the start, the status alone refuses it.
    for now in (booked.start + timedelta(hours=2), NOW):
        with pytest.raises(InvalidTransition):
            await cancel_appointment(tutor.make_uow(), booked.id, now=now)


@pytest.mark.parametrize("after_start", [timedelta(0), timedelta(minutes=1), timedelta(days=3)])
async def test_cancelling_once_the_start_has_come_is_an_invalid_transition(tutor, after_start):
    booked = await tutor.book(at(TUESDAY, 9))
    with pytest.raises(InvalidTransition):
        await cancel_appointment(tutor.make_uow(), booked.id, now=booked.start + after_start)
    stored = await tutor.load(booked.id)
    assert stored.status is AppointmentStatus.CONFIRMED and stored.cancelled_at is None


async def test_a_cancellation_whose_commit_fails_changes_nothing(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    tutor.make_uow.commit_error = ConnectionError("database went away")
    with pytest.raises(ConnectionError):
        await cancel_appointment(tutor.make_uow(), booked.id, now=NOW)
    tutor.make_uow.commit_error = None
    assert (await tutor.load(booked.id)) == booked


# --- rule 10: rescheduling ----------------------------------------------------------


async def test_rescheduling_15_minutes_later_within_ones_own_slot_works(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    # Anyone else is refused 09:15: it overlaps the 09:00 booking.
    assert at(TUESDAY, 9, 15) not in await tutor.offered(TUESDAY)
    moved = await reschedule_appointment(
        tutor.make_uow(), booked.id, new_start=at(TUESDAY, 9, 15), now=NOW
    )
    assert moved.id == booked.id
    assert (moved.start, moved.end) == (at(TUESDAY, 9, 15), at(TUESDAY, 10, 15))
    assert moved.status is AppointmentStatus.CONFIRMED
    stored = await tutor.load(booked.id)
    assert (stored.start, stored.end, stored.updated_at) == (moved.start, moved.end, NOW)
    assert len(tutor.make_uow.store.committed_appointments()) == 1


async def test_rescheduling_frees_the_old_slot(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    await reschedule_appointment(tutor.make_uow(), booked.id, new_start=at(TUESDAY, 11), now=NOW)
    offered = await tutor.offered(TUESDAY)
    assert at(TUESDAY, 9) in offered and at(TUESDAY, 11) not in offered


async def test_rescheduling_to_another_day_works(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    next_week = TUESDAY + timedelta(days=7)
    moved = await reschedule_appointment(
        tutor.make_uow(), booked.id, new_start=at(next_week, 9), now=NOW
    )
    assert moved.start == at(next_week, 9)
    assert at(TUESDAY, 9) in await tutor.offered(TUESDAY)


def _refused_starts() -> dict[str, datetime]:
    return {
        "misaligned": at(TUESDAY, 9, 5),
        "outside hours": at(TUESDAY, 14),
        "taken by another client": at(TUESDAY, 11),
        "inside an unavailable window": at(BLOCKED_TUESDAY, 10),
        "beyond max advance": at(date(2027, 2, 2), 9),
    }


@pytest.mark.parametrize("why", list(_refused_starts()))
async def test_a_refused_reschedule_leaves_the_old_appointment_untouched(tutor, why):
    booked = await tutor.book(at(TUESDAY, 9))
    await tutor.book(at(TUESDAY, 11), telegram_id=2)
    with pytest.raises(SlotNoLongerAvailable):
        await reschedule_appointment(
            tutor.make_uow(), booked.id, new_start=_refused_starts()[why], now=NOW
        )
    assert not tutor.make_uow.last.committed
    assert await tutor.load(booked.id) == booked
    assert at(TUESDAY, 9) not in await tutor.offered(TUESDAY)


async def test_rescheduling_into_the_notice_period_is_refused(tutor):
    booked = await tutor.book(at(TUESDAY, 11))
    now = at(TUESDAY, 8)  # 09:00 and 09:15 are now less than two hours away
    for too_soon in (at(TUESDAY, 9), at(TUESDAY, 9, 15)):
        with pytest.raises(SlotNoLongerAvailable):
            await reschedule_appointment(tutor.make_uow(), booked.id, new_start=too_soon, now=now)
    assert await tutor.load(booked.id) == booked


async def test_rescheduling_to_the_same_start_changes_nothing(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    same = await reschedule_appointment(
        tutor.make_uow(), booked.id, new_start=booked.start, now=NOW
    )
    assert same == booked and await tutor.load(booked.id) == booked


async def test_rescheduling_a_cancelled_or_past_appointment_is_an_invalid_transition(tutor):
    cancelled = await tutor.book(at(TUESDAY, 9))
    await cancel_appointment(tutor.make_uow(), cancelled.id, now=NOW)
    with pytest.raises(InvalidTransition):
        await reschedule_appointment(
            tutor.make_uow(), cancelled.id, new_start=at(TUESDAY, 10), now=NOW
        )
    past = await tutor.book(at(TUESDAY, 11), telegram_id=2)
    with pytest.raises(InvalidTransition):
        await reschedule_appointment(
            tutor.make_uow(), past.id, new_start=at(TUESDAY, 10), now=at(TUESDAY, 11, 30)
        )
    assert (await tutor.load(past.id)).start == at(TUESDAY, 11)


# --- the provider's decisions and the outcome ---------------------------------------


async def test_confirming_a_pending_request_confirms_it_and_a_second_tap_is_harmless(manual):
    booked = await manual.book(at(TUESDAY, 9))
    assert booked.status is AppointmentStatus.PENDING
    for _tap in range(2):
        confirmed = await confirm_appointment(manual.make_uow(), booked.id, now=NOW)
        assert confirmed.status is AppointmentStatus.CONFIRMED
    assert (await manual.load(booked.id)).status is AppointmentStatus.CONFIRMED


async def test_a_pending_request_holds_its_slot(manual):
    booked = await manual.book(at(TUESDAY, 9))
    assert booked.start not in await manual.offered(TUESDAY)
    with pytest.raises(SlotNoLongerAvailable):
        await manual.book(booked.start, telegram_id=2)


async def test_confirming_a_cancelled_or_already_started_request_is_refused(manual):
    cancelled = await manual.book(at(TUESDAY, 9))
    await cancel_appointment(manual.make_uow(), cancelled.id, now=NOW)
    with pytest.raises(InvalidTransition):
        await confirm_appointment(manual.make_uow(), cancelled.id, now=NOW)
    started = await manual.book(at(TUESDAY, 11))
    with pytest.raises(InvalidTransition):
        await confirm_appointment(manual.make_uow(), started.id, now=started.start)


async def test_declining_a_request_cancels_it_for_the_provider_and_frees_the_slot(manual):
    booked = await manual.book(at(TUESDAY, 9))
    declined = await decline_appointment(manual.make_uow(), booked.id, now=NOW, reason="full")
    assert declined.status is AppointmentStatus.CANCELLED
    assert (declined.cancelled_by, declined.cancel_reason) == (CancelledBy.PROVIDER, "full")
    assert (await manual.load(booked.id)).status is AppointmentStatus.CANCELLED
    assert booked.start in await manual.offered(TUESDAY)


async def test_only_a_pending_request_can_be_declined(manual):
    booked = await manual.book(at(TUESDAY, 9))
    await confirm_appointment(manual.make_uow(), booked.id, now=NOW)
    with pytest.raises(InvalidTransition):
        await decline_appointment(manual.make_uow(), booked.id, now=NOW)
    assert (await manual.load(booked.id)).status is AppointmentStatus.CONFIRMED


@pytest.mark.parametrize(
    ("finish", "status"),
    [
        (complete_appointment, AppointmentStatus.COMPLETED),
        (mark_no_show, AppointmentStatus.NO_SHOW),
    ],
)
async def test_an_outcome_can_be_recorded_only_once_the_appointment_started(tutor, finish, status):
    booked = await tutor.book(at(TUESDAY, 9))
    with pytest.raises(InvalidTransition):
        await finish(tutor.make_uow(), booked.id, now=booked.start - timedelta(minutes=1))
    assert (await tutor.load(booked.id)).status is AppointmentStatus.CONFIRMED
    done = await finish(tutor.make_uow(), booked.id, now=booked.start)
    assert done.status is status
    again = await finish(tutor.make_uow(), booked.id, now=booked.start + timedelta(hours=1))
    assert again.status is status
    assert (await tutor.load(booked.id)).status is status


@pytest.mark.parametrize("finish", [complete_appointment, mark_no_show])
async def test_no_outcome_for_a_cancelled_appointment(tutor, finish):
    booked = await tutor.book(at(TUESDAY, 9))
    await cancel_appointment(tutor.make_uow(), booked.id, now=NOW)
    with pytest.raises(InvalidTransition):
        await finish(tutor.make_uow(), booked.id, now=booked.start + timedelta(minutes=5))
    assert (await tutor.load(booked.id)).status is AppointmentStatus.CANCELLED


async def test_a_recorded_outcome_cannot_be_swapped_for_the_other(tutor):
    booked = await tutor.book(at(TUESDAY, 9))
    later = booked.start + timedelta(minutes=5)
    await complete_appointment(tutor.make_uow(), booked.id, now=later)
    with pytest.raises(InvalidTransition):
        await mark_no_show(tutor.make_uow(), booked.id, now=later)


async def _reschedule(uow, appointment_id, *, now):
    return await reschedule_appointment(uow, appointment_id, new_start=at(TUESDAY, 9), now=now)


@pytest.mark.parametrize(
    "change",
    [
        cancel_appointment,
        _reschedule,
        confirm_appointment,
        decline_appointment,
        complete_appointment,
        mark_no_show,
    ],
)
async def test_changing_an_unknown_appointment_is_not_found(tutor, change):
    with pytest.raises(NotFound) as refused:
        await change(tutor.make_uow(), 999, now=NOW)
    assert (refused.value.what, refused.value.ident) == ("appointment", 999)
