"""/agenda for weekly series (issue #14): cancel a series from an entry's date on, and
confirm or decline a new series waiting for confirmation, all at once.

The client hears once per action, never once per session (``series_notices``), and the
freed times go to the waitlist first (``waitlist_offers.publish``), as a single cancel.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import provider_series_views as views
from conversations import series_notices, waitlist_offers
from conversations.common import answer, pressed, services, show
from conversations.metrics import CANCELLATIONS
from conversations.provider_common import acting, provider_only
from conversations.states import BROWSING, SERIES_CANCEL_REASON
from core.errors import InvalidTransition, NotFound
from core.model import CancelledBy
from core.provider_series import confirm_series, decline_series, series_rest
from core.series_booking import cancel_series_from

REASON_MAX_CHARS = 500
#: user_data: the appointment whose series a typed reason cancels (a steps.STEP_DRAFTS key).
DRAFT = "series_cancel"


@provider_only
async def on_series_cancel_from(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """"Cancel the series from this date": show what would go, ask for a reason."""
    button = pressed(update, cb.SeriesCancelFrom)
    await answer(update)
    who = acting(context)
    try:
        rest = await series_rest(services(context).uow(), who.provider.id, button.appointment,  # type: ignore[arg-type]
                                 services(context).clock())
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    except InvalidTransition:
        await show(update, who.texts._("That is no longer possible."))
        return BROWSING
    context.user_data[DRAFT] = button.appointment  # type: ignore[index]
    await show(update, views.series_cancel_question(who.texts, who.provider, rest.item, rest.starts),
               views.series_cancel_keyboard(who.texts, button.appointment), new_message=True)
    return SERIES_CANCEL_REASON


@provider_only
async def on_series_cancel_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    appointment_id = context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    if appointment_id is None:
        return BROWSING
    reason = (update.effective_message.text or "").strip()[:REASON_MAX_CHARS] or None  # type: ignore[union-attr]
    await _cancel(update, context, appointment_id, reason)
    return BROWSING


@provider_only
async def on_series_cancel_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesCancelNow)
    await answer(update)
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await _cancel(update, context, button.appointment, None)
    return BROWSING


async def _cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int, reason: str | None) -> None:
    who = acting(context)
    svc = services(context)
    try:
        # "From this date" is decided again here: the question's list may be old.
        rest = await series_rest(svc.uow(), who.provider.id, appointment_id, svc.clock())  # type: ignore[arg-type]
        cancelled = await cancel_series_from(
            svc.uow(), appointment_id, now=svc.clock(), by=CancelledBy.PROVIDER, reason=reason,
            from_start=rest.from_start, provider_id=who.provider.id,
        )
    except (NotFound, InvalidTransition):
        await show(update, who.texts._("That is no longer possible."))
        return
    CANCELLATIONS.labels(by="provider").inc(len(cancelled))
    await series_notices.series_cancelled(context, cancelled, by=CancelledBy.PROVIDER, reason=reason)
    await show(update, views.series_cancelled(who.texts, len(cancelled)))
    await waitlist_offers.publish(context)  # the times are free again: the waitlist hears first


@provider_only
async def on_series_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """"Confirm all" / "Decline all" under a new series' notice: every waiting session."""
    button = pressed(update, cb.SeriesDecision)
    await answer(update)
    who, svc = acting(context), services(context)
    decide = confirm_series if button.confirm else decline_series
    try:
        decided = await decide(svc.uow(), button.series, provider_id=who.provider.id, now=svc.clock())  # type: ignore[arg-type]
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    except InvalidTransition:
        await show(update, who.texts._("That is no longer possible."))
        return BROWSING
    await series_notices.series_decided(context, decided, confirmed=button.confirm)
    await show(update, views.series_decided(who.texts, len(decided), button.confirm))
    if not button.confirm:
        await waitlist_offers.publish(context)  # the declined times are free for the waitlist
    return BROWSING
