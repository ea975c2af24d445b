"""The waitlist in Telegram: join from a full day (or a day whose times do not suit),
claim a freed slot. Leaving is in /my; sending offers in ``waitlist_offers``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards
from conversations import waitlist_views as views
from conversations.booking import chosen, show_booked
from conversations.common import answer, caller, pressed, services, show
from conversations.metrics import BOOKINGS
from conversations.refusals import refusal
from conversations.states import BROWSING
from conversations.waitlist_offers import publish
from core.errors import BookingError
from core.waitlist import join_waitlist
from core.waitlist_claims import claim_offer



async def on_join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.JoinWaitlist)
    await answer(update)
    who = caller(context)
    t = who.texts
    choice = await chosen(update, context, data.provider_id, data.type_id, 0)
    if choice is None:
        return BROWSING
    offer, appt_type = choice.offer, choice.appt_type
    svc = services(context)
    try:
        _, created = await join_waitlist(
            svc.uow(), client_id=who.client.id, provider_id=data.provider_id,  # type: ignore[arg-type]
            type_id=data.type_id, day=data.day,
            zone_name=choice.lead,
            now=svc.clock(),
        )
    except BookingError as refused:
        await show(update, *refusal(t, refused))
        return BROWSING
    await show(
        update, views.joined(t, data.day, offer.provider, appt_type, created), keyboards.after_booking(t)
    )
    return BROWSING


async def on_claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ClaimOffer)
    await answer(update)
    who = caller(context)
    t = who.texts
    svc = services(context)
    try:
        outcome = await claim_offer(svc.uow(), offer_id=data.offer, client_id=who.client.id, now=svc.clock())  # type: ignore[arg-type]
    except BookingError as refused:
        await show(update, *refusal(t, refused))
        return BROWSING
    if outcome.created:
        BOOKINGS.labels(via="waitlist").inc()
    await show_booked(update, context, outcome.appointment.id, outcome.created)  # type: ignore[arg-type]
    await publish(context, outcome.changes)
    return BROWSING


