"""/forgetme: a client deletes what the bot knows about them, after one confirmation."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, ConversationHandler

from conversations import callbacks as cb
from conversations import notifications, waitlist_offers
from conversations.common import answer, caller, pressed, services, show
from conversations.i18n import Texts
from conversations.states import BROWSING
from core.appointments import upcoming_for_client
from core.privacy import forget_client

log = logging.getLogger(__name__)


def question(t: Texts, upcoming: int) -> str:
    lines = [t._(
        "Delete your data? I will forget your name, language and time zone, your notes, and "
        "your places on waiting lists. Providers keep an anonymous record of past visits."
    )]
    if upcoming:
        lines.append(t.ngettext(
            "Your {n} upcoming appointment will be cancelled.",
            "Your {n} upcoming appointments will be cancelled.",
            upcoming,
        ).format(n=upcoming))
    lines.append(t._("This cannot be undone."))
    return "\n\n".join(lines)


def question_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("🗑 " + t._("Delete my data"), callback_data=cb.encode(cb.ForgetMe(True)))],
        [InlineKeyboardButton("« " + t._("Keep it"), callback_data=cb.encode(cb.ForgetMe(False)))],
    ])


async def cmd_forgetme(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = caller(context)
    svc = services(context)
    upcoming = await upcoming_for_client(svc.uow(), who.client.id, svc.clock())  # type: ignore[arg-type]
    await show(update, question(who.texts, len(upcoming)), question_keyboard(who.texts))
    return BROWSING


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ForgetMe)
    await answer(update)
    t = caller(context).texts
    if not data.confirm:
        await show(update, t._("Nothing was deleted."))
        return BROWSING
    svc = services(context)
    forgotten = await forget_client(svc.uow(), caller(context).client.id, now=svc.clock())  # type: ignore[arg-type]
    for appointment in forgotten.cancelled:
        await notifications.booking_cancelled_by_client(context, appointment.id)  # type: ignore[arg-type]
    if forgotten.cancelled:
        await waitlist_offers.publish(context)
    # PTB's own store of this user (typed answers under way) goes too.
    context.application.drop_user_data(forgotten.telegram_user_id)
    log.info("a client's data was deleted on request")
    await show(update, t._(
        "Done: your data is deleted. If you write to me again, I will start afresh."
    ))
    return ConversationHandler.END
