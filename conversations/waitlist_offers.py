"""Sending waitlist offers and closing their messages.

Offers are rows in the database (core/waitlist.py). They are sent right after
the change that freed the time, by the process that made it, and a JobQueue job
polls for the rest: offers left unsent by a flood limit or a network failure
that surely never reached Telegram, offers that expired (their message is
edited and the slot cascades to the next clients), and offers whose slot
someone else booked (edited to "taken").

An offer is sent once: claiming it stamps ``notified_at``. A send that may have
reached Telegram (a timeout: conversations/delivery.py) keeps the stamp with no
message recorded — sent-unsure — so it is never sent again; it still expires
after its two hours and the slot cascades as usual.
"""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from conversations import waitlist_views as views
from conversations.common import is_not_modified, services
from conversations.delivery import SendFailure, send_failure, stopping
from conversations.i18n import resolve_locale, texts_for
from conversations.metrics import WAITLIST_OFFERS
from core.model import OfferStatus, WaitlistOffer
from core.waitlist_claims import (
    OfferChanges,
    claim_for_sending,
    record_message,
    release_unsent,
    tidy_waitlist,
)

log = logging.getLogger(__name__)
WAITLIST_JOB = "waitlist"
WAITLIST_POLL_SECONDS = 30


async def publish(context: ContextTypes.DEFAULT_TYPE, changes: OfferChanges | None = None) -> None:
    """Edit the messages of closed offers, then send every offer not sent yet."""
    if changes is not None:
        for offer in changes.taken:
            await _close_message(context, offer, OfferStatus.TAKEN)
        for offer in changes.expired:
            await _close_message(context, offer, OfferStatus.EXPIRED)
    svc = services(context)
    for offer in await claim_for_sending(svc.uow(), svc.clock()):
        if stopping(context.bot_data):  # the bot is stopping: whoever runs next sends it
            await release_unsent(svc.uow(), offer.id)  # type: ignore[arg-type]
            continue
        await _send_offer(context, offer)


async def waitlist_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The poll: expire and cascade, mark taken, send what is unsent."""
    changes = await tidy_waitlist(services(context).uow(), services(context).clock())
    await publish(context, changes)


async def _send_offer(context: ContextTypes.DEFAULT_TYPE, offer: WaitlistOffer) -> None:
    svc = services(context)
    async with svc.uow() as unit:
        client = await unit.clients.get(offer.client_id)
        provider = await unit.providers.get(offer.provider_id)
        appt_type = await unit.providers.appointment_type(offer.type_id)
    if client is None or provider is None or appt_type is None:
        return
    t = texts_for(resolve_locale(client.language, None))
    try:
        message = await context.bot.send_message(
            client.telegram_user_id,
            views.offer(t, provider, appt_type, offer.start, offer.expires_at, client.timezone),
            parse_mode=ParseMode.HTML,
            reply_markup=views.offer_keyboard(t, offer.id),  # type: ignore[arg-type]
        )
    except TelegramError as exc:
        failure = send_failure(exc)
        if failure.may_retry:  # surely not delivered: unclaim it, the next poll sends it
            log.warning("waitlist offer %s not sent, will retry: %s", offer.id, exc)
            await release_unsent(svc.uow(), offer.id)  # type: ignore[arg-type]
        elif failure is SendFailure.BLOCKED:
            log.info("waitlist offer %s: client %s blocked the bot", offer.id, client.id)
            async with svc.uow() as unit:
                await unit.begin_write()
                await unit.clients.mark_unreachable(client.id, svc.clock())  # type: ignore[arg-type]
                await unit.commit()
        else:  # maybe delivered, or refused for good: kept claimed, it expires as usual
            log.warning("waitlist offer %s %s, not sent again: %r", offer.id, failure.value, exc)
        return
    WAITLIST_OFFERS.inc()
    await record_message(svc.uow(), offer.id, message.chat_id, message.message_id)  # type: ignore[arg-type]


async def _close_message(context: ContextTypes.DEFAULT_TYPE, offer: WaitlistOffer, status: OfferStatus) -> None:
    async with services(context).uow() as unit:
        fresh = await unit.waitlist.offer(offer.id)  # type: ignore[arg-type]
        client = await unit.clients.get(offer.client_id)
    if fresh is None or fresh.message_id is None or fresh.chat_id is None or client is None:
        return
    t = texts_for(resolve_locale(client.language, None))
    try:
        await context.bot.edit_message_text(
            views.offer_closed(t, status), chat_id=fresh.chat_id, message_id=fresh.message_id,
            parse_mode=ParseMode.HTML,
        )
    except BadRequest as exc:
        if not is_not_modified(exc):
            log.info("offer %s message not edited: %s", offer.id, exc.message)
    except TelegramError as exc:
        log.warning("offer %s message not edited: %s", offer.id, exc)
