"""The waitlist: clients waiting for a date, and offers of time that frees up.

* A client joins for one provider, type and date — a date of the zone they
  browsed the calendar in, so "Thursday" means the Thursday they saw.
* When time frees up (a cancellation, a decline, a move, an unblocked window),
  :func:`offer_freed_time` runs in the same transaction: the earliest slot now
  free in that time is offered to the first :data:`OFFER_BATCH` clients waiting
  for it (first come, first served), each offer with its own deadline. Nothing
  is held: the slot stays bookable by anyone, and the first to book wins.
* Offers are rows, so they survive restarts; ``core/waitlist_claims.py`` claims,
  expires and cascades them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.availability import last_bookable_date, slots_between
from core.errors import BookingError, ClientBlocked, NotFound
from core.localtime import local_date, require_utc, zone
from core.model import (
    AppointmentType,
    OfferStatus,
    Provider,
    ProviderCalendar,
    ProviderSettings,
    WaitlistEntry,
    WaitlistOffer,
)
from core.ports import UnitOfWork
from core.slots import load_bookable

#: How many waiting clients are offered a freed slot at once.
OFFER_BATCH = 3
#: How long a Claim button works (less when the slot's minimum notice comes first).
CLAIM_WINDOW = timedelta(hours=2)
#: Dates a client may wait for at once: enough for real use, not for flooding.
MAX_ENTRIES_PER_CLIENT = 10
#: Zone offsets never exceed 14 h: a UTC date ± 1 covers any zone's date.
_ANY_ZONE = timedelta(days=1)


class WaitlistDateClosed(BookingError):
    """The date has passed or lies beyond how far ahead the provider takes bookings."""


class WaitlistLimitReached(BookingError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} waitlist entries per client")
        self.limit = limit


@dataclass(frozen=True)
class WaitlistItem:
    """An entry as its client sees it in /my."""

    entry: WaitlistEntry
    provider: Provider
    appt_type: AppointmentType


def offer_deadline(start: datetime, now: datetime, settings: ProviderSettings) -> datetime:
    """Two hours, or until the slot stops being bookable (its minimum notice), if sooner."""
    return min(require_utc(now) + CLAIM_WINDOW, require_utc(start) - settings.min_notice)


async def join_waitlist(
    uow: UnitOfWork,
    *,
    client_id: int,
    provider_id: int,
    type_id: int,
    day: date,
    zone_name: str,
    now: datetime,
) -> tuple[WaitlistEntry, bool]:
    """Wait for ``day`` (a date of ``zone_name``); joining twice keeps the first place."""
    now = require_utc(now, "now")
    tz = zone(zone_name)
    async with uow:
        await uow.begin_write(provider_id)
        calendar, appt_type = await load_bookable(uow, provider_id, type_id)
        if not appt_type.is_active or not calendar.provider.is_active:
            raise NotFound("appointment type", type_id)
        if client_id in await uow.providers.blocked_client_ids(provider_id):
            raise ClientBlocked(f"client {client_id} is blocked by provider {provider_id}")
        today = local_date(now, tz)
        horizon = last_bookable_date(calendar.provider.settings, zone(calendar.provider.timezone), now)
        if day < today or day > horizon + timedelta(days=1):
            raise WaitlistDateClosed(f"{day} is not open for booking")
        existing = await uow.waitlist.find_entry(client_id, provider_id, type_id, day)
        if existing is not None:
            return existing, False
        if len(await uow.waitlist.entries_of_client(client_id, today)) >= MAX_ENTRIES_PER_CLIENT:
            raise WaitlistLimitReached(MAX_ENTRIES_PER_CLIENT)
        entry = await uow.waitlist.add_entry(
            WaitlistEntry(None, provider_id, type_id, client_id, day, zone_name, now)
        )
        await uow.commit()
    return entry, True


async def leave_waitlist(uow: UnitOfWork, *, client_id: int, entry_id: int) -> WaitlistEntry | None:
    """Leave one's own entry (``None``: not the caller's, or gone); its open offers close."""
    async with uow:
        entry = await uow.waitlist.entry(entry_id)
        if entry is None or entry.client_id != client_id:
            return None
        await uow.begin_write(entry.provider_id)
        if await uow.waitlist.entry(entry_id) is None:
            return None
        await uow.waitlist.remove_entry(entry_id)
        for offer in await uow.waitlist.open_offers(entry.provider_id):
            if offer.entry_id == entry_id:
                await uow.waitlist.move_offer(offer.id, OfferStatus.WITHDRAWN)  # type: ignore[arg-type]
        await uow.commit()
    return entry


async def withdraw_client(uow: UnitOfWork, provider_id: int, client_id: int) -> None:
    """Inside a write transaction: a client the provider blocked stops waiting there."""
    await uow.waitlist.remove_client_entries(client_id, provider_id)
    for offer in await uow.waitlist.open_offers(provider_id):
        if offer.client_id == client_id:
            await uow.waitlist.move_offer(offer.id, OfferStatus.WITHDRAWN)  # type: ignore[arg-type]


async def stop_waiting(uow: UnitOfWork, waiting: Sequence[WaitlistEntry], start: datetime) -> None:
    """Inside a booking's transaction: whoever books a date stops waiting for it.

    ``waiting``: the client's entries for the booking's provider and type (a
    :class:`~core.model.BookingSnapshot` has them), so that a client who waits
    for nothing costs no statement here.
    """
    for entry in waiting:
        if entry.date == local_date(start, zone(entry.zone)):
            await uow.waitlist.remove_entry(entry.id)  # type: ignore[arg-type]


async def waitlist_of_client(uow: UnitOfWork, client_id: int, now: datetime) -> list[WaitlistItem]:
    """The client's entries whose date has not passed (in the entry's own zone)."""
    now = require_utc(now, "now")
    items = []
    async with uow:
        for entry in await uow.waitlist.entries_of_client(client_id, (now - _ANY_ZONE).date()):
            if entry.date < local_date(now, zone(entry.zone)):
                continue  # lapsed; the job deletes it
            provider = await uow.providers.get(entry.provider_id)
            appt_type = await uow.providers.appointment_type(entry.type_id)
            if provider is not None and appt_type is not None:
                items.append(WaitlistItem(entry, provider, appt_type))
    return items


async def offer_freed_time(
    uow: UnitOfWork, provider_id: int, start: datetime, end: datetime, now: datetime
) -> list[WaitlistOffer]:
    """Inside the provider's write transaction: offer ``[start, end)``, which just came free.

    For each group of clients waiting (type, date), the earliest slot that is free
    now and overlaps the freed time goes to the first of them. Slots that were
    free before are not offered: waiting clients had seen those already.
    """
    start, end, now = require_utc(start), require_utc(end), require_utc(now)
    if end <= now:
        return []
    entries = await uow.waitlist.waiting(
        provider_id, (start - _ANY_ZONE).date(), (end + _ANY_ZONE).date()
    )
    if not entries:
        return []
    calendar = await uow.providers.calendar(provider_id)
    if calendar is None:
        return []
    busy = await uow.appointments.busy_between(
        provider_id, start - timedelta(days=2), end + timedelta(days=2)
    )
    groups: OrderedDict[tuple[int, date, str], list[WaitlistEntry]] = OrderedDict()
    for entry in entries:
        groups.setdefault((entry.type_id, entry.date, entry.zone), []).append(entry)
    offered = []
    for (type_id, day, zone_name), waiting in groups.items():
        appt_type = await uow.providers.appointment_type(type_id)
        if appt_type is None or not appt_type.is_active:
            continue
        candidates = slots_between(
            calendar, appt_type, busy, start - appt_type.duration + timedelta(microseconds=1), end, now
        )
        slot = next(
            (
                s for s in candidates
                if local_date(s, zone(zone_name)) == day
                and offer_deadline(s, now, calendar.provider.settings) > now
            ),
            None,
        )
        if slot is not None:
            offered += await offer_slot(uow, calendar, type_id, slot, waiting, now)
    return offered


async def offer_slot(
    uow: UnitOfWork,
    calendar: ProviderCalendar,
    type_id: int,
    slot: datetime,
    waiting: list[WaitlistEntry],
    now: datetime,
) -> list[WaitlistOffer]:
    """Offer ``slot`` to the next clients in ``waiting`` (FIFO) not offered it before."""
    provider = calendar.provider
    deadline = offer_deadline(slot, now, provider.settings)
    if deadline <= now:
        return []
    already = await uow.waitlist.offered_client_ids(provider.id, slot)  # type: ignore[arg-type]
    blocked = await uow.providers.blocked_client_ids(provider.id)  # type: ignore[arg-type]
    made: list[WaitlistOffer] = []
    for entry in waiting:
        if len(made) == OFFER_BATCH:
            break
        if entry.client_id in already or entry.client_id in blocked:
            continue
        client = await uow.clients.get(entry.client_id)
        if client is None or client.unreachable_at is not None:
            continue
        offer = await uow.waitlist.add_offer(
            WaitlistOffer(
                id=None, entry_id=entry.id, provider_id=provider.id, type_id=type_id,  # type: ignore[arg-type]
                client_id=entry.client_id, start=slot, created_at=now, expires_at=deadline,
            )
        )
        if offer is not None:
            made.append(offer)
    return made


def waiting_for(entries: list[WaitlistEntry], type_id: int, slot: datetime) -> list[WaitlistEntry]:
    """The entries (already in FIFO order) that a slot of this type would serve."""
    return [
        e for e in entries if e.type_id == type_id and local_date(slot, zone(e.zone)) == e.date
    ]


__all__ = [
    "CLAIM_WINDOW",
    "MAX_ENTRIES_PER_CLIENT",
    "OFFER_BATCH",
    "WaitlistDateClosed",
    "WaitlistItem",
    "WaitlistLimitReached",
    "join_waitlist",
    "leave_waitlist",
    "offer_deadline",
    "offer_freed_time",
    "offer_slot",
    "stop_waiting",
    "waiting_for",
    "waitlist_of_client",
    "withdraw_client",
]
