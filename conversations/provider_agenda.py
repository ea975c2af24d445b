"""/agenda and what a provider does with an appointment; /clients and blocking a client."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards, waitlist_offers
from conversations.metrics import CANCELLATIONS
from conversations import notifications
from conversations import provider_series_views as series_views
from conversations import provider_texts as ptexts
from conversations.bounds_texts import out_of_range, parse_refusal
from conversations.common import answer, pressed, services, show
from conversations.webapp_entry import with_open_week
from conversations.provider_common import acting, provider_only
from conversations.provider_parsing import ParseError, parse_agenda_period
from conversations.states import BROWSING, PROVIDER_CANCEL_REASON
from core.agenda import agenda, agenda_item, clients_of, set_client_blocked, waiting_count
from core.bounds import date_window, in_window
from core.provider_series import series_position
from core.booking import (
    cancel_appointment,
    complete_appointment,
    confirm_appointment,
    decline_appointment,
    mark_no_show,
)
from core.errors import InvalidTransition, NotFound
from core.localtime import local_date, zone
from core.model import AgendaItem, AppointmentStatus, CancelledBy

REASON_MAX_CHARS = 500


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


async def _show_agenda(
    update: Update, context: ContextTypes.DEFAULT_TYPE, first: date, last: date, page: int = 0
) -> None:
    who = acting(context)
    t = who.texts
    items = await agenda(services(context).uow(), who.provider.id, first, last)  # type: ignore[arg-type]
    waiting = await waiting_count(services(context).uow(), who.provider.id, first, last)  # type: ignore[arg-type]
    today = local_date(services(context).clock(), zone(who.provider.timezone))
    markup = keyboards.agenda(t, who.provider, first, last, items, page, date_window(today))
    await show(update, ptexts.agenda(t, who.provider, first, last, items, waiting, page),
               with_open_week(t, markup, services(context).public_url))


@provider_only
async def cmd_agenda(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = acting(context)
    today = local_date(services(context).clock(), zone(who.provider.timezone))
    args = (update.effective_message.text or "").partition(" ")[2].strip()  # type: ignore[union-attr]
    period = parse_agenda_period(args, today)
    if isinstance(period, ParseError):
        await show(update, parse_refusal(who.texts, "agenda", period))
        return BROWSING
    await _show_agenda(update, context, *period)
    return BROWSING


@provider_only
async def on_agenda_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.AgendaDay)
    await answer(update)
    if not timedelta(0) <= button.last - button.first <= timedelta(days=31):
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    who = acting(context)
    today = local_date(services(context).clock(), zone(who.provider.timezone))
    if not (in_window(button.first, today) and in_window(button.last, today)):
        await show(update, out_of_range(who.texts, *date_window(today)))  # as /agenda would
        return BROWSING
    page = button.page if isinstance(button, cb.AgendaPage) else 0
    await _show_agenda(update, context, button.first, button.last, page)
    return BROWSING


def _entry_keyboard(context: ContextTypes.DEFAULT_TYPE, item: AgendaItem, blocked: bool) -> InlineKeyboardMarkup:
    t = acting(context).texts
    a = item.appointment
    now = services(context).clock()
    rows = []
    if a.status is AppointmentStatus.PENDING and a.start > now:
        rows.append([
            _button("✅ " + t._("Confirm"), cb.ProviderConfirm(a.id)),  # type: ignore[arg-type]
            _button("✖️ " + t._("Decline"), cb.ProviderDecline(a.id)),  # type: ignore[arg-type]
        ])
    if a.is_active and a.start > now:
        rows.append([_button("❌ " + t._("Cancel with a reason"), cb.ProviderCancel(a.id))])  # type: ignore[arg-type]
        if a.series_id is not None:
            rows.append([series_views.series_cancel_button(t, a.id)])  # type: ignore[arg-type]
    if a.is_active and a.start <= now:
        rows.append([
            _button("✔️ " + t._("Completed"), cb.ProviderComplete(a.id)),  # type: ignore[arg-type]
            _button("🚫 " + t._("No-show"), cb.ProviderNoShow(a.id)),  # type: ignore[arg-type]
        ])
    label = t._("Unblock this client") if blocked else t._("Block this client")
    rows.append([_button(label, cb.ClientBlockToggle(item.client.id, not blocked))])  # type: ignore[arg-type]
    day = local_date(a.start, zone(acting(context).provider.timezone))
    rows.append([_button("« " + t._("Back"), cb.AgendaDay(day, day))])
    return InlineKeyboardMarkup(rows)


async def _show_entry(update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int) -> None:
    who = acting(context)
    try:
        item = await agenda_item(services(context).uow(), who.provider.id, appointment_id)  # type: ignore[arg-type]
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return
    async with services(context).uow() as unit:
        blocked = item.client.id in await unit.providers.blocked_client_ids(who.provider.id)  # type: ignore[arg-type]
    place = await series_position(services(context).uow(), who.provider.id, appointment_id)  # type: ignore[arg-type]
    in_series = None if place is None else (place.number, place.booked)
    await show(update, ptexts.agenda_entry(who.texts, item, who.provider, in_series),
               _entry_keyboard(context, item, blocked))


@provider_only
async def on_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.AgendaEntry)
    await answer(update)
    await _show_entry(update, context, button.appointment)
    return BROWSING


async def _act(update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int, action, event: str | None) -> None:  # type: ignore[no-untyped-def]
    who = acting(context)
    try:
        await action(services(context).uow(), appointment_id, now=services(context).clock(),
                     provider_id=who.provider.id)
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return
    except InvalidTransition:
        # The tap was answered already (a second answer fails): say it on screen,
        # then show the appointment as it is now.
        await show(update, who.texts._("That is no longer possible."), new_message=True)
        await _show_entry(update, context, appointment_id)
        return
    if event is not None:
        await notifications.client_told(context, appointment_id, event)
    await _show_entry(update, context, appointment_id)
    if action is decline_appointment:
        await waitlist_offers.publish(context)  # the declined time is free for the waitlist


@provider_only
async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderConfirm)
    await answer(update)
    await _act(update, context, button.appointment, confirm_appointment, "confirmed")
    return BROWSING


@provider_only
async def on_decline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderDecline)
    await answer(update)
    await _act(update, context, button.appointment, decline_appointment, "declined")
    return BROWSING


@provider_only
async def on_complete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderComplete)
    await answer(update)
    await _act(update, context, button.appointment, complete_appointment, None)
    return BROWSING


@provider_only
async def on_no_show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderNoShow)
    await answer(update)
    await _act(update, context, button.appointment, mark_no_show, None)
    return BROWSING


@provider_only
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderCancel)
    await answer(update)
    who = acting(context)
    try:
        await agenda_item(services(context).uow(), who.provider.id, button.appointment)  # type: ignore[arg-type]
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    context.user_data["provider_cancel"] = button.appointment  # type: ignore[index]
    await show(update, who.texts._("Type the reason for the client (or /cancel to keep the appointment)."),
               new_message=True)
    return PROVIDER_CANCEL_REASON


@provider_only
async def on_cancel_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    appointment_id = context.user_data.pop("provider_cancel", None)  # type: ignore[union-attr]
    if appointment_id is None:
        return BROWSING
    who = acting(context)
    reason = (update.effective_message.text or "").strip()[:REASON_MAX_CHARS] or None  # type: ignore[union-attr]
    try:
        await cancel_appointment(
            services(context).uow(), appointment_id, now=services(context).clock(), reason=reason,
            by=CancelledBy.PROVIDER, provider_id=who.provider.id,
        )
    except (NotFound, InvalidTransition):
        await show(update, who.texts._("That is no longer possible."))
        return BROWSING
    CANCELLATIONS.labels(by="provider").inc()
    await notifications.client_told(context, appointment_id, "cancelled")
    await show(update, who.texts._("Cancelled; the client was told."))
    await waitlist_offers.publish(context)  # the time is free again: the waitlist hears first
    return BROWSING


async def _show_clients(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int) -> None:
    who = acting(context)
    t = who.texts
    everyone = await clients_of(services(context).uow(), who.provider.id)  # type: ignore[arg-type]
    if not everyone:
        await show(update, t._("Nobody has booked with you yet."))
        return
    await show(update, t._("Your clients (🚫 blocked):"), keyboards.client_list(t, everyone, page))


@provider_only
async def cmd_clients(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _show_clients(update, context, 0)
    return BROWSING


@provider_only
async def on_client_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ClientList)
    await answer(update)
    await _show_clients(update, context, button.page)
    return BROWSING


@provider_only
async def on_client_block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ClientBlockToggle)
    await answer(update)
    who = acting(context)
    try:
        cancelled = await set_client_blocked(
            services(context).uow(), who.provider.id, button.client,  # type: ignore[arg-type]
            blocked=button.block, now=services(context).clock(),
        )
    except NotFound:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    for item in cancelled:
        await notifications.client_told(context, item.appointment.id, "unavailable")  # type: ignore[arg-type]
    await _show_clients(update, context, 0)
    if cancelled:
        await waitlist_offers.publish(context)
    return BROWSING
