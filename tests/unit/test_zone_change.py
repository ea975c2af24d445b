"""Changing a provider's time zone (issue #12, defect 8), on the in-memory fake.

Berlin → New York across the week the two disagree about DST: Europe moves its
clocks back on 2026-10-25, the United States on 2026-11-01, so 14:30 in Berlin
is 09:30 in New York on Monday 26 October and 08:30 on Monday 2 November.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.availability import DayStatus, availability_for_dates
from core.errors import InvalidProviderData
from core.model import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    Client,
    Provider,
    ProviderCalendar,
)
from core.zone_change import (
    StaleZoneChange,
    ZoneDecision,
    change_time_zone,
    fits_hours,
    pushed_out,
)
from tests.unit.builders import FRI, MON, appt, block, calendar, off, utc
from tests.unit.fakes import FakeProviderRepository, FakeStore, FakeUnitOfWork

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
NOW = utc("2026-10-20T12:00")  # a Tuesday, before both DST changes
MON_OCT_26, TUE_OCT_27, MON_NOV_2 = date(2026, 10, 26), date(2026, 10, 27), date(2026, 11, 2)
REASON = "The provider is not available then."


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


def new_york(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NEW_YORK).astimezone(UTC)


class _Providers(FakeProviderRepository):
    async def update(self, provider: Provider) -> None:
        self._uow.require_write_lock(provider.id)
        self._data.providers[provider.id] = provider  # type: ignore[index]


class _UnitOfWork(FakeUnitOfWork):
    def __init__(self, store: FakeStore) -> None:
        super().__init__(store)
        self.providers = _Providers(self)


class Practice:
    """Mon-Fri 09:00-17:00 in Berlin, one 60-minute type, one client; bookings added by hand."""

    def __init__(self, overrides=(), provider_id: int = 1) -> None:  # type: ignore[no-untyped-def]
        self.store = FakeStore()
        self.add_provider(provider_id, overrides)
        self.store.state.types[1] = appt(60)
        self.store.state.clients[1] = Client(1, 501, "Tom", "en", "Europe/London")

    def add_provider(self, provider_id: int, overrides=()) -> None:  # type: ignore[no-untyped-def]
        cal = calendar("Europe/Berlin", [(d, "09:00", "17:00") for d in range(MON, FRI + 1)],
                       overrides)
        state = self.store.state
        state.providers[provider_id] = replace(cal.provider, id=provider_id)
        state.weekly[provider_id] = list(cal.weekly)
        state.overrides[provider_id] = list(cal.overrides)

    def book(self, start: datetime, status=AppointmentStatus.CONFIRMED, provider_id=1) -> int:  # type: ignore[no-untyped-def]
        ident = self.store.next_id("appointments")
        self.store.state.appointments[ident] = Appointment(
            ident, provider_id, 1, 1, start, start + timedelta(hours=1), status, NOW - timedelta(days=1)
        )
        return ident

    def uow(self) -> _UnitOfWork:
        return _UnitOfWork(self.store)

    def appointment(self, ident: int) -> Appointment:
        return self.store.state.appointments[ident]

    @property
    def zone(self) -> str:
        return self.store.state.providers[1].timezone

    def calendar(self) -> ProviderCalendar:
        state = self.store.state
        return ProviderCalendar(state.providers[1], tuple(state.weekly[1]), tuple(state.overrides[1]))


@pytest.fixture
def practice() -> Practice:
    return Practice()


PUSHED_OUT = ("mon 09:00", "next mon 09:00", "next mon 14:30")


def dst_week_bookings(p: Practice) -> dict[str, int]:
    return {
        "mon 09:00": p.book(berlin(MON_OCT_26, 9)),  # 04:00 in New York: outside
        "mon 14:30": p.book(berlin(MON_OCT_26, 14, 30), AppointmentStatus.PENDING),  # 09:30: inside
        "next mon 09:00": p.book(berlin(MON_NOV_2, 9)),  # 03:00 in New York: outside
        "next mon 14:30": p.book(berlin(MON_NOV_2, 14, 30), AppointmentStatus.PENDING),  # 08:30: out
        "next mon 15:00": p.book(berlin(MON_NOV_2, 15)),  # 09:00 in New York: inside
    }


async def test_a_zone_that_puts_bookings_outside_the_hours_asks_first_and_saves_nothing(practice):
    ids = dst_week_bookings(practice)

    change = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)

    assert not change.applied
    assert [i.appointment.id for i in change.conflicts] == [ids[k] for k in PUSHED_OUT]
    assert change.conflicts[0].client.name == "Tom" and change.conflicts[0].appt_type.id == 1
    assert practice.zone == "Europe/Berlin"
    assert all(a.is_active for a in practice.store.state.appointments.values())


async def test_cancel_them_moves_the_zone_and_cancels_only_the_listed_bookings(practice):
    ids = dst_week_bookings(practice)
    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)

    done = await change_time_zone(
        practice.uow(), 1, "America/New_York", now=NOW,
        decision=ZoneDecision(asked.stamp, cancel_conflicts=True), reason=REASON,
    )

    assert done.applied and done.provider.timezone == "America/New_York"
    assert practice.zone == "America/New_York"
    assert [i.appointment.id for i in done.cancelled] == [ids[k] for k in PUSHED_OUT]
    for key in PUSHED_OUT:
        cancelled = practice.appointment(ids[key])
        assert cancelled.status is AppointmentStatus.CANCELLED
        assert cancelled.cancelled_by is CancelledBy.PROVIDER and cancelled.cancel_reason == REASON
    assert practice.appointment(ids["mon 14:30"]).status is AppointmentStatus.PENDING
    assert practice.appointment(ids["next mon 15:00"]).status is AppointmentStatus.CONFIRMED


async def test_keep_them_moves_the_zone_and_keeps_every_booking(practice):
    dst_week_bookings(practice)
    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)

    done = await change_time_zone(
        practice.uow(), 1, "America/New_York", now=NOW, decision=ZoneDecision(asked.stamp, False)
    )

    assert done.applied and not done.cancelled and practice.zone == "America/New_York"
    assert all(a.is_active for a in practice.store.state.appointments.values())


async def test_the_hours_keep_their_local_times_in_the_new_zone_on_both_sides_of_dst(practice):
    before = practice.calendar().weekly
    uow = practice.uow()
    await change_time_zone(uow, 1, "America/New_York", now=NOW)
    assert uow.committed  # nothing booked: saved at once

    moved = practice.calendar()
    assert moved.weekly == before
    days = availability_for_dates(moved, appt(60), [], [MON_OCT_26, MON_NOV_2], NOW)
    for day in days:
        assert day.slots[0] == new_york(day.date, 9) and day.slots[-1] == new_york(day.date, 16)
    assert days[0].slots[0] == utc("2026-10-26T13:00")  # EDT
    assert days[1].slots[0] == utc("2026-11-02T14:00")  # EST


async def test_blocks_keep_their_local_day_and_wall_times_and_a_booking_now_inside_one_is_listed():
    practice = Practice([off("2026-10-27"), block("2026-11-02", "10:00", "12:00")])
    inside_block = practice.book(berlin(MON_NOV_2, 16))  # 10:00 in New York, in the window

    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)
    assert [i.appointment.id for i in asked.conflicts] == [inside_block]
    await change_time_zone(
        practice.uow(), 1, "America/New_York", now=NOW, decision=ZoneDecision(asked.stamp, False)
    )

    moved = practice.calendar()
    whole_day, windowed = availability_for_dates(moved, appt(60), [], [TUE_OCT_27, MON_NOV_2], NOW)
    assert whole_day.status is DayStatus.CLOSED
    assert [s.astimezone(NEW_YORK).hour for s in windowed.slots] == [9, 12, 13, 14, 15, 16]


async def test_a_booking_already_outside_the_hours_is_not_asked_about_again(practice):
    practice.book(berlin(MON_OCT_26, 7))  # 07:00 Berlin (kept after a change of hours)
    uow = practice.uow()
    change = await change_time_zone(uow, 1, "America/New_York", now=NOW)
    assert change.applied and not change.conflicts and uow.committed


async def test_past_and_cancelled_bookings_are_not_listed(practice):
    practice.book(berlin(date(2026, 10, 19), 9))  # before now
    practice.book(berlin(MON_OCT_26, 9), AppointmentStatus.CANCELLED)
    change = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)
    assert change.applied and not change.conflicts


async def test_a_decision_on_a_list_that_changed_since_is_stale_and_changes_nothing(practice):
    dst_week_bookings(practice)
    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)
    late = practice.book(berlin(date(2026, 10, 28), 10))  # booked meanwhile: 05:00 in New York

    with pytest.raises(StaleZoneChange):
        await change_time_zone(
            practice.uow(), 1, "America/New_York", now=NOW, decision=ZoneDecision(asked.stamp, True)
        )
    assert practice.zone == "Europe/Berlin"
    assert practice.appointment(late).is_active
    assert all(a.is_active for a in practice.store.state.appointments.values())


async def test_a_decision_tapped_twice_is_stale_the_second_time(practice):
    dst_week_bookings(practice)
    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)
    decision = ZoneDecision(asked.stamp, False)
    await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW, decision=decision)
    with pytest.raises(StaleZoneChange):
        await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW, decision=decision)


async def test_another_providers_decision_is_stale_for_this_one(practice):
    practice.add_provider(2)
    practice.book(berlin(MON_OCT_26, 9))
    practice.book(berlin(MON_OCT_26, 9), provider_id=2)
    asked = await change_time_zone(practice.uow(), 1, "America/New_York", now=NOW)
    with pytest.raises(StaleZoneChange):
        await change_time_zone(
            practice.uow(), 2, "America/New_York", now=NOW, decision=ZoneDecision(asked.stamp, True)
        )
    assert all(a.is_active for a in practice.store.state.appointments.values())


async def test_an_unknown_zone_is_refused(practice):
    with pytest.raises(InvalidProviderData):
        await change_time_zone(practice.uow(), 1, "Mars/Olympus_Mons", now=NOW)


def test_an_overnight_interval_holds_a_booking_after_midnight_in_its_own_zone():
    night = calendar("Europe/Berlin", [(MON, "22:00", "02:00")])
    start = berlin(date(2026, 11, 3), 1)  # Tuesday 01:00, in Monday's night shift
    assert fits_hours(night, start, start + timedelta(hours=1))
    assert not fits_hours(night, start, start + timedelta(hours=2))  # past 02:00
    appointment = Appointment(1, 1, 1, 1, start, start + timedelta(hours=1),
                              AppointmentStatus.CONFIRMED, NOW)
    assert pushed_out(night, "America/New_York", [appointment]) == [appointment]
