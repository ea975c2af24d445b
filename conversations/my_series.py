"""/my for a weekly series (issue #14): its screen, and "cancel this and all later".

One occurrence is opened, moved and cancelled on the ordinary appointment screen
(``my_appointments.py``); here is what only a series has. Every id in a button is
re-checked against the caller: another client's series or occurrence reads as an
expired menu, as a missing one does.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards, my_series_views, series_notices, texts, waitlist_offers
from conversations.common import answer, caller, pressed, services, show
from conversations.metrics import CANCELLATIONS
from conversations.my_appointments import own_changeable
from conversations.states import BROWSING
from core.client_series import SeriesEntry, client_series
from core.errors import InvalidTransition, LateCancellationRefused, NotFound
from core.model import AppointmentDetails, CancelledBy
from core.series_booking import cancel_series_from

log = logging.getLogger(__name__)


async def _series(update: Update, context: ContextTypes.DEFAULT_TYPE, series_id: int) -> SeriesEntry | None:
    """The caller's own series with what is still to come; otherwise say the menu expired."""
    who = caller(context)
    svc = services(context)
    try:
        return await client_series(svc.uow(), series_id, who.client.id, svc.clock())  # type: ignore[arg-type]
    except NotFound:
        await show(update, texts.expired(who.texts))
        return None


async def on_series(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A series' screen, or one of its pages (a stale page number shows the last page)."""
    data = pressed(update, cb.MySeries)
    await answer(update)
    entry = await _series(update, context, data.series)
    if entry is not None:
        who = caller(context)
        page = data.page if isinstance(data, cb.MySeriesPage) else 0
        zone = who.client.timezone
        await show(
            update,
            my_series_views.series_screen(who.texts, entry, zone, page),
            my_series_views.series_keyboard(who.texts, entry, zone, page),
        )
    return BROWSING


async def _rest(
    update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int
) -> tuple[AppointmentDetails, list[AppointmentDetails]] | None:
    """The caller's occurrence and what "this and all later" would cancel, or None (said)."""
    details = await own_changeable(update, context, appointment_id)
    if details is None:
        return None
    series_id = details.appointment.series_id
    if series_id is None:  # a single appointment: nothing "later" to cancel with it
        await show(update, texts.expired(caller(context).texts))
        return None
    entry = await _series(update, context, series_id)
    if entry is None:
        return None
    start, now = details.appointment.start, services(context).clock()
    later = [d for d in entry.occurrences if d.appointment.start >= start and d.appointment.start > now]
    return details, later


async def on_ask_cancel_rest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.AskCancelRest)
    await answer(update)
    found = await _rest(update, context, data.appointment)
    if found is not None:
        details, later = found
        who = caller(context)
        await show(
            update,
            my_series_views.cancel_rest_question(
                who.texts, details, [d.appointment.start for d in later], who.client.timezone,
                services(context).clock(),
            ),
            my_series_views.cancel_rest_keyboard(who.texts, data.appointment),
        )
    return BROWSING


async def on_confirm_cancel_rest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ConfirmCancelRest)
    await answer(update)
    who = caller(context)
    svc = services(context)
    try:
        cancelled = await cancel_series_from(
            svc.uow(), data.appointment, now=svc.clock(), by=CancelledBy.CLIENT,
            client_id=who.client.id,
        )
    except NotFound:
        await show(update, texts.expired(who.texts))
        return BROWSING
    except InvalidTransition:
        await show(update, texts.not_changeable(who.texts), keyboards.after_booking(who.texts))
        return BROWSING
    except LateCancellationRefused as exc:
        await show(update, texts.late_cancel_refused(who.texts, exc.provider_message),
                   keyboards.after_booking(who.texts))
        return BROWSING
    log.info("client %s cancelled %d sessions of series %s", who.client.id, len(cancelled),
             cancelled[0].series_id)
    CANCELLATIONS.labels(by="client").inc(len(cancelled))
    late = any(a.late_cancel for a in cancelled)
    await show(update, my_series_views.cancelled_rest(who.texts, len(cancelled), late),
               keyboards.after_booking(who.texts))
    await series_notices.series_cancelled(context, cancelled, by=CancelledBy.CLIENT)
    await waitlist_offers.publish(context)  # the freed times' offers go out now
    return BROWSING
