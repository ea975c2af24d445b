"""Client blocks, provider settings, booking policies and appointment types.

On SQLite and PostgreSQL, like every test using the ``uow`` fixture.

The clinic (``clinic.register``) works Mon-Fri 09:00-17:00 Berlin (UTC+1 in
November and December); ``FIXED_NOW`` is Wednesday 2026-11-25 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.agenda import clients_of, set_client_blocked
from core.booking import book_appointment, cancel_appointment, reschedule_appointment
from core.clients import get_or_create_client
from core.errors import (
    BookingLimitReached,
    ClientBlocked,
    InvalidProviderData,
    LateCancellationRefused,
    NotFound,
    RescheduleLocked,
    SlotNoLongerAvailable,
)
from core.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    LateCancelPolicy,
    Provider,
)
from core.provider_admin import (
    add_appointment_type,
    provider_types,
    update_appointment_type,
    update_provider,
)
from core.slots import get_available_slots
from tests.conftest import FIXED_NOW
from tests.integration.clinic import berlin_doctor, register

MON, TUE, WED = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
MON_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 Berlin
MON_1000 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 Berlin
MON_1100 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 11:00 Berlin
TUE_0900 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 Berlin
TUE_1000 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 Berlin
TUE_1400 = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 14:00 Berlin
WED_0900 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 09:00 Berlin


async def new_client(uow, telegram_id: int, name: str | None = None) -> int:
    return (await get_or_create_client(uow(), telegram_id, name=name)).id


async def book(uow, provider_id: int, type_id: int, client_id: int, start: datetime,
               now: datetime = FIXED_NOW) -> Appointment:
    return await book_appointment(
        uow(), provider_id=provider_id, type_id=type_id, client_id=client_id, start=start, now=now
    )


async def load(uow, appointment_id: int) -> Appointment:
    async with uow() as unit:
        return await unit.appointments.get(appointment_id)


def capped(limit: int):
    return berlin_doctor(max_active_bookings_per_client=limit)


async def stored_provider(uow, provider_id: int) -> Provider:
    async with uow() as unit:
        return await unit.providers.get(provider_id)


# --- client blocks ----------------------------------------------------------------------


async def test_blocking_a_client_cancels_their_future_bookings_with_that_provider(uow):
    provider_id, single, _group = await register(uow)
    other_id, other_single, _other_group = await register(uow)
    anna, ben = await new_client(uow, 1, "Anna"), await new_client(uow, 2, "Ben")
    running = await book(uow, provider_id, single, anna, MON_0900)
    coming = await book(uow, provider_id, single, anna, TUE_1000)
    elsewhere = await book(uow, other_id, other_single, anna, TUE_1400)
    bens = await book(uow, provider_id, single, ben, TUE_1400)
    now = MON_0900 + timedelta(minutes=10)  # the Monday appointment has begun

    cancelled = await set_client_blocked(uow(), provider_id, anna, blocked=True, now=now)
    assert [item.appointment.id for item in cancelled] == [coming.id]
    stored = await load(uow, coming.id)
    assert stored.status is AppointmentStatus.CANCELLED
    assert stored.cancelled_by is CancelledBy.PROVIDER and stored.cancelled_at == now
    for untouched in (running, elsewhere, bens):
        assert (await load(uow, untouched.id)).status is AppointmentStatus.CONFIRMED
    assert {c.id: blocked for c, blocked in await clients_of(uow(), provider_id)} == {
        anna: True, ben: False
    }
    with pytest.raises(ClientBlocked):
        await book(uow, provider_id, single, anna, WED_0900, now=now)
    assert (await book(uow, other_id, other_single, anna, WED_0900, now=now)).id is not None


async def test_unblocking_a_client_lets_them_book_again(uow):
    provider_id, single, _group = await register(uow)
    anna = await new_client(uow, 1, "Anna")
    first = await book(uow, provider_id, single, anna, MON_0900)
    await set_client_blocked(uow(), provider_id, anna, blocked=True, now=FIXED_NOW)
    assert (await load(uow, first.id)).status is AppointmentStatus.CANCELLED
    with pytest.raises(ClientBlocked):
        await book(uow, provider_id, single, anna, TUE_1000)
    assert await set_client_blocked(uow(), provider_id, anna, blocked=False, now=FIXED_NOW) == []
    booked = await book(uow, provider_id, single, anna, TUE_1000)
    assert booked.status is AppointmentStatus.CONFIRMED
    assert [(c.id, blocked) for c, blocked in await clients_of(uow(), provider_id)] == [
        (anna, False)
    ]


async def test_a_client_who_never_booked_with_the_provider_cannot_be_blocked(uow):
    provider_id, _single, _group = await register(uow)
    other_id, other_single, _other_group = await register(uow)
    stranger = await new_client(uow, 3, "Carl")
    elsewhere = await book(uow, other_id, other_single, stranger, MON_0900)
    with pytest.raises(NotFound):
        await set_client_blocked(uow(), provider_id, stranger, blocked=True, now=FIXED_NOW)
    with pytest.raises(NotFound):
        await set_client_blocked(uow(), provider_id, 999_999, blocked=True, now=FIXED_NOW)
    assert (await load(uow, elsewhere.id)).status is AppointmentStatus.CONFIRMED
    assert await clients_of(uow(), provider_id) == []


# --- at most N active bookings per client --------------------------------------------


async def test_a_client_cannot_hold_more_bookings_than_the_cap(uow):
    provider_id, single, _group = await register(uow, capped(2))
    anna = await new_client(uow, 1)
    first = await book(uow, provider_id, single, anna, MON_0900)
    await book(uow, provider_id, single, anna, MON_1000)
    with pytest.raises(BookingLimitReached) as refused:
        await book(uow, provider_id, single, anna, MON_1100)
    assert refused.value.limit == 2
    # Repeating a booking one already holds is not a new booking.
    assert (await book(uow, provider_id, single, anna, MON_0900)).id == first.id
    # Other clients have their own count.
    ben = await new_client(uow, 2)
    assert (await book(uow, provider_id, single, ben, MON_1100)).id is not None


async def test_cancelled_and_started_bookings_do_not_count_towards_the_cap(uow):
    provider_id, single, _group = await register(uow, capped(2))
    anna = await new_client(uow, 1)
    first = await book(uow, provider_id, single, anna, MON_0900)
    second = await book(uow, provider_id, single, anna, MON_1000)
    await cancel_appointment(uow(), second.id, now=FIXED_NOW, client_id=anna)
    await book(uow, provider_id, single, anna, MON_1100)
    with pytest.raises(BookingLimitReached):
        await book(uow, provider_id, single, anna, TUE_0900)
    started = first.start + timedelta(minutes=5)
    assert (await book(uow, provider_id, single, anna, TUE_0900, now=started)).id is not None


# --- late cancellations ----------------------------------------------------------------


async def test_refused_late_cancellation_carries_the_providers_message(uow):
    message = "Please phone the practice to cancel."
    provider_id, single, _group = await register(uow, berlin_doctor(
        min_notice_hours=24,
        late_cancel_policy=LateCancelPolicy.REFUSE,
        late_cancel_message=message,
    ))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    late = MON_0900 - timedelta(hours=22)
    with pytest.raises(LateCancellationRefused) as refused:
        await cancel_appointment(uow(), booked.id, now=late, client_id=anna)
    assert refused.value.provider_message == message
    assert message in str(refused.value)
    assert await load(uow, booked.id) == booked
    cancelled = await cancel_appointment(
        uow(), booked.id, now=late, by=CancelledBy.PROVIDER, provider_id=provider_id
    )
    assert cancelled.status is AppointmentStatus.CANCELLED
    stored = await load(uow, booked.id)
    assert stored.status is AppointmentStatus.CANCELLED
    assert stored.cancelled_by is CancelledBy.PROVIDER


async def test_a_client_may_still_cancel_on_time_under_the_refuse_policy(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(
        min_notice_hours=24, late_cancel_policy=LateCancelPolicy.REFUSE,
    ))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    exactly_on_time = MON_0900 - timedelta(hours=24)
    cancelled = await cancel_appointment(uow(), booked.id, now=exactly_on_time, client_id=anna)
    assert cancelled.status is AppointmentStatus.CANCELLED and not cancelled.late_cancel


async def test_late_cancellation_is_allowed_and_flagged_under_the_allow_policy(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(min_notice_hours=24))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    await cancel_appointment(uow(), booked.id, now=MON_0900 - timedelta(hours=22), client_id=anna)
    stored = await load(uow, booked.id)
    assert stored.status is AppointmentStatus.CANCELLED
    assert stored.late_cancel is True and stored.cancelled_by is CancelledBy.CLIENT


# --- the reschedule lock ------------------------------------------------------------------


async def test_a_client_cannot_move_an_appointment_inside_the_lock(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(reschedule_lock_hours=24))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    with pytest.raises(RescheduleLocked):
        await reschedule_appointment(
            uow(), booked.id, new_start=MON_1000, now=MON_0900 - timedelta(hours=23), client_id=anna
        )
    assert await load(uow, booked.id) == booked


async def test_a_client_can_move_an_appointment_before_the_lock(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(reschedule_lock_hours=24))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    moved = await reschedule_appointment(
        uow(), booked.id, new_start=MON_1000, now=MON_0900 - timedelta(hours=25), client_id=anna
    )
    assert moved.start == MON_1000
    assert (await load(uow, booked.id)).start == MON_1000


async def test_the_lock_does_not_apply_to_the_provider(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(reschedule_lock_hours=24))
    anna = await new_client(uow, 1)
    booked = await book(uow, provider_id, single, anna, MON_0900)
    moved = await reschedule_appointment(
        uow(), booked.id, new_start=MON_1000, now=MON_0900 - timedelta(hours=23)
    )
    assert moved.start == MON_1000


# --- update_provider ---------------------------------------------------------------------

RANGES = [
    ("buffer_minutes_between_appointments", 0, 240),
    ("min_notice_hours", 0, 24 * 14),
    ("max_advance_days", 1, 365),
    ("reschedule_lock_hours", 0, 24 * 14),
    ("max_active_bookings_per_client", 0, 50),
]


@pytest.mark.parametrize(("name", "low", "high"), RANGES, ids=[r[0] for r in RANGES])
async def test_numeric_settings_accept_their_range_and_refuse_past_it(uow, name, low, high):
    provider_id, _single, _group = await register(uow)
    for value in (low, high):
        updated = await update_provider(uow(), provider_id, **{name: value})
        assert getattr(updated.settings, name) == value
        assert getattr((await stored_provider(uow, provider_id)).settings, name) == value
    for value in (low - 1, high + 1, 1.5, "3", None):
        with pytest.raises(InvalidProviderData):
            await update_provider(uow(), provider_id, **{name: value})
        assert getattr((await stored_provider(uow, provider_id)).settings, name) == high


@pytest.mark.parametrize(
    "change",
    [{"colour": "red"}, {"telegram_user_id": 99}, {"is_active": False}, {"id": 7},
     {"min_notice_hours": 2, "nonsense": 1}],
    ids=["colour", "telegram_user_id", "is_active", "id", "valid-and-unknown"],
)
async def test_unknown_setting_names_are_refused_and_nothing_changes(uow, change):
    provider_id, _single, _group = await register(uow)
    before = await stored_provider(uow, provider_id)
    with pytest.raises(InvalidProviderData):
        await update_provider(uow(), provider_id, **change)
    assert await stored_provider(uow, provider_id) == before


async def test_the_timezone_must_be_a_real_zone(uow):
    provider_id, _single, _group = await register(uow)
    for bad in ("Mars/Olympus_Mons", "Berlin", ""):
        with pytest.raises(InvalidProviderData):
            await update_provider(uow(), provider_id, timezone=bad)
    assert (await stored_provider(uow, provider_id)).timezone == "Europe/Berlin"
    await update_provider(uow(), provider_id, timezone="America/New_York")
    assert (await stored_provider(uow, provider_id)).timezone == "America/New_York"


async def test_the_name_must_not_be_empty(uow):
    provider_id, _single, _group = await register(uow)
    with pytest.raises(InvalidProviderData):
        await update_provider(uow(), provider_id, name="   ")
    assert (await stored_provider(uow, provider_id)).name == "Dr. Test"


async def test_provider_changes_persist(uow):
    provider_id, _single, _group = await register(uow)
    updated = await update_provider(
        uow(), provider_id,
        name="Dr. Lena Vogel", language="de", address="Hauptstr. 1", email="lena@example.org",
        buffer_minutes_between_appointments=15, min_notice_hours=12, max_advance_days=30,
        auto_confirm=False, late_cancel_policy=LateCancelPolicy.REFUSE,
        late_cancel_message="Call us.", reschedule_lock_hours=48,
        max_active_bookings_per_client=3, digest_time=time(7, 30), remind_provider=True,
    )
    stored = await stored_provider(uow, provider_id)
    assert stored == updated
    assert (stored.name, stored.language, stored.address, stored.email) == (
        "Dr. Lena Vogel", "de", "Hauptstr. 1", "lena@example.org"
    )
    settings = stored.settings
    assert settings.buffer_minutes_between_appointments == 15
    assert settings.min_notice_hours == 12 and settings.max_advance_days == 30
    assert settings.auto_confirm is False
    assert settings.late_cancel_policy is LateCancelPolicy.REFUSE
    assert settings.late_cancel_message == "Call us."
    assert settings.reschedule_lock_hours == 48 and settings.max_active_bookings_per_client == 3
    assert settings.digest_time == time(7, 30) and settings.remind_provider is True
    # One change leaves the others as they were.
    await update_provider(uow(), provider_id, digest_time=None)
    again = await stored_provider(uow, provider_id)
    assert again.settings.digest_time is None and again.settings.min_notice_hours == 12


# --- appointment types -------------------------------------------------------------------


async def test_a_new_appointment_type_is_stored_for_the_provider_and_bookable(uow):
    provider_id, single, group = await register(uow)
    other_id, _s, _g = await register(uow)
    added = await add_appointment_type(
        uow(), provider_id, AppointmentType(None, other_id, "Quick check", 15)
    )
    assert added.id is not None and added.provider_id == provider_id
    assert [t.id for t in await provider_types(uow(), provider_id)] == [single, group, added.id]
    assert added.id not in [t.id for t in await provider_types(uow(), other_id)]
    slots = await get_available_slots(uow(), provider_id, added.id, MON, FIXED_NOW)
    assert len(slots) == 32 and slots[:2] == [MON_0900, MON_0900 + timedelta(minutes=15)]


@pytest.mark.parametrize("duration", [0, -30, 24 * 60 + 1])
async def test_an_appointment_type_needs_a_sensible_duration(uow, duration):
    provider_id, single, group = await register(uow)
    with pytest.raises(InvalidProviderData):
        await add_appointment_type(uow(), provider_id, AppointmentType(None, None, "Bad", duration))
    assert [t.id for t in await provider_types(uow(), provider_id)] == [single, group]


async def test_an_appointment_type_can_be_edited(uow):
    provider_id, single, _group = await register(uow)
    updated = await update_appointment_type(
        uow(), provider_id, single, name="Long consultation", duration_minutes=45
    )
    (stored,) = [t for t in await provider_types(uow(), provider_id) if t.id == single]
    assert stored == updated
    assert (stored.name, stored.duration_minutes) == ("Long consultation", 45)
    slots = await get_available_slots(uow(), provider_id, single, MON, FIXED_NOW)
    assert slots[:2] == [MON_0900, MON_0900 + timedelta(minutes=45)]
    with pytest.raises(InvalidProviderData):
        await update_appointment_type(uow(), provider_id, single, duration_minutes=0)
    (unchanged,) = [t for t in await provider_types(uow(), provider_id) if t.id == single]
    assert unchanged == updated


async def test_a_deactivated_type_is_no_longer_bookable(uow):
    provider_id, single, _group = await register(uow)
    anna = await new_client(uow, 1)
    await update_appointment_type(uow(), provider_id, single, is_active=False)
    (stored,) = [t for t in await provider_types(uow(), provider_id) if t.id == single]
    assert stored.is_active is False
    assert await get_available_slots(uow(), provider_id, single, MON, FIXED_NOW) == []
    with pytest.raises(SlotNoLongerAvailable):
        await book(uow, provider_id, single, anna, MON_0900)
    async with uow() as unit:
        offers = await unit.providers.offers()
    (offer,) = [o for o in offers if o.provider.id == provider_id]
    assert single not in [t.id for t in offer.types]
    await update_appointment_type(uow(), provider_id, single, is_active=True)
    assert len(await get_available_slots(uow(), provider_id, single, MON, FIXED_NOW)) == 16


async def test_another_providers_type_is_not_found(uow):
    provider_id, _single, _group = await register(uow)
    _other_id, other_single, _other_group = await register(uow)
    with pytest.raises(NotFound):
        await update_appointment_type(uow(), provider_id, other_single, name="Mine now")
    with pytest.raises(NotFound):
        await update_appointment_type(uow(), provider_id, 999_999, name="Nothing")
    with pytest.raises(NotFound):
        await get_available_slots(uow(), provider_id, other_single, MON, FIXED_NOW)
    async with uow() as unit:
        theirs = await unit.providers.appointment_type(other_single)
    assert theirs.name == "Consultation" and theirs.is_active


async def test_editing_a_type_cannot_redirect_the_change_to_another_providers_type(uow):
    provider_id, single, _group = await register(uow)
    _other_id, other_single, _other_group = await register(uow)
    with pytest.raises((InvalidProviderData, NotFound, TypeError)):
        await update_appointment_type(uow(), provider_id, single, id=other_single, name="Hijacked")
    async with uow() as unit:
        theirs = await unit.providers.appointment_type(other_single)
    assert theirs.name == "Consultation"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_notice_hours", True),
        ("auto_confirm", "yes"),
        ("late_cancel_policy", "SOMETIMES"),
        ("digest_time", "08:00"),
    ],
)
async def test_settings_of_the_wrong_kind_are_refused(uow, name, value):
    provider_id, _single, _group = await register(uow)
    with pytest.raises(InvalidProviderData):
        await update_provider(uow(), provider_id, **{name: value})


async def test_a_policy_given_as_text_is_understood(uow):
    provider_id, _single, _group = await register(uow)
    updated = await update_provider(uow(), provider_id, late_cancel_policy="REFUSE")
    assert updated.settings.late_cancel_policy.value == "REFUSE"
