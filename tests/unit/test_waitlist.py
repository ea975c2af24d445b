"""Waitlist rules on the in-memory unit of work: joining, offers, claims, expiry, cascades."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.agenda import set_client_blocked
from core.booking import book_appointment, cancel_appointment, decline_appointment, reschedule_appointment
from core.clients import get_or_create_client
from core.errors import ClientBlocked, NotFound
from core.model import (
    AppointmentType,
    NewProvider,
    OfferStatus,
    Provider,
    ProviderSettings,
    ProviderType,
    WeeklyInterval,
)
from core.providers import register_provider
from core.waitlist import (
    MAX_ENTRIES_PER_CLIENT,
    WaitlistDateClosed,
    WaitlistLimitReached,
    join_waitlist,
    leave_waitlist,
    waitlist_of_client,
)
from core.waitlist_claims import OfferClosed, claim_offer, tidy_waitlist
from tests.unit.fakes import FakeUnitOfWorkFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday
TUESDAY = date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


class Clinic:
    """Tuesdays 09:00-12:00 in Berlin, 60-minute visits, 2 h notice: three slots a Tuesday."""

    def __init__(self, make_uow: FakeUnitOfWorkFactory) -> None:
        self.make_uow = make_uow

    async def setup(self, *, notice: int = 2, auto_confirm: bool = True) -> Clinic:
        provider, (visit,) = await register_provider(
            self.make_uow(),
            NewProvider(
                provider=Provider(
                    id=None, name="Dr Wait", type=ProviderType.DOCTOR, timezone="Europe/Berlin",
                    settings=ProviderSettings(
                        max_advance_days=60, min_notice_hours=notice, auto_confirm=auto_confirm
                    ),
                ),
                weekly=(WeeklyInterval(1, time(9), time(12)),),
                appointment_types=(AppointmentType(None, None, "Visit", 60),),
            ),
        )
        self.provider_id, self.visit = provider.id, visit.id
        return self

    async def client(self, telegram_id: int) -> int:
        return (await get_or_create_client(self.make_uow(), telegram_id)).id

    async def book(self, client_id: int, start: datetime, now: datetime = NOW):
        return await book_appointment(
            self.make_uow(), provider_id=self.provider_id, type_id=self.visit,
            client_id=client_id, start=start, now=now,
        )

    async def fill_tuesday(self) -> list:
        return [await self.book(await self.client(100 + h), at(TUESDAY, h)) for h in (9, 10, 11)]

    async def join(self, client_id: int, day: date = TUESDAY, now: datetime = NOW, zone: str = "Europe/Berlin"):
        entry, _ = await join_waitlist(
            self.make_uow(), client_id=client_id, provider_id=self.provider_id,
            type_id=self.visit, day=day, zone_name=zone, now=now,
        )
        return entry

    async def offers(self) -> list:
        async with self.make_uow() as uow:
            return sorted(uow.store.state.offers.values(), key=lambda o: o.id)

    async def open_offers(self) -> list:
        return [o for o in await self.offers() if o.status is OfferStatus.OPEN]

    async def claim(self, offer, now: datetime):
        return await claim_offer(self.make_uow(), offer_id=offer.id, client_id=offer.client_id, now=now)


@pytest.fixture
async def clinic() -> Clinic:
    return await Clinic(FakeUnitOfWorkFactory()).setup()


async def waiting_five(clinic: Clinic) -> list[int]:
    booked = await clinic.fill_tuesday()
    waiting = []
    for n in range(5):
        client = await clinic.client(200 + n)
        await clinic.join(client, now=NOW + timedelta(minutes=n))  # joined in this order
        waiting.append(client)
    return booked, waiting


async def test_a_cancellation_offers_the_slot_to_the_first_three_in_order(clinic):
    booked, waiting = await waiting_five(clinic)
    later = NOW + timedelta(hours=1)
    await cancel_appointment(clinic.make_uow(), booked[1].id, now=later)
    offers = await clinic.open_offers()
    assert [o.client_id for o in offers] == waiting[:3]
    assert {o.start for o in offers} == {at(TUESDAY, 10)}
    assert {o.expires_at for o in offers} == {later + timedelta(hours=2)}


async def test_the_first_claim_books_the_others_are_taken_and_keep_their_place(clinic):
    booked, waiting = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[1].id, now=NOW)
    first, second, third = await clinic.open_offers()

    outcome = await clinic.claim(second, NOW + timedelta(minutes=5))
    assert outcome.created and outcome.appointment.start == at(TUESDAY, 10)
    assert outcome.appointment.client_id == waiting[1]
    assert sorted(o.id for o in outcome.changes.taken) == [first.id, third.id]
    statuses = {o.client_id: o.status for o in await clinic.offers()}
    assert statuses == {waiting[0]: OfferStatus.TAKEN, waiting[1]: OfferStatus.CLAIMED, waiting[2]: OfferStatus.TAKEN}
    async with clinic.make_uow() as uow:
        still_waiting = [e.client_id for e in await uow.waitlist.waiting(clinic.provider_id, TUESDAY, TUESDAY)]
    assert still_waiting == [waiting[0], *waiting[2:]]  # the winner's entry is gone, the rest keep order

    with pytest.raises(OfferClosed) as closed:
        await clinic.claim(first, NOW + timedelta(minutes=6))
    assert closed.value.status is OfferStatus.TAKEN


async def test_a_second_tap_on_a_claim_returns_the_same_booking(clinic):
    booked, _ = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    offer = (await clinic.open_offers())[0]
    first = await clinic.claim(offer, NOW)
    again = await clinic.claim(offer, NOW + timedelta(seconds=2))
    assert not again.created and again.appointment.id == first.appointment.id


async def test_unclaimed_offers_expire_and_cascade_to_the_next_clients(clinic):
    booked, waiting = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[2].id, now=NOW)
    first_round = await clinic.open_offers()

    assert (await tidy_waitlist(clinic.make_uow(), NOW + timedelta(hours=1, minutes=59))).expired == []
    changes = await tidy_waitlist(clinic.make_uow(), NOW + timedelta(hours=2))
    assert sorted(o.id for o in changes.expired) == [o.id for o in first_round]
    assert [o.client_id for o in changes.offered] == waiting[3:]
    assert [o.client_id for o in await clinic.open_offers()] == waiting[3:]

    with pytest.raises(OfferClosed) as late:
        await clinic.claim(first_round[0], NOW + timedelta(hours=2, minutes=1))
    assert late.value.status is OfferStatus.EXPIRED

    # Nobody is left after the second round: the queue is not offered the slot again.
    changes = await tidy_waitlist(clinic.make_uow(), NOW + timedelta(hours=4))
    assert len(changes.expired) == 2 and changes.offered == []


async def test_a_claim_after_its_deadline_is_refused_even_before_the_job_runs(clinic):
    booked, _ = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    offer = (await clinic.open_offers())[0]
    with pytest.raises(OfferClosed):
        await clinic.claim(offer, offer.expires_at)
    assert len([a for a in clinic.make_uow.store.committed_appointments() if a.is_active]) == 2


async def test_the_deadline_is_the_slots_minimum_notice_when_that_comes_first(clinic):
    booked, _ = await waiting_five(clinic)
    near = at(TUESDAY, 11) - timedelta(hours=3)  # an hour before the 2 h notice closes 11:00
    await cancel_appointment(clinic.make_uow(), booked[2].id, now=near)
    assert {o.expires_at for o in await clinic.open_offers()} == {at(TUESDAY, 9)}


async def test_a_slot_booked_normally_marks_the_open_offers_taken(clinic):
    booked, _ = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    await clinic.book(await clinic.client(999), at(TUESDAY, 9))
    changes = await tidy_waitlist(clinic.make_uow(), NOW + timedelta(minutes=1))
    assert len(changes.taken) == 3 and changes.offered == []


async def test_a_freed_slot_someone_is_not_waiting_for_offers_nothing(clinic):
    booked = await clinic.fill_tuesday()
    await clinic.join(await clinic.client(300), day=TUESDAY + timedelta(days=7))
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    assert await clinic.offers() == []


async def test_declines_and_moves_free_time_too():
    manual = await Clinic(FakeUnitOfWorkFactory()).setup(auto_confirm=False)
    pending = await manual.book(await manual.client(1), at(TUESDAY, 9))
    waiter = await manual.client(2)
    await manual.join(waiter)
    await decline_appointment(manual.make_uow(), pending.id, now=NOW)
    assert [o.start for o in await manual.open_offers()] == [at(TUESDAY, 9)]

    clinic = await Clinic(FakeUnitOfWorkFactory()).setup()
    booked = await clinic.fill_tuesday()
    await clinic.join(await clinic.client(2))
    next_week = TUESDAY + timedelta(days=7)
    await reschedule_appointment(clinic.make_uow(), booked[1].id, new_start=at(next_week, 10), now=NOW)
    assert [o.start for o in await clinic.open_offers()] == [at(TUESDAY, 10)]



async def test_joining_rules(clinic):
    client = await clinic.client(1)
    entry = await clinic.join(client)
    assert (await clinic.join(client)).id == entry.id  # twice: the first place is kept
    with pytest.raises(WaitlistDateClosed):
        await clinic.join(client, day=date(2026, 11, 24))
    with pytest.raises(WaitlistDateClosed):
        await clinic.join(client, day=date(2027, 3, 1))  # beyond 60 days ahead
    for n in range(1, MAX_ENTRIES_PER_CLIENT):
        await clinic.join(client, day=TUESDAY + timedelta(days=n))
    with pytest.raises(WaitlistLimitReached):
        await clinic.join(client, day=TUESDAY + timedelta(days=30))
    with pytest.raises(NotFound):
        await join_waitlist(
            clinic.make_uow(), client_id=client, provider_id=clinic.provider_id, type_id=999,
            day=TUESDAY, zone_name="UTC", now=NOW,
        )


async def test_entries_list_lapse_and_leave_only_ones_own(clinic):
    me, other = await clinic.client(1), await clinic.client(2)
    entry = await clinic.join(me)
    await clinic.join(me, day=date(2026, 11, 26))
    items = await waitlist_of_client(clinic.make_uow(), me, NOW)
    assert [i.entry.date for i in items] == [date(2026, 11, 26), TUESDAY]
    assert [i.entry.date for i in await waitlist_of_client(clinic.make_uow(), me, datetime(2026, 11, 27, tzinfo=UTC))] == [TUESDAY]

    assert await leave_waitlist(clinic.make_uow(), client_id=other, entry_id=entry.id) is None
    assert (await leave_waitlist(clinic.make_uow(), client_id=me, entry_id=entry.id)).id == entry.id
    assert [i.entry.date for i in await waitlist_of_client(clinic.make_uow(), me, NOW)] == [date(2026, 11, 26)]


async def test_a_blocked_client_stops_waiting_and_cannot_join(clinic):
    booked, waiting = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    first = (await clinic.open_offers())[0]
    # A provider may block only clients who booked with them.
    await clinic.book(waiting[0], at(TUESDAY + timedelta(days=7), 9))
    await set_client_blocked(clinic.make_uow(), clinic.provider_id, waiting[0], blocked=True, now=NOW)
    assert first.id not in {o.id for o in await clinic.open_offers()}
    with pytest.raises(ClientBlocked):
        await clinic.join(waiting[0])
    with pytest.raises(OfferClosed):
        await clinic.claim(first, NOW)


async def test_someone_elses_offer_looks_like_no_offer(clinic):
    booked, waiting = await waiting_five(clinic)
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    offer = (await clinic.open_offers())[0]
    with pytest.raises(NotFound):
        await claim_offer(clinic.make_uow(), offer_id=offer.id, client_id=waiting[4], now=NOW)


async def test_a_date_means_the_date_in_the_zone_the_client_chose(clinic):
    """Tuesday 09:00 in Berlin is still Monday evening in Honolulu."""
    booked = await clinic.fill_tuesday()
    hnl_monday = await clinic.client(1)
    hnl_tuesday = await clinic.client(2)
    await clinic.join(hnl_monday, day=TUESDAY - timedelta(days=1), zone="Pacific/Honolulu")
    await clinic.join(hnl_tuesday, day=TUESDAY, zone="Pacific/Honolulu")
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    assert [o.client_id for o in await clinic.open_offers()] == [hnl_monday]


async def test_booking_the_date_oneself_ends_the_wait_for_it(clinic):
    booked = await clinic.fill_tuesday()
    me = await clinic.client(1)
    await clinic.join(me)
    await clinic.join(me, day=TUESDAY + timedelta(days=7))
    await cancel_appointment(clinic.make_uow(), booked[0].id, now=NOW)
    await clinic.book(me, at(TUESDAY, 9))  # through /book, not the offer
    dates = [i.entry.date for i in await waitlist_of_client(clinic.make_uow(), me, NOW)]
    assert dates == [TUESDAY + timedelta(days=7)]  # the other date still waits


async def test_the_providers_agenda_tells_how_many_wait(clinic):
    from core.agenda import waiting_count
    from conversations import provider_texts
    from conversations.i18n import texts_for

    await waiting_five(clinic)
    assert await waiting_count(clinic.make_uow(), clinic.provider_id, TUESDAY, TUESDAY) == 5
    assert await waiting_count(clinic.make_uow(), clinic.provider_id, NOW.date(), NOW.date()) == 0
    async with clinic.make_uow() as uow:
        provider = await uow.providers.get(clinic.provider_id)
    en = provider_texts.agenda(texts_for("en"), provider, TUESDAY, TUESDAY, [], waiting=5)
    ru = provider_texts.agenda(texts_for("ru"), provider, TUESDAY, TUESDAY, [], waiting=5)
    assert en.endswith("🔔 Waiting list: 5 clients.") and ru.endswith("🔔 Лист ожидания: 5 клиентов.")
    assert "Waiting list" not in provider_texts.agenda(texts_for("en"), provider, TUESDAY, TUESDAY, [])
