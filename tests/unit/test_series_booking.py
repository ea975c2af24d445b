"""Booking and cancelling a series (issue #14) on the in-memory fake: core/series_booking.

The practice: Mon-Fri 09:00-17:00 Berlin, a 60-minute session that clients may book
as a series, 2 h minimum notice. The series: Mondays 10:00 Berlin (09:00Z, winter)
from 30 November 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.booking import book_appointment
from core.clients import get_or_create_client
from core.errors import (
    BookingLimitReached,
    ClientBlocked,
    InvalidTransition,
    LateCancellationRefused,
    NotFound,
    SlotNoLongerAvailable,
)
from core.model import (
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    LateCancelPolicy,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    SeriesBookedBy,
    WeeklyInterval,
)
from core.providers import register_provider
from core.series import OccurrenceState, SeriesRequest
from core.series_booking import (
    SKIPPED,
    SeriesChanged,
    SeriesNotAllowed,
    book_series,
    cancel_series_from,
    plan_for_booking,
)
from core.waitlist import join_waitlist
from tests.unit.fakes import FakeUnitOfWorkFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAYS = [datetime(2026, 11, 30, 9, tzinfo=UTC) + timedelta(weeks=n) for n in range(6)]
HOUR = timedelta(hours=1)


def practice(**settings: object) -> NewProvider:
    defaults: dict[str, object] = {"min_notice_hours": 2, "max_advance_days": 90}
    return NewProvider(
        provider=Provider(
            None, "Dr. Series", ProviderType.THERAPIST, "Europe/Berlin",
            settings=ProviderSettings(**{**defaults, **settings}),  # type: ignore[arg-type]
        ),
        weekly=tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
        overrides=(ScheduleOverride(date(2026, 12, 21), OverrideKind.UNAVAILABLE),),
        appointment_types=(
            AppointmentType(None, None, "Session", 60, allow_series=True, max_series_occurrences=6),
            AppointmentType(None, None, "Single only", 60),
        ),
    )


class Practice:
    def __init__(self, make_uow: FakeUnitOfWorkFactory) -> None:
        self.make_uow = make_uow

    async def setup(self, new: NewProvider) -> Practice:
        provider, types = await register_provider(self.make_uow(), new)
        self.provider_id, self.session, self.single_only = provider.id, types[0].id, types[1].id
        return self

    async def client(self, telegram_id: int) -> int:
        return (await get_or_create_client(self.make_uow(), telegram_id)).id

    async def book_series(self, client_id, count=4, *, first=MONDAYS[0], type_id=None,
                          by=SeriesBookedBy.CLIENT, now=NOW, chosen=None, every=1):
        return await book_series(
            self.make_uow(), provider_id=self.provider_id, type_id=type_id or self.session,
            client_id=client_id, request=SeriesRequest(first, every, count=count),
            now=now, by=by, chosen=chosen,
        )

    async def book_one(self, client_id, start, *, type_id=None, now=NOW):
        return await book_appointment(
            self.make_uow(), provider_id=self.provider_id, type_id=type_id or self.session,
            client_id=client_id, start=start, now=now,
        )

    def stored(self, client_id=None):
        return [
            a for a in self.make_uow.store.committed_appointments()
            if client_id is None or a.client_id == client_id
        ]

    def active_starts(self, client_id):
        return sorted(a.start for a in self.stored(client_id) if a.is_active)

    def series_count(self) -> int:
        return len(self.make_uow.store.state.series)

    def edit_provider(self, **changes) -> None:
        state = self.make_uow.store.state
        state.providers[self.provider_id] = replace(state.providers[self.provider_id], **changes)

    def edit_type(self, type_id, **changes) -> None:
        state = self.make_uow.store.state
        state.types[type_id] = replace(state.types[type_id], **changes)


@pytest.fixture
def make_uow() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
async def clinic(make_uow) -> Practice:
    return await Practice(make_uow).setup(practice())


async def practice_with(make_uow, **settings) -> Practice:
    return await Practice(make_uow).setup(practice(**settings))


# --- the command line's way: every offered one, the others skipped with why ---------------


async def test_books_every_offered_occurrence_and_skips_the_others_with_their_reasons(clinic):
    other, client = await clinic.client(1), await clinic.client(2)
    await clinic.book_one(other, MONDAYS[1])  # week 2 taken; week 4 (21 Dec) is a day off

    outcome = await clinic.book_series(client, 4)

    assert outcome.created
    assert [a.start for a in outcome.appointments] == [MONDAYS[0], MONDAYS[2]]
    assert all(a.series_id == outcome.series.id for a in outcome.appointments)
    assert [(s.start, s.reason, s.local_date) for s in outcome.skipped] == [
        (MONDAYS[1], OccurrenceState.TAKEN.value, date(2026, 12, 7)),
        (MONDAYS[3], OccurrenceState.DAY_OFF.value, date(2026, 12, 21)),
    ]
    assert clinic.active_starts(client) == [MONDAYS[0], MONDAYS[2]]
    assert {a.status for a in clinic.stored(client)} == {AppointmentStatus.CONFIRMED}


async def test_nothing_offered_books_nothing_and_stores_no_series(clinic):
    other, client = await clinic.client(1), await clinic.client(2)
    for monday in MONDAYS[:2]:
        await clinic.book_one(other, monday)

    outcome = await clinic.book_series(client, 2)

    assert outcome.series is None and outcome.appointments == () and not outcome.created
    assert [s.reason for s in outcome.skipped] == ["TAKEN", "TAKEN"]
    assert clinic.stored(client) == [] and clinic.series_count() == 0


async def test_without_auto_confirm_every_occurrence_is_pending(make_uow):
    clinic = await practice_with(make_uow, auto_confirm=False)
    outcome = await clinic.book_series(await clinic.client(1), 3)
    assert [a.status for a in outcome.appointments] == [AppointmentStatus.PENDING] * 3


# --- the chat's way: exactly what was confirmed, or nothing ------------------------------


async def test_chosen_starts_are_booked_exactly_with_a_swap_and_a_skip(clinic):
    other, client = await clinic.client(1), await clinic.client(2)
    await clinic.book_one(other, MONDAYS[1])
    swapped = MONDAYS[1] + 3 * HOUR  # 13:00 that Monday instead of the taken 10:00

    outcome = await clinic.book_series(
        client, 3, chosen=[MONDAYS[0], swapped, None],
    )

    assert [a.start for a in outcome.appointments] == [MONDAYS[0], swapped]
    assert [(s.start, s.reason) for s in outcome.skipped] == [(MONDAYS[2], SKIPPED)]
    assert clinic.active_starts(client) == [MONDAYS[0], swapped]


async def test_a_chosen_start_taken_since_the_preview_books_nothing_and_gives_a_fresh_plan(clinic):
    other, client = await clinic.client(1), await clinic.client(2)
    request = SeriesRequest(MONDAYS[0], 1, count=3)
    preview = await plan_for_booking(
        clinic.make_uow(), provider_id=clinic.provider_id, type_id=clinic.session,
        request=request, now=NOW,
    )
    assert [o.state for o in preview.occurrences] == [OccurrenceState.FREE] * 3
    await clinic.book_one(other, MONDAYS[2])  # week 3 taken since the preview

    with pytest.raises(SeriesChanged) as refused:
        await clinic.book_series(client, 3, chosen=[o.start for o in preview.occurrences])

    assert [o.state for o in refused.value.plan] == [
        OccurrenceState.FREE, OccurrenceState.FREE, OccurrenceState.TAKEN,
    ]
    assert clinic.stored(client) == [] and clinic.series_count() == 0


async def test_two_chosen_starts_that_overlap_each_other_are_refused(clinic):
    client = await clinic.client(2)
    with pytest.raises(SeriesChanged):
        await clinic.book_series(
            client, 2, chosen=[MONDAYS[0], MONDAYS[0] + timedelta(minutes=30)]
        )
    assert clinic.stored(client) == []


async def test_a_chosen_start_off_the_slot_grid_is_refused(clinic):
    client = await clinic.client(2)
    with pytest.raises(SeriesChanged):
        await clinic.book_series(client, 2, chosen=[MONDAYS[0], MONDAYS[1] + timedelta(minutes=7)])
    assert clinic.stored(client) == []


async def test_a_chosen_start_on_another_date_than_its_occurrence_is_refused(clinic):
    """What the preview offers for an occurrence is a time on its date (swap_options):
    a start of another date was never offered for it."""
    client = await clinic.client(2)
    tuesday = MONDAYS[1] + timedelta(days=1)
    with pytest.raises(SeriesChanged):
        await clinic.book_series(client, 2, chosen=[MONDAYS[0], tuesday])
    assert clinic.stored(client) == []


# --- idempotency ------------------------------------------------------------------------


async def test_the_same_request_again_returns_the_same_series_and_books_nothing_new(clinic):
    client = await clinic.client(2)
    first = await clinic.book_series(client, 4)
    stored = clinic.stored()

    again = await clinic.book_series(client, 4, now=NOW + HOUR)

    assert not again.created
    assert again.series.id == first.series.id
    assert [a.id for a in again.appointments] == [a.id for a in first.appointments]
    assert again.skipped == first.skipped
    assert clinic.stored() == stored and clinic.series_count() == 1


async def test_the_same_request_with_chosen_starts_again_returns_the_same_series(clinic):
    client = await clinic.client(2)
    chosen = [MONDAYS[0], None, MONDAYS[2]]
    first = await clinic.book_series(client, 3, chosen=chosen)
    again = await clinic.book_series(client, 3, chosen=chosen)
    assert (again.series.id, again.created) == (first.series.id, False)
    assert len(clinic.stored(client)) == 2


async def test_a_different_request_is_a_new_series(clinic):
    client = await clinic.client(2)
    first = await clinic.book_series(client, 2)
    longer = await clinic.book_series(client, 3)  # weeks 1-2 are its own already
    assert longer.created and longer.series.id != first.series.id
    assert [a.start for a in longer.appointments] == [MONDAYS[2]]
    assert [s.reason for s in longer.skipped] == ["TAKEN", "TAKEN"]


async def test_after_every_occurrence_is_cancelled_the_same_request_books_anew(clinic):
    client = await clinic.client(2)
    first = await clinic.book_series(client, 3)
    await cancel_series_from(clinic.make_uow(), first.appointments[0].id, now=NOW)

    again = await clinic.book_series(client, 3)

    assert again.created and again.series.id != first.series.id
    assert [a.start for a in again.appointments] == MONDAYS[:3]
    assert len(clinic.active_starts(client)) == 3 and clinic.series_count() == 2


async def test_with_some_occurrences_left_the_same_request_returns_what_is_left(clinic):
    client = await clinic.client(2)
    first = await clinic.book_series(client, 3)
    await cancel_series_from(clinic.make_uow(), first.appointments[1].id, now=NOW)
    again = await clinic.book_series(client, 3)
    assert (again.series.id, again.created) == (first.series.id, False)
    assert [a.start for a in again.appointments] == [MONDAYS[0]]


# --- who may book -----------------------------------------------------------------------


async def test_the_booking_cap_counts_every_occurrence_of_the_series(make_uow):
    clinic = await practice_with(make_uow, max_active_bookings_per_client=4)
    client = await clinic.client(2)
    await clinic.book_one(client, MONDAYS[0] + timedelta(days=1))

    with pytest.raises(BookingLimitReached):
        await clinic.book_series(client, 5)  # four to book (21 Dec is off): 1 + 4 > 4
    assert len(clinic.stored(client)) == 1 and clinic.series_count() == 0

    await clinic.book_series(client, 4)  # three to book: 1 + 3 = 4, at the cap
    with pytest.raises(BookingLimitReached):
        await clinic.book_one(client, MONDAYS[0] + timedelta(days=2))


async def test_the_cap_counts_only_the_occurrences_that_would_be_booked(make_uow):
    clinic = await practice_with(make_uow, max_active_bookings_per_client=2)
    other, client = await clinic.client(1), await clinic.client(2)
    await clinic.book_one(other, MONDAYS[1])
    outcome = await clinic.book_series(client, 3)  # week 2 taken: two to book
    assert len(outcome.appointments) == 2


async def test_the_cap_applies_to_the_command_line_too(make_uow):
    clinic = await practice_with(make_uow, max_active_bookings_per_client=2)
    with pytest.raises(BookingLimitReached):
        await clinic.book_series(await clinic.client(2), 3, by=SeriesBookedBy.SYSTEM)


async def test_the_cap_does_not_bind_the_provider_booking_for_a_client(make_uow):
    clinic = await practice_with(make_uow, max_active_bookings_per_client=2)
    client = await clinic.client(2)
    outcome = await clinic.book_series(client, 5, by=SeriesBookedBy.PROVIDER)
    assert len(outcome.appointments) == 4  # 21 Dec is a day off
    assert len(clinic.active_starts(client)) == 4


async def test_a_blocked_client_is_refused(clinic):
    client = await clinic.client(2)
    async with clinic.make_uow() as uow:
        await uow.begin_write(clinic.provider_id)
        await uow.providers.set_client_blocked(clinic.provider_id, client, True)
        await uow.commit()
    with pytest.raises(ClientBlocked):
        await clinic.book_series(client, 3)
    assert clinic.stored(client) == [] and clinic.series_count() == 0


async def test_a_client_may_not_book_a_type_without_series(clinic):
    client = await clinic.client(2)
    with pytest.raises(SeriesNotAllowed):
        await clinic.book_series(client, 3, type_id=clinic.single_only)
    assert clinic.stored(client) == []


@pytest.mark.parametrize("by", [SeriesBookedBy.PROVIDER, SeriesBookedBy.SYSTEM])
async def test_the_provider_and_the_command_line_may_book_a_type_without_series(clinic, by):
    outcome = await clinic.book_series(await clinic.client(2), 3, type_id=clinic.single_only, by=by)
    assert len(outcome.appointments) == 3


async def test_an_inactive_type_is_refused(clinic):
    clinic.edit_type(clinic.session, is_active=False)
    client = await clinic.client(2)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book_series(client, 3, by=SeriesBookedBy.PROVIDER)
    assert clinic.stored(client) == [] and clinic.series_count() == 0


async def test_an_inactive_provider_is_refused(clinic):
    clinic.edit_provider(is_active=False)
    client = await clinic.client(2)
    with pytest.raises(SlotNoLongerAvailable):
        await clinic.book_series(client, 3)
    assert clinic.stored(client) == [] and clinic.series_count() == 0


async def test_an_unknown_client_is_not_found(clinic):
    with pytest.raises(NotFound):
        await clinic.book_series(999, 3)


async def test_more_occurrences_than_the_type_allows_are_refused(clinic):
    from core.series import InvalidSeries

    with pytest.raises(InvalidSeries):
        await clinic.book_series(await clinic.client(2), 7, by=SeriesBookedBy.PROVIDER)


# --- the waitlist ---------------------------------------------------------------------------


async def wait_for(clinic: Practice, client_id: int, day: date, type_id=None):
    entry, _ = await join_waitlist(
        clinic.make_uow(), client_id=client_id, provider_id=clinic.provider_id,
        type_id=type_id or clinic.session, day=day, zone_name="Europe/Berlin", now=NOW,
    )
    return entry


async def test_the_clients_waitlist_entries_for_booked_dates_are_removed(clinic):
    other, client = await clinic.client(1), await clinic.client(2)
    await clinic.book_one(other, MONDAYS[1])
    booked_day, taken_day, free_day = date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 1)
    for day in (booked_day, taken_day, free_day):
        await wait_for(clinic, client, day)
    others_entry = await wait_for(clinic, other, booked_day)

    await clinic.book_series(client, 2)  # books 30 Nov, skips the taken 7 Dec

    waiting = clinic.make_uow.store.state.waitlist.values()
    assert sorted(e.date for e in waiting if e.client_id == client) == [free_day, taken_day]
    assert others_entry.id in clinic.make_uow.store.state.waitlist


# --- cancelling from an occurrence on -----------------------------------------------------


async def test_cancel_from_an_occurrence_cancels_it_and_the_later_ones_only(clinic):
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 4, by=SeriesBookedBy.PROVIDER)).appointments
    assert len(booked) == 3  # 21 Dec is a day off

    cancelled = await cancel_series_from(clinic.make_uow(), booked[1].id, now=NOW, reason="moving")

    assert [a.id for a in cancelled] == [a.id for a in booked[1:]]
    assert all(
        a.status is AppointmentStatus.CANCELLED and a.cancel_reason == "moving" for a in cancelled
    )
    assert clinic.active_starts(client) == [booked[0].start]


async def test_cancel_from_skips_occurrences_that_have_started(clinic):
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 3)).appointments
    later = booked[0].start + timedelta(minutes=30)  # the first one is under way
    cancelled = await cancel_series_from(
        clinic.make_uow(), booked[1].id, now=later, from_start=booked[0].start
    )
    assert [a.id for a in cancelled] == [a.id for a in booked[1:]]
    assert clinic.active_starts(client) == [booked[0].start]


async def test_each_occurrence_is_flagged_late_on_its_own(clinic):
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 3)).appointments
    an_hour_before = booked[0].start - HOUR  # inside the 2 h notice of the first only

    cancelled = await cancel_series_from(clinic.make_uow(), booked[0].id, now=an_hour_before)

    assert [a.late_cancel for a in cancelled] == [True, False, False]
    stored = {a.id: a.late_cancel for a in clinic.stored(client)}
    assert [stored[a.id] for a in booked] == [True, False, False]


async def test_a_refuse_policy_refuses_a_late_client_and_cancels_nothing(make_uow):
    clinic = await practice_with(make_uow, late_cancel_policy=LateCancelPolicy.REFUSE)
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 3)).appointments
    an_hour_before = booked[0].start - HOUR

    with pytest.raises(LateCancellationRefused):
        await cancel_series_from(
            clinic.make_uow(), booked[0].id, now=an_hour_before, client_id=client
        )
    assert len(clinic.active_starts(client)) == 3

    cancelled = await cancel_series_from(
        clinic.make_uow(), booked[0].id, now=an_hour_before, by=CancelledBy.PROVIDER,
        provider_id=clinic.provider_id,
    )
    assert len(cancelled) == 3 and cancelled[0].late_cancel


async def test_a_refuse_policy_lets_a_client_cancel_the_later_ones_in_time(make_uow):
    clinic = await practice_with(make_uow, late_cancel_policy=LateCancelPolicy.REFUSE)
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 3)).appointments
    cancelled = await cancel_series_from(
        clinic.make_uow(), booked[1].id, now=booked[0].start - HOUR, client_id=client
    )
    assert [a.late_cancel for a in cancelled] == [False, False]


async def test_a_foreign_client_or_provider_gets_not_found(clinic):
    owner, stranger = await clinic.client(2), await clinic.client(3)
    booked = (await clinic.book_series(owner, 3)).appointments
    for who in ({"client_id": stranger}, {"provider_id": clinic.provider_id + 1}):
        with pytest.raises(NotFound):
            await cancel_series_from(clinic.make_uow(), booked[0].id, now=NOW, **who)
    with pytest.raises(NotFound):
        await cancel_series_from(clinic.make_uow(), 9999, now=NOW)
    assert len(clinic.active_starts(owner)) == 3


async def test_an_appointment_outside_any_series_is_refused(clinic):
    client = await clinic.client(2)
    single = await clinic.book_one(client, MONDAYS[0])
    with pytest.raises(InvalidTransition):
        await cancel_series_from(clinic.make_uow(), single.id, now=NOW, client_id=client)
    assert clinic.active_starts(client) == [MONDAYS[0]]


async def test_nothing_left_to_cancel_is_refused(clinic):
    client = await clinic.client(2)
    booked = (await clinic.book_series(client, 2)).appointments
    await cancel_series_from(clinic.make_uow(), booked[0].id, now=NOW)
    with pytest.raises(InvalidTransition):
        await cancel_series_from(clinic.make_uow(), booked[0].id, now=NOW)


async def test_freed_times_are_offered_to_the_waitlist(clinic):
    client, waiting = await clinic.client(2), await clinic.client(3)
    booked = (await clinic.book_series(client, 3)).appointments
    # Fill the rest of the second Monday, so the freed hour is the only one offered.
    for hour in (9, 11, 12, 13, 14, 15, 16):
        neighbour = await clinic.client(100 + hour)
        await clinic.book_one(neighbour, datetime(2026, 12, 7, hour - 1, tzinfo=UTC))
    await wait_for(clinic, waiting, date(2026, 12, 7))

    await cancel_series_from(clinic.make_uow(), booked[1].id, now=NOW)

    async with clinic.make_uow() as uow:
        offers = await uow.waitlist.open_offers(clinic.provider_id)
    assert [(o.client_id, o.start) for o in offers] == [(waiting, booked[1].start)]


async def test_a_swap_into_the_overnight_tail_of_the_occurrences_date_is_booked(make_uow):
    """Friday 22:00-02:00: 01:00 on Saturday is a slot of Friday, as swap_options lists it."""
    night = replace(practice(), weekly=(WeeklyInterval(4, time(22), time(2)),), overrides=())
    clinic = await Practice(make_uow).setup(night)
    friday_22 = datetime(2026, 11, 27, 21, tzinfo=UTC)
    saturday_1 = friday_22 + timedelta(weeks=1, hours=3)

    outcome = await clinic.book_series(
        await clinic.client(2), 2, first=friday_22, chosen=[friday_22, saturday_1]
    )

    assert [a.start for a in outcome.appointments] == [friday_22, saturday_1]
