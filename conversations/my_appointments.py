"""/my: upcoming appointments — cancel (with a late-cancel warning), reschedule, .ics.

Every appointment id arriving in a button is checked against the caller: the
services answer NotFound for someone else's, which reads as an expired menu.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards, my_series_views, notifications, texts, waitlist_offers
from conversations import waitlist_views as views
from conversations.metrics import CANCELLATIONS
from conversations.booking import show_month
from conversations.common import answer, caller, pressed, services, show
from conversations.i18n import Texts
from conversations.ics import IcsEvent, appointments_ics, ics_filename
from conversations.markup import fit
from conversations.states import BROWSING, CANCEL_REASON
from core.appointments import client_appointment, would_be_late_cancel
from core.client_series import MyEntry, client_series, my_entries
from core.booking import cancel_appointment
from core.errors import InvalidTransition, LateCancellationRefused, NotFound
from core.localtime import local_date, zone
from core.model import AppointmentDetails
from core.waitlist import WaitlistItem, leave_waitlist, waitlist_of_client

log = logging.getLogger(__name__)
REASON_MAX_CHARS = 500


def my_screen(
    t: Texts,
    items: list[MyEntry],
    waiting: list[WaitlistItem],
    client_zone: str | None,
    page: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """Page ``page`` of /my: upcoming appointments, a series as one (paged), then the dates
    waited for.

    The waiting list is short (core.waitlist.MAX_ENTRIES_PER_CLIENT) and stays on every page.
    """
    text = texts.my_appointments(t, items, client_zone, page)
    if waiting:
        text += "\n\n" + views.entries(t, waiting)
    markup = keyboards.my_list(t, items, client_zone, page)
    return fit(text), InlineKeyboardMarkup([*views.leave_buttons(t, waiting), *markup.inline_keyboard])


async def show_list(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int = 0) -> None:
    """Upcoming appointments, then the dates the client waits for (with Leave buttons)."""
    who = caller(context)
    svc = services(context)
    items = await my_entries(svc.uow(), who.client.id, svc.clock())  # type: ignore[arg-type]
    waiting = await waitlist_of_client(svc.uow(), who.client.id, svc.clock())  # type: ignore[arg-type]
    await show(update, *my_screen(who.texts, items, waiting, who.client.timezone, page))


async def cmd_my(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show_list(update, context)
    return BROWSING


async def on_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The list's button, or one of its pages (a stale page number shows the last page)."""
    data = pressed(update, cb.MyAppointments)
    await answer(update)
    await show_list(update, context, data.page if isinstance(data, cb.MyPage) else 0)
    return BROWSING


async def on_leave_waitlist(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.LeaveWaitlist)
    who = caller(context)
    entry = await leave_waitlist(services(context).uow(), client_id=who.client.id, entry_id=data.entry)  # type: ignore[arg-type]
    await answer(update, None if entry is None else views.left(who.texts, entry.date))
    await show_list(update, context)
    return BROWSING


async def own_changeable(
    update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int
) -> AppointmentDetails | None:
    """The caller's own, still changeable appointment; otherwise say the menu expired."""
    who = caller(context)
    try:
        details = await client_appointment(
            services(context).uow(), appointment_id, who.client.id  # type: ignore[arg-type]
        )
    except NotFound:
        await show(update, texts.expired(who.texts))
        return None
    if not details.appointment.is_active or details.appointment.start <= services(context).clock():
        await show(update, texts.not_changeable(who.texts), keyboards.after_booking(who.texts))
        return None
    return details


async def on_item(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.MyAppointment)
    await answer(update)
    details = await own_changeable(update, context, data.appointment)
    if details is None:
        return BROWSING
    who = caller(context)
    series_id = details.appointment.series_id
    if series_id is None:
        await show(
            update,
            texts.my_appointment(who.texts, details, who.client.timezone),
            keyboards.my_item(who.texts, data.appointment),
        )
        return BROWSING
    # One session of a series: the same actions, and "cancel this and all later".
    series = await client_series(services(context).uow(), series_id, who.client.id)  # type: ignore[arg-type]
    await show(
        update,
        my_series_views.occurrence_screen(who.texts, details, who.client.timezone, series.every_weeks),
        my_series_views.occurrence_keyboard(who.texts, data.appointment, series_id),
    )
    return BROWSING


async def on_ask_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.AskCancel)
    await answer(update)
    details = await own_changeable(update, context, data.appointment)
    if details is not None:
        who = caller(context)
        late = would_be_late_cancel(details, services(context).clock())
        await show(
            update,
            texts.cancel_question(who.texts, details, who.client.timezone, late),
            keyboards.cancel_question(who.texts, data.appointment),
        )
    return BROWSING


async def _cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int, reason: str | None
) -> None:
    who = caller(context)
    svc = services(context)
    try:
        cancelled = await cancel_appointment(
            svc.uow(), appointment_id, now=svc.clock(), reason=reason, client_id=who.client.id
        )
    except NotFound:
        await show(update, texts.expired(who.texts))
        return
    except InvalidTransition:
        await show(update, texts.not_changeable(who.texts), keyboards.after_booking(who.texts))
        return
    except LateCancellationRefused as exc:
        await show(update, texts.late_cancel_refused(who.texts, exc.provider_message),
                   keyboards.my_item(who.texts, appointment_id))
        return
    CANCELLATIONS.labels(by="client").inc()
    await show(update, texts.cancelled(who.texts, cancelled.late_cancel), keyboards.after_booking(who.texts))
    await notifications.booking_cancelled_by_client(context, appointment_id)
    await waitlist_offers.publish(context)  # the freed time's offers go out now


async def on_confirm_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ConfirmCancel)
    await answer(update)
    await _cancel(update, context, data.appointment, reason=None)
    return BROWSING


async def on_cancel_with_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.CancelWithReason)
    await answer(update)
    if await own_changeable(update, context, data.appointment) is None:
        return BROWSING
    context.user_data["cancel_reason_for"] = data.appointment  # type: ignore[index]
    await show(update, texts.ask_cancel_reason(caller(context).texts), new_message=True)
    return CANCEL_REASON


async def on_reason_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    appointment_id = context.user_data.pop("cancel_reason_for", None)  # type: ignore[union-attr]
    if appointment_id is None:
        return BROWSING
    reason = (update.effective_message.text or "").strip()[:REASON_MAX_CHARS] or None  # type: ignore[union-attr]
    await _cancel(update, context, appointment_id, reason)
    return BROWSING


async def on_reschedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.Reschedule)
    await answer(update)
    details = await own_changeable(update, context, data.appointment)
    if details is not None:
        lead = texts.display_zone(caller(context).client.timezone, details.provider, details.appt_type)
        day = local_date(details.appointment.start, zone(lead))
        await show_month(
            update, context, details.provider.id, details.appt_type.id,  # type: ignore[arg-type]
            day.year, day.month, data.appointment,
        )
    return BROWSING


async def on_calendar_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The .ics: the appointment, or for a session of a series every active session of it
    (the calendar app gets the whole series at once, each under its own stable UID)."""
    data = pressed(update, cb.CalendarFile)
    await answer(update)
    details = await own_changeable(update, context, data.appointment)
    if details is None:
        return BROWSING
    who = caller(context)
    t = who.texts
    occurrences = [details]
    series_id = details.appointment.series_id
    if series_id is not None:
        series = await client_series(services(context).uow(), series_id, who.client.id)  # type: ignore[arg-type]
        occurrences = list(series.occurrences) or occurrences
    events = [_ics_event(t, d) for d in occurrences]
    if len(events) == 1:
        caption = t._("Open the file to add the appointment to your calendar.")
    else:
        caption = t.ngettext(
            "Open the file to add the {n} session of your series to your calendar.",
            "Open the file to add the {n} sessions of your series to your calendar.",
            len(events),
        ).format(n=len(events))
    first = events[0]
    await update.effective_chat.send_document(  # type: ignore[union-attr]
        InputFile(appointments_ics(events), filename=ics_filename(first.summary, first.start)),
        caption=caption,
    )
    return BROWSING


def _ics_event(t: Texts, details: AppointmentDetails) -> IcsEvent:
    a, provider, appt_type = details.appointment, details.provider, details.appt_type
    return IcsEvent(
        uid=f"appointment-{a.id}@slotbot",
        start=a.start,
        end=a.end,
        summary=f"{appt_type.name} — {provider.name}",
        description=a.notes,
        location=t._("Video call") if appt_type.is_virtual else provider.address,
        organizer_name=provider.name,
        created=a.created_at,
        status="CONFIRMED" if a.status.value == "CONFIRMED" else "TENTATIVE",
    )
