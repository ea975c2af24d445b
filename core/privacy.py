"""A client's right to be forgotten: their data goes, the providers' records stay anonymous.

Upcoming appointments are cancelled (their time goes to the waitlist), waitlist
places are given up, and the client row keeps only its id: name, language, time
zone and Telegram id are blanked, and the client's own words on appointments
(notes, cancellation reasons) are erased. Past appointments remain in the
provider's history as "a client", so their agenda and statistics stay true.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.booking import cancel_appointment
from core.errors import InvalidTransition, NotFound
from core.localtime import require_utc
from core.model import Appointment, CancelledBy
from core.ports import UnitOfWork
from core.waitlist import withdraw_client


@dataclass(frozen=True)
class Forgotten:
    telegram_user_id: int  # as it was: the caller clears what it keeps under it
    cancelled: list[Appointment]  # upcoming bookings cancelled, for the providers' notices


async def forget_client(uow: UnitOfWork, client_id: int, *, now: datetime) -> Forgotten:
    now = require_utc(now, "now")
    async with uow:
        client = await uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        upcoming = [
            a for a in await uow.appointments.for_client(client_id, since=now)
            if a.is_active and a.start > now
        ]
        providers = {e.provider_id for e in await uow.waitlist.entries_of_client(client_id, date.min)}
        providers |= {o.provider_id for o in await uow.waitlist.open_offers() if o.client_id == client_id}
    cancelled = []
    for appointment in upcoming:
        try:
            cancelled.append(await cancel_appointment(
                uow, appointment.id, now=now, by=CancelledBy.SYSTEM, client_id=client_id,  # type: ignore[arg-type]
            ))
        except (InvalidTransition, NotFound):
            pass  # it started or changed meanwhile: nothing left to cancel
    for provider_id in sorted(providers):
        async with uow:
            await uow.begin_write(provider_id)
            await withdraw_client(uow, provider_id, client_id)
            await uow.commit()
    async with uow:
        await uow.begin_write()
        await uow.appointments.erase_client_texts(client_id, now=now)
        await uow.outbox.forget_chat(client.telegram_user_id)
        await uow.clients.anonymise(client_id)
        await uow.commit()
    return Forgotten(client.telegram_user_id, cancelled)
