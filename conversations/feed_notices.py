"""What a provider hears from their own calendars after a sync, each thing once (issue #13).

* A feed that starts failing: one message in their language, with the host and
  the reason. A sync that works again clears the record, so a later failure is
  told again.
* A busy time over a booking: one message per booking, "Keep it" or "Cancel it
  (the client is told)" — never resolved silently.

Both are claimed in the database before the message goes (``core/feed_failures.py``,
``core/calendar_conflicts.py``), so restarts and several processes tell each once.
They are pushed messages: ``context.bot`` sends them through the rate limiter
(``bot/rate_limits.py``, paced per chat). A send that may have reached Telegram is
never repeated (``conversations/delivery.py``); one that surely never left gives its
claim back, and the next sync tells it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from conversations import caldav_views
from conversations import callbacks as cb
from conversations import feed_views as views
from conversations import notifications, waitlist_offers
from conversations.common import answer, pressed, services, show
from conversations.delivery import SendFailure, send_failure, stopping
from conversations.i18n import Texts, resolve_locale, texts_for
from conversations.metrics import CANCELLATIONS
from conversations.provider_common import acting, provider_only
from conversations.states import BROWSING
from core.calendar_conflicts import claim_new_conflicts, decide_conflict, release_conflict
from core.calendar_sync import SyncOutcome, SyncResult
from core.errors import InvalidTransition, NotFound
from core.feed_failures import claim_failure_notice, release_failure_notice
from core.model import Provider

if TYPE_CHECKING:
    from core.caldav_push import PushResult

log = logging.getLogger(__name__)


async def after_sync(context: ContextTypes.DEFAULT_TYPE, results: Sequence[SyncResult]) -> None:
    """Tell the providers what these syncs found: a new failure, new conflicts."""
    for result in results:
        if stopping(context.bot_data):
            return  # nothing is claimed yet for the rest: the next sync tells it
        if result.outcome is SyncOutcome.FAILED:
            await _tell_failure(context, result.feed_id)
        elif result.ok:
            await _tell_conflicts(context, result.feed_id)


async def after_push(context: ContextTypes.DEFAULT_TYPE, results: Sequence[PushResult]) -> None:
    """Tell the providers whose bookings a CalDAV run gave up writing (once: a write is
    given up once, by the one process holding the account; a notice that never left is
    not sent again — /calendar keeps showing the given-up writes and the error)."""
    from core.caldav_push import given_up_notice  # icalendar: only once CalDAV runs

    for result in results:
        if stopping(context.bot_data):
            return
        notice = await given_up_notice(services(context).uow(), result)
        if notice is not None:
            text = caldav_views.writes_failed(
                _texts(notice.provider), notice.account, notice.given_up)
            await _push(context, notice.provider.telegram_user_id, text)


def _texts(provider: Provider) -> Texts:
    return texts_for(resolve_locale(provider.language, None))


async def _tell_failure(context: ContextTypes.DEFAULT_TYPE, feed_id: int) -> None:
    svc = services(context)
    notice = await claim_failure_notice(svc.uow(), feed_id, svc.clock())
    if notice is None:
        return
    text = views.feed_failed(_texts(notice.provider), notice.feed, notice.label)
    failure = await _push(context, notice.provider.telegram_user_id, text)
    if failure is not None and failure.may_retry:
        await release_failure_notice(svc.uow(), notice)


async def _tell_conflicts(context: ContextTypes.DEFAULT_TYPE, feed_id: int) -> None:
    svc = services(context)
    for notice in await claim_new_conflicts(svc.uow(), feed_id, now=svc.clock()):
        failure: SendFailure | None = SendFailure.NOT_SENT
        if not stopping(context.bot_data):
            text, markup = views.conflict_notice(_texts(notice.provider), notice)
            failure = await _push(context, notice.provider.telegram_user_id, text, markup)
        if failure is not None and failure.may_retry:
            await release_conflict(svc.uow(), notice.conflict)


async def _push(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> SendFailure | None:
    """Send once; what went wrong, if anything (logged with the chat id, never the text)."""
    assert chat_id is not None  # claimed only for a provider with a linked account
    try:
        await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except TelegramError as exc:
        failure = send_failure(exc)
        log.warning(
            "calendar notice to chat %s: %s (%s)", chat_id, failure.value, type(exc).__name__
        )
        return failure
    return None


@provider_only
async def on_conflict_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """"Keep it" or "Cancel it" under a busy time over a booking."""
    button = pressed(update, cb.ConflictDecision)
    await answer(update)
    who = acting(context)
    t = who.texts
    svc = services(context)
    try:
        decided = await decide_conflict(
            svc.uow(), button.conflict, provider_id=who.provider.id,  # type: ignore[arg-type]
            cancel=button.cancel, now=svc.clock(),
            reason=t._("The provider is not available then."),
        )
    except NotFound:  # forged, another provider's, or its calendar was removed
        await show(update, t._("This menu has expired."))
        return BROWSING
    except InvalidTransition:  # decided already, cancelled, moved or begun since
        await show(update, t._("That is no longer possible."))
        return BROWSING
    appointment_id = decided.notice.item.appointment.id
    assert appointment_id is not None
    if decided.cancelled:
        CANCELLATIONS.labels(by="provider").inc()
        # The same notice as a cancellation from /agenda, with "Pick a new time".
        await notifications.client_told(context, appointment_id, "cancelled")
    await show(update, views.conflict_decided(t, decided.notice, decided.cancelled))
    if decided.cancelled:
        await waitlist_offers.publish(context)  # the freed time: the waitlist hears first
    return BROWSING
