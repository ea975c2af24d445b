"""The provider's own services on real SQLite and PostgreSQL databases.

Invites, weekly hours, blocks and special hours, the agenda and provider-scoped
status changes. Client blocks, settings, policies and appointment types are in
``test_provider_policies.py``.

The clinic (``clinic.register``) works Mon-Fri 09:00-17:00 Berlin (UTC+1 in
November and December) and has 2026-12-24 off; ``FIXED_NOW`` is Wednesday
2026-11-25 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from core.agenda import agenda, agenda_item
from core.booking import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    confirm_appointment,
    decline_appointment,
    mark_no_show,
)
from core.clients import get_or_create_client
from core.errors import InviteInvalid, NotAuthorised, NotFound
from core.model import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderType,
)
from core.onboarding import create_invite, invite_provider, provider_for_user, redeem_invite
from core.schedule_admin import (
    BlockSpec,
    HoursOverlap,
    add_block,
    appointments_hit_by_block,
    future_overrides,
    remove_override,
    set_special_hours,
    set_weekly_hours,
)
from core.slots import get_available_slots
from tests.conftest import FIXED_NOW
from tests.integration.clinic import berlin_doctor, register

MON, TUE, WED = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
SAT, SUN = date(2026, 12, 5), date(2026, 11, 29)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


MON_0900 = utc(MON, 8)  # 09:00 Berlin
MON_1400 = utc(MON, 13)  # 14:00 Berlin
TUE_1000 = utc(TUE, 9)  # 10:00 Berlin
TUE_1400 = utc(TUE, 13)  # 14:00 Berlin


def half_hours(first: datetime, count: int) -> list[datetime]:
    return [first + timedelta(minutes=30 * n) for n in range(count)]


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


async def slots(uow, provider_id: int, type_id: int, day: date, now: datetime = FIXED_NOW):
    return await get_available_slots(uow(), provider_id, type_id, day, now)


async def weekly(uow, provider_id: int) -> list[tuple[int, time, time]]:
    async with uow() as unit:
        calendar = await unit.providers.calendar(provider_id)
    return [(i.day_of_week, i.start, i.end) for i in calendar.weekly]


async def overrides_on(uow, provider_id: int, day: date):
    return [o for o in await future_overrides(uow(), provider_id, now=FIXED_NOW) if o.date == day]


def newcomer() -> NewProvider:
    return NewProvider(Provider(None, "Dr. Lena Vogel", ProviderType.DOCTOR, "Europe/Berlin"))


# --- invites -----------------------------------------------------------------


async def test_redeeming_an_invite_links_the_telegram_account(uow):
    provider, token = await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    assert await provider_for_user(uow(), 42) is None
    linked = await redeem_invite(uow(), token, 42, now=FIXED_NOW, language="de")
    assert linked.id == provider.id and linked.telegram_user_id == 42
    found = await provider_for_user(uow(), 42)
    assert found is not None and found.id == provider.id and found.language == "de"


async def test_a_used_invite_is_refused_to_someone_else_but_not_to_its_owner(uow):
    provider, token = await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    await redeem_invite(uow(), token, 42, now=FIXED_NOW, language=None)
    with pytest.raises(InviteInvalid) as used:
        await redeem_invite(uow(), token, 43, now=FIXED_NOW, language=None)
    assert used.value.reason == "used"
    assert await provider_for_user(uow(), 43) is None
    again = await redeem_invite(uow(), token, 42, now=FIXED_NOW + timedelta(hours=1), language=None)
    assert again.id == provider.id and again.telegram_user_id == 42


async def test_an_invite_expires_at_its_expiry_instant(uow):
    provider_id, _single, _group = await register(uow)
    lifetime = timedelta(days=7)
    late = await create_invite(uow(), provider_id, now=FIXED_NOW, lifetime=lifetime)
    for moment in (FIXED_NOW + lifetime, FIXED_NOW + lifetime + timedelta(days=1)):
        with pytest.raises(InviteInvalid) as expired:
            await redeem_invite(uow(), late, 42, now=moment, language=None)
        assert expired.value.reason == "expired"
    assert await provider_for_user(uow(), 42) is None
    in_time = await create_invite(uow(), provider_id, now=FIXED_NOW, lifetime=lifetime)
    just_before = FIXED_NOW + lifetime - timedelta(seconds=1)
    linked = await redeem_invite(uow(), in_time, 42, now=just_before, language=None)
    assert linked.id == provider_id


async def test_an_unknown_token_is_refused(uow):
    await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    with pytest.raises(InviteInvalid) as unknown:
        await redeem_invite(uow(), "no-such-token", 42, now=FIXED_NOW, language=None)
    assert unknown.value.reason == "unknown"


async def test_one_telegram_account_cannot_run_two_providers(uow):
    first, token = await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    second, other_token = await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    await redeem_invite(uow(), token, 42, now=FIXED_NOW, language=None)
    with pytest.raises(NotAuthorised):
        await redeem_invite(uow(), other_token, 42, now=FIXED_NOW, language=None)
    assert (await provider_for_user(uow(), 42)).id == first.id
    # The refused invite was not used up: its rightful owner can still redeem it.
    linked = await redeem_invite(uow(), other_token, 77, now=FIXED_NOW, language=None)
    assert linked.id == second.id


async def test_only_a_hash_of_the_invite_token_is_stored(uow, engine):
    _provider, token = await invite_provider(uow(), newcomer(), now=FIXED_NOW)
    await redeem_invite(uow(), token, 42, now=FIXED_NOW, language=None)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM invites"))).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert len(rows[0].token_hash) == 64 and rows[0].token_hash != token


# --- weekly hours ----------------------------------------------------------------


async def test_weekly_hours_replace_only_the_given_days(uow):
    provider_id, single, _group = await register(uow)
    await set_weekly_hours(uow(), provider_id, [0], [(time(13), time(15)), (time(10), time(12))])
    assert await weekly(uow, provider_id) == [
        (0, time(10), time(12)),
        (0, time(13), time(15)),
        *[(day, time(9), time(17)) for day in range(1, 5)],
    ]
    assert await slots(uow, provider_id, single, MON) == half_hours(utc(MON, 9), 4) + half_hours(
        utc(MON, 12), 4
    )
    assert await slots(uow, provider_id, single, TUE) == half_hours(utc(TUE, 8), 16)


async def test_overlapping_hours_are_refused_and_nothing_changes(uow):
    provider_id, _single, _group = await register(uow)
    with pytest.raises(HoursOverlap):
        await set_weekly_hours(uow(), provider_id, [2], [(time(9), time(12)), (time(11), time(14))])
    assert await weekly(uow, provider_id) == [(day, time(9), time(17)) for day in range(5)]
    # Touching intervals do not overlap.
    await set_weekly_hours(uow(), provider_id, [2], [(time(9), time(12)), (time(12), time(14))])


async def test_sunday_night_hours_overlap_monday_morning_across_the_week_boundary(uow):
    provider_id, _single, _group = await register(uow)
    await set_weekly_hours(uow(), provider_id, [0], [(time(1), time(5))])
    with pytest.raises(HoursOverlap):
        await set_weekly_hours(uow(), provider_id, [6], [(time(22), time(2))])
    assert (6, time(22), time(2)) not in await weekly(uow, provider_id)
    # The other way round: Sunday night first, then Monday morning.
    await set_weekly_hours(uow(), provider_id, [0], [(time(9), time(17))])
    await set_weekly_hours(uow(), provider_id, [6], [(time(22), time(2))])
    with pytest.raises(HoursOverlap):
        await set_weekly_hours(uow(), provider_id, [0], [(time(1), time(5))])
    await set_weekly_hours(uow(), provider_id, [0], [(time(2), time(5))])  # touching: fine
    assert (0, time(2), time(5)) in await weekly(uow, provider_id)


async def test_days_without_intervals_become_days_off(uow):
    provider_id, single, _group = await register(uow)
    await set_weekly_hours(uow(), provider_id, [1, 2], [])
    assert await weekly(uow, provider_id) == [(day, time(9), time(17)) for day in (0, 3, 4)]
    assert await slots(uow, provider_id, single, TUE) == []
    assert await slots(uow, provider_id, single, WED) == []
    assert len(await slots(uow, provider_id, single, MON)) == 16


async def test_slots_follow_new_overnight_hours(uow):
    provider_id, single, _group = await register(uow)
    assert await slots(uow, provider_id, single, SUN) == []
    await set_weekly_hours(uow(), provider_id, [6], [(time(22), time(2))])
    # Sunday 22:00 Berlin to Monday 02:00 Berlin: 21:00 to 01:00 UTC.
    assert await slots(uow, provider_id, single, SUN) == half_hours(utc(SUN, 21), 8)


# --- blocks and special hours ------------------------------------------------------


async def _booked_tuesday(uow):
    provider_id, single, group = await register(uow)
    client = await new_client(uow, 1, "Anna")
    morning = await book(uow, provider_id, single, client, TUE_1000)
    afternoon = await book(uow, provider_id, single, client, TUE_1400)
    return provider_id, single, group, morning, afternoon


async def test_a_block_reports_the_appointments_it_falls_on(uow):
    provider_id, _single, _group, morning, afternoon = await _booked_tuesday(uow)

    async def hit(spec: BlockSpec) -> list[int]:
        items = await appointments_hit_by_block(uow(), provider_id, spec, now=FIXED_NOW)
        return [item.appointment.id for item in items]

    assert await hit(BlockSpec(TUE, TUE)) == [morning.id, afternoon.id]
    assert await hit(BlockSpec(MON, WED)) == [morning.id, afternoon.id]
    assert await hit(BlockSpec(TUE, TUE, time(9, 45), time(10, 15))) == [morning.id]
    assert await hit(BlockSpec(TUE, TUE, time(10, 30), time(12))) == []  # touches its end
    assert await hit(BlockSpec(WED, WED)) == []
    items = await appointments_hit_by_block(uow(), provider_id, BlockSpec(TUE, TUE), now=FIXED_NOW)
    assert items[0].client.name == "Anna" and items[0].appt_type.name == "Consultation"


async def test_a_block_can_cancel_what_it_falls_on(uow):
    provider_id, _single, _group, morning, afternoon = await _booked_tuesday(uow)
    spec = BlockSpec(TUE, TUE, time(9), time(12))
    cancelled = await add_block(
        uow(), provider_id, spec, cancel_hit=True, reason="Boiler broken", now=FIXED_NOW
    )
    assert [item.appointment.id for item in cancelled] == [morning.id]
    stored = await load(uow, morning.id)
    assert stored.status is AppointmentStatus.CANCELLED
    assert stored.cancelled_by is CancelledBy.PROVIDER
    assert stored.cancel_reason == "Boiler broken"
    assert stored.cancelled_at == FIXED_NOW
    assert (await load(uow, afternoon.id)).status is AppointmentStatus.CONFIRMED


async def test_a_block_can_keep_what_it_falls_on_yet_the_day_offers_nothing(uow):
    provider_id, single, group, morning, afternoon = await _booked_tuesday(uow)
    cancelled = await add_block(
        uow(), provider_id, BlockSpec(TUE, TUE), cancel_hit=False, reason=None, now=FIXED_NOW
    )
    assert cancelled == []
    for appointment in (morning, afternoon):
        assert (await load(uow, appointment.id)).status is AppointmentStatus.CONFIRMED
    assert await slots(uow, provider_id, single, TUE) == []
    assert await slots(uow, provider_id, group, TUE) == []
    assert len(await slots(uow, provider_id, single, WED)) == 16


async def test_a_window_block_removes_only_its_slots(uow):
    provider_id, single, _group = await register(uow)
    await add_block(
        uow(), provider_id, BlockSpec(MON, MON, time(12), time(14)),
        cancel_hit=True, reason=None, now=FIXED_NOW,
    )
    offered = await slots(uow, provider_id, single, MON)
    assert offered == half_hours(utc(MON, 8), 6) + half_hours(utc(MON, 13), 6)


async def test_a_date_range_block_makes_one_override_per_day(uow):
    provider_id, single, _group = await register(uow)
    first, last = date(2026, 12, 7), date(2026, 12, 9)
    await add_block(
        uow(), provider_id, BlockSpec(first, last), cancel_hit=False, reason=None, now=FIXED_NOW
    )
    blocks = [o for o in await future_overrides(uow(), provider_id, now=FIXED_NOW)
              if o.date != date(2026, 12, 24)]
    assert [(o.date, o.kind, o.start, o.end) for o in blocks] == [
        (first + timedelta(days=n), OverrideKind.UNAVAILABLE, None, None) for n in range(3)
    ]
    for n in range(3):
        assert await slots(uow, provider_id, single, first + timedelta(days=n)) == []
    assert len(await slots(uow, provider_id, single, date(2026, 12, 10))) == 16


async def test_removing_a_block_brings_the_slots_back_but_only_for_its_owner(uow):
    provider_id, single, _group = await register(uow)
    other_id, _other_single, _other_group = await register(uow)
    for owner in (provider_id, other_id):
        await add_block(
            uow(), owner, BlockSpec(TUE, TUE), cancel_hit=False, reason=None, now=FIXED_NOW
        )
    (mine,) = await overrides_on(uow, provider_id, TUE)
    (theirs,) = await overrides_on(uow, other_id, TUE)

    assert await remove_override(uow(), provider_id, theirs.id) is None
    assert theirs in await future_overrides(uow(), other_id, now=FIXED_NOW)

    removed = await remove_override(uow(), provider_id, mine.id)
    assert removed is not None and removed.id == mine.id and removed.date == TUE
    assert mine not in await future_overrides(uow(), provider_id, now=FIXED_NOW)
    assert await slots(uow, provider_id, single, TUE) == half_hours(utc(TUE, 8), 16)
    assert await remove_override(uow(), provider_id, mine.id) is None


async def test_future_overrides_start_at_the_providers_local_today(uow):
    provider_id, _single, _group = await register(uow)
    for day in (date(2026, 11, 20), date(2026, 11, 25), date(2026, 11, 26)):
        await add_block(uow(), provider_id, BlockSpec(day, day), cancel_hit=False, reason=None,
                        now=FIXED_NOW)
    at_noon = await future_overrides(uow(), provider_id, now=FIXED_NOW)
    assert [o.date for o in at_noon] == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 12, 24)]
    # 23:30 UTC on the 25th is already the 26th in Berlin.
    late_evening = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    later = await future_overrides(uow(), provider_id, now=late_evening)
    assert [o.date for o in later] == [date(2026, 11, 26), date(2026, 12, 24)]


async def test_special_hours_replace_the_day_and_a_second_call_replaces_the_first(uow):
    provider_id, single, _group = await register(uow)
    assert await slots(uow, provider_id, single, SAT) == []
    await set_special_hours(uow(), provider_id, SAT, [(time(10), time(12))])
    assert await slots(uow, provider_id, single, SAT) == half_hours(utc(SAT, 9), 4)
    await set_special_hours(uow(), provider_id, SAT, [(time(14), time(15))])
    assert await slots(uow, provider_id, single, SAT) == half_hours(utc(SAT, 13), 2)
    special = await overrides_on(uow, provider_id, SAT)
    assert [(o.kind, o.start, o.end) for o in special] == [
        (OverrideKind.SPECIAL_HOURS, time(14), time(15))
    ]
    # On a working day they replace the weekly hours too.
    await set_special_hours(uow(), provider_id, MON, [(time(12), time(13))])
    assert await slots(uow, provider_id, single, MON) == half_hours(utc(MON, 11), 2)
    assert len(await slots(uow, provider_id, single, TUE)) == 16


# --- agenda --------------------------------------------------------------------------


async def test_the_agenda_lists_the_days_appointments_in_order_with_client_and_type(uow):
    provider_id, single, group = await register(uow)
    other_id, other_single, _other_group = await register(uow)
    anna, ben = await new_client(uow, 1, "Anna"), await new_client(uow, 2, "Ben")
    late = await book(uow, provider_id, single, ben, MON_1400)
    early = await book(uow, provider_id, single, anna, MON_0900)
    dropped = await book(uow, provider_id, group, anna, utc(MON, 10))
    await cancel_appointment(uow(), dropped.id, now=FIXED_NOW, client_id=anna)
    tuesday = await book(uow, provider_id, single, ben, TUE_1000)
    await book(uow, other_id, other_single, anna, utc(MON, 9))
    # 23:30 UTC on Monday is 00:30 on Tuesday in Berlin: a Tuesday appointment.
    async with uow() as unit:
        night = await unit.appointments.add(Appointment(
            None, provider_id, anna, single, utc(MON, 23, 30), utc(TUE, 0),
            AppointmentStatus.CONFIRMED, created_at=FIXED_NOW,
        ))
        await unit.commit()

    monday = await agenda(uow(), provider_id, MON, MON)
    rows = [
        (i.appointment.id, i.client.name, i.appt_type.name, i.appointment.status) for i in monday
    ]
    assert rows == [
        (early.id, "Anna", "Consultation", AppointmentStatus.CONFIRMED),
        (dropped.id, "Anna", "Group", AppointmentStatus.CANCELLED),
        (late.id, "Ben", "Consultation", AppointmentStatus.CONFIRMED),
    ]
    both = await agenda(uow(), provider_id, MON, TUE)
    assert [i.appointment.id for i in both] == [early.id, dropped.id, late.id, night.id, tuesday.id]
    assert await agenda(uow(), provider_id, WED, WED) == []


async def test_another_providers_appointment_is_not_in_ones_agenda(uow):
    provider_id, single, _group = await register(uow)
    other_id, other_single, _other_group = await register(uow)
    anna = await new_client(uow, 1, "Anna")
    mine = await book(uow, provider_id, single, anna, MON_0900)
    theirs = await book(uow, other_id, other_single, anna, MON_0900)
    item = await agenda_item(uow(), provider_id, mine.id)
    assert item.appointment.id == mine.id and item.client.name == "Anna"
    with pytest.raises(NotFound):
        await agenda_item(uow(), provider_id, theirs.id)
    with pytest.raises(NotFound):
        await agenda_item(uow(), provider_id, 999_999)


# --- provider-scoped status changes ------------------------------------------------


async def _pending_pair(uow):
    provider_id, single, _group = await register(uow, berlin_doctor(auto_confirm=False))
    other_id, _s, _g = await register(uow)
    anna = await new_client(uow, 1, "Anna")
    first = await book(uow, provider_id, single, anna, MON_0900)
    second = await book(uow, provider_id, single, anna, MON_1400)
    assert first.status is second.status is AppointmentStatus.PENDING
    return provider_id, other_id, first, second


async def test_another_provider_cannot_change_an_appointment(uow):
    provider_id, other_id, first, _second = await _pending_pair(uow)
    started = MON_0900 + timedelta(minutes=10)
    attempts = [
        lambda: confirm_appointment(uow(), first.id, now=FIXED_NOW, provider_id=other_id),
        lambda: decline_appointment(uow(), first.id, now=FIXED_NOW, provider_id=other_id),
        lambda: cancel_appointment(
            uow(), first.id, now=FIXED_NOW, by=CancelledBy.PROVIDER, provider_id=other_id
        ),
        lambda: complete_appointment(uow(), first.id, now=started, provider_id=other_id),
        lambda: mark_no_show(uow(), first.id, now=started, provider_id=other_id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt()
        assert await load(uow, first.id) == first


async def test_the_right_provider_changes_its_appointments(uow):
    provider_id, _other_id, first, second = await _pending_pair(uow)
    confirmed = await confirm_appointment(uow(), first.id, now=FIXED_NOW, provider_id=provider_id)
    assert confirmed.status is AppointmentStatus.CONFIRMED
    declined = await decline_appointment(uow(), second.id, now=FIXED_NOW, reason="Full",
                                         provider_id=provider_id)
    assert declined.status is AppointmentStatus.CANCELLED
    assert declined.cancelled_by is CancelledBy.PROVIDER
    started = MON_0900 + timedelta(minutes=10)
    completed = await complete_appointment(uow(), first.id, now=started, provider_id=provider_id)
    assert (await load(uow, first.id)).status is completed.status is AppointmentStatus.COMPLETED
    assert (await load(uow, second.id)).status is AppointmentStatus.CANCELLED


async def test_the_right_provider_cancels_and_marks_no_shows(uow):
    provider_id, _other_id, first, second = await _pending_pair(uow)
    cancelled = await cancel_appointment(
        uow(), second.id, now=FIXED_NOW, by=CancelledBy.PROVIDER, reason="Ill",
        provider_id=provider_id,
    )
    assert cancelled.status is AppointmentStatus.CANCELLED
    stored = await load(uow, second.id)
    assert stored.cancelled_by is CancelledBy.PROVIDER and stored.cancel_reason == "Ill"
    started = MON_0900 + timedelta(minutes=10)
    await mark_no_show(uow(), first.id, now=started, provider_id=provider_id)
    assert (await load(uow, first.id)).status is AppointmentStatus.NO_SHOW
