"""Claiming, expiring and cascading waitlist offers.

A claim books through the normal booking rules (:func:`core.booking.book_locked`)
in the same transaction that closes the offer, under the provider's write lock:
of two clients tapping Claim at once, one books and the other learns the slot
was taken. Offers past their deadline expire, and the slot — if still free —
goes to the next clients in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.booking import book_locked, slot_offered_now
from core.errors import BookingError, NotFound, SlotNoLongerAvailable
from core.localtime import require_utc
from core.model import Appointment, OfferStatus, WaitlistOffer
from core.ports import UnitOfWork
from core.waitlist import offer_slot, waiting_for


class OfferClosed(BookingError):
    """The offer cannot be claimed any more: taken, expired or withdrawn."""

    def __init__(self, status: OfferStatus) -> None:
        super().__init__(f"offer is {status.value.lower()}")
        self.status = status


@dataclass
class OfferChanges:
    """What a pass over a provider's open offers changed, for the messages to edit."""

    taken: list[WaitlistOffer] = field(default_factory=list)
    expired: list[WaitlistOffer] = field(default_factory=list)
    offered: list[WaitlistOffer] = field(default_factory=list)

    def __iadd__(self, other: OfferChanges) -> OfferChanges:
        self.taken += other.taken
        self.expired += other.expired
        self.offered += other.offered
        return self


@dataclass(frozen=True)
class ClaimOutcome:
    appointment: Appointment
    created: bool  # False: a second tap on a claim that had already booked
    changes: OfferChanges  # other offers this booking closed


async def claim_offer(uow: UnitOfWork, *, offer_id: int, client_id: int, now: datetime) -> ClaimOutcome:
    """Book an offered slot for the client it was offered to; close the offer.

    Raises :class:`NotFound` for someone else's offer (it looks like no offer),
    :class:`OfferClosed` when it is no longer open, and the booking errors
    (a blocked client, a booking cap) as booking would.
    """
    now = require_utc(now, "now")
    async with uow:
        offer = await uow.waitlist.offer(offer_id)
        if offer is None or offer.client_id != client_id:
            raise NotFound("offer", offer_id)
        await uow.begin_write(offer.provider_id)
        offer = await uow.waitlist.offer(offer_id)
        assert offer is not None  # offers are never deleted while their provider lives
        if offer.status is OfferStatus.CLAIMED:
            held = await uow.appointments.active_for_client_at(
                client_id, offer.provider_id, offer.type_id, offer.start
            )
            if held is not None:
                return ClaimOutcome(held, False, OfferChanges())
        if offer.status is not OfferStatus.OPEN:
            raise OfferClosed(offer.status)
        if now >= offer.expires_at:
            raise OfferClosed(OfferStatus.EXPIRED)  # the job marks it and cascades
        try:
            outcome = await book_locked(
                uow, provider_id=offer.provider_id, type_id=offer.type_id,
                client_id=client_id, start=offer.start, now=now,
            )
        except SlotNoLongerAvailable:
            await uow.waitlist.move_offer(offer_id, OfferStatus.TAKEN)
            await uow.commit()
            raise OfferClosed(OfferStatus.TAKEN) from None
        await uow.waitlist.move_offer(offer_id, OfferStatus.CLAIMED)
        await uow.waitlist.remove_entry(offer.entry_id)
        changes = await settle_offers(uow, offer.provider_id, now)
        await uow.commit()
    return ClaimOutcome(outcome.appointment, outcome.created, changes)


async def settle_offers(uow: UnitOfWork, provider_id: int, now: datetime) -> OfferChanges:
    """Inside the provider's write transaction: close what can no longer be claimed.

    An offer past its deadline expires, and its slot, if still free, cascades to
    the next waiting clients; an offer whose slot is gone (someone booked it, the
    provider blocked it) is marked taken.
    """
    changes = OfferChanges()
    offers = await uow.waitlist.open_offers(provider_id)
    if not offers:
        return changes
    calendar = await uow.providers.calendar(provider_id)
    if calendar is None:
        return changes
    lapsed: dict[tuple[int, datetime], bool] = {}
    # A slot goes to up to three clients at once: look each slot up once.
    free_slots: dict[tuple[int, datetime], bool] = {}
    for offer in offers:
        slot = (offer.type_id, offer.start)
        if slot not in free_slots:
            appt_type = await uow.providers.appointment_type(offer.type_id)
            free_slots[slot] = (
                appt_type is not None
                and appt_type.is_active
                and await slot_offered_now(uow, calendar, appt_type, offer.start, now)
            )
        free = free_slots[slot]
        if now >= offer.expires_at:
            if await uow.waitlist.move_offer(offer.id, OfferStatus.EXPIRED):  # type: ignore[arg-type]
                changes.expired.append(offer)
                lapsed[(offer.type_id, offer.start)] = free
        elif not free:
            if await uow.waitlist.move_offer(offer.id, OfferStatus.TAKEN):  # type: ignore[arg-type]
                changes.taken.append(offer)
    still_open = {(o.type_id, o.start) for o in await uow.waitlist.open_offers(provider_id)}
    for (type_id, slot), free in lapsed.items():
        if not free or (type_id, slot) in still_open:
            continue
        entries = await uow.waitlist.waiting(
            provider_id, (slot - timedelta(days=1)).date(), (slot + timedelta(days=1)).date()
        )
        changes.offered += await offer_slot(
            uow, calendar, type_id, slot, waiting_for(entries, type_id, slot), now
        )
    return changes


async def tidy_waitlist(uow: UnitOfWork, now: datetime) -> OfferChanges:
    """The job's pass: settle every provider's open offers, drop lapsed entries."""
    now = require_utc(now, "now")
    async with uow:
        providers = await uow.waitlist.providers_with_open_offers()
    changes = OfferChanges()
    for provider_id in providers:
        async with uow:
            await uow.begin_write(provider_id)
            changes += await settle_offers(uow, provider_id, now)
            await uow.commit()
    async with uow:
        await uow.begin_write()
        # A day before "yesterday in UTC" has passed in every zone.
        await uow.waitlist.remove_lapsed((now - timedelta(days=1)).date())
        await uow.commit()
    return changes


async def claim_for_sending(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[WaitlistOffer]:
    """Open offers nobody has sent yet, now this caller's to send (each goes out once)."""
    now = require_utc(now, "now")
    async with uow:
        await uow.begin_write()
        offers = await uow.waitlist.claim_unsent(now, limit)
        await uow.commit()
    return [o for o in offers if o.expires_at > now]


async def release_unsent(uow: UnitOfWork, offer_id: int) -> None:
    """A send that failed for a passing reason: let the next poll send it again."""
    async with uow:
        await uow.begin_write()
        await uow.waitlist.release_unsent(offer_id)
        await uow.commit()


async def record_message(uow: UnitOfWork, offer_id: int, chat_id: int, message_id: int) -> None:
    async with uow:
        await uow.begin_write()
        await uow.waitlist.set_message(offer_id, chat_id, message_id)
        await uow.commit()


__all__ = [
    "ClaimOutcome",
    "OfferChanges",
    "OfferClosed",
    "claim_for_sending",
    "claim_offer",
    "record_message",
    "release_unsent",
    "settle_offers",
    "tidy_waitlist",
]
