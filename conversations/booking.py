"""/book: provider → appointment type → month → time → summary → confirm.

Every screen is drawn from its button's data alone, so any button keeps working
after a restart or out of order; each handler re-checks what the button names.
Rescheduling reuses the calendar and slot screens with ``appointment`` set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards, notifications, texts
from conversations import waitlist_offers, waitlist_views
from conversations.metrics import BOOKINGS
from conversations.refusals import refusal
from conversations.bounds_texts import out_of_range
from conversations.paging import page_of
from conversations.common import answer, caller, pressed, services, show
from conversations.states import BROWSING, NOTE
from core.appointments import client_appointment
from core.availability import last_bookable_date
from core.booking import book, reschedule_appointment
from core.catalog import get_offer, list_offers
from core.availability import DayStatus
from core.bounds import date_window, future_window, in_window, is_id
from core.errors import BookingError, NotFound, RescheduleLocked, SlotNoLongerAvailable
from core.localtime import local_date, zone
from core.model import AppointmentType, ProviderOffer
from core.slots import get_day_in_zone, get_month_in_zone

NOTE_MAX_CHARS = 500


async def start_booking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show_providers(update, context, page=0)
    return BROWSING


async def show_providers(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int) -> None:
    t = caller(context).texts
    offers = await list_offers(services(context).uow())
    if not offers:
        await show(update, texts.no_providers(t))
        return
    await show(update, texts.choose_provider(t), keyboards.providers(t, offers, page))


async def on_provider_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ProviderPage)
    await answer(update)
    await show_providers(update, context, data.page)
    return BROWSING


async def show_types(
    update: Update, context: ContextTypes.DEFAULT_TYPE, provider_id: int, page: int = 0
) -> None:
    t = caller(context).texts
    try:
        if not is_id(provider_id):  # a deep link's p9999999999: no row, and no query
            raise NotFound("provider", provider_id)
        offer = await get_offer(services(context).uow(), provider_id)
    except NotFound:
        await show(update, texts.expired(t))
        return
    today = local_date(services(context).clock(), zone(offer.provider.timezone))
    await show(
        update,
        texts.choose_type(t, offer.provider, list(page_of(offer.types, page, keyboards.TYPES_PER_PAGE).items)),
        keyboards.appointment_types(t, offer.provider, offer.types, today, page),
    )


async def on_provider(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.PickProvider)
    await answer(update)
    await show_types(update, context, data.provider_id, data.page if isinstance(data, cb.TypesPage) else 0)
    return BROWSING


async def outside_window(
    update: Update, context: ContextTypes.DEFAULT_TYPE, day: date, lead: str
) -> bool:
    """Whether ``day`` lies outside the date window; if so, the screen names the days to pick.

    Only a forged or very old button gets here: the calendar offers nothing beyond it.
    """
    today = local_date(services(context).clock(), zone(lead))
    if in_window(day, today):
        return False
    await show(update, out_of_range(caller(context).texts, *future_window(today)))
    return True


@dataclass(frozen=True)
class Choice:
    """What a booking button names, checked: the provider, the type, and the zone that leads."""

    offer: ProviderOffer
    appt_type: AppointmentType
    lead: str  # the zone whose dates and times the client reads (texts.display_zone)


async def chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, provider_id: int, type_id: int, appointment: int
) -> Choice | None:
    """The provider and type a button names, if still bookable and (when moving) the caller's.

    Otherwise the screen says the menu expired and this returns ``None``.
    """
    who = caller(context)
    appt_type = None
    try:
        offer = await get_offer(services(context).uow(), provider_id)
        held = None
        if appointment:
            held = await client_appointment(services(context).uow(), appointment, who.client.id)  # type: ignore[arg-type]
        if held is None or (held.provider.id, held.appt_type.id) == (provider_id, type_id):
            appt_type = next((a for a in offer.types if a.id == type_id), None)
    except NotFound:
        pass
    if appt_type is None:
        await show(update, texts.expired(who.texts))
        return None
    return Choice(offer, appt_type, texts.display_zone(who.client.timezone, offer.provider, appt_type))


def _first_day(year: int, month: int) -> date:
    """The month's first day; date.min for a month no calendar has (13, year 0)."""
    try:
        return date(year, month, 1)
    except ValueError:
        return date.min


async def show_month(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    provider_id: int,
    type_id: int,
    year: int,
    month: int,
    appointment: int = 0,
) -> None:
    who = caller(context)
    t = who.texts
    choice = await chosen(update, context, provider_id, type_id, appointment)
    if choice is None:
        return
    offer, appt_type, lead = choice.offer, choice.appt_type, choice.lead
    now = services(context).clock()
    today = local_date(now, zone(lead))
    window_first, window_last = date_window(today)
    if not window_first.replace(day=1) <= _first_day(year, month) <= window_last:
        await show(update, out_of_range(t, *future_window(today)))  # month 13, year 9999
        return
    if (year, month) < (today.year, today.month):
        year, month = today.year, today.month
    days = await get_month_in_zone(
        services(context).uow(), provider_id, type_id, year, month, lead, now
    )
    # The calendar's ▶ stops at the horizon, and the horizon at the window.
    horizon = min(last_bookable_date(offer.provider.settings, zone(offer.provider.timezone), now),
                  window_last)
    await show(
        update,
        texts.choose_day(t, offer.provider, appt_type, lead, rescheduling=bool(appointment)),
        keyboards.month(
            t, provider_id, type_id, year, month, days,
            today=today, last_bookable=horizon + timedelta(days=1), appointment=appointment,
        ),
    )


async def on_month(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ShowMonth)
    await answer(update)
    await show_month(
        update, context, data.provider_id, data.type_id, data.year, data.month, data.appointment
    )
    return BROWSING


async def show_day(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    provider_id: int,
    type_id: int,
    day,  # type: ignore[no-untyped-def]
    appointment: int = 0,
    *,
    lead_text: str | None = None,
    page: int = 0,
) -> None:
    who = caller(context)
    t = who.texts
    choice = await chosen(update, context, provider_id, type_id, appointment)
    if choice is None:
        return
    offer, appt_type, lead = choice.offer, choice.appt_type, choice.lead
    if await outside_window(update, context, day, lead):
        return
    availability = await get_day_in_zone(
        services(context).uow(), provider_id, type_id, day, lead, services(context).clock()
    )
    if not availability.slots:
        if appointment or availability.status is not DayStatus.FULLY_BOOKED:
            await show(update, texts.no_slots_left(t, day))
            await show_month(update, context, provider_id, type_id, day.year, day.month, appointment)
        else:
            text = waitlist_views.day_full(t, day, offer.provider)
            await show(update, f"{lead_text}\n\n{text}" if lead_text else text,
                       waitlist_views.day_full_keyboard(t, provider_id, type_id, day))
        return
    heading = texts.choose_slot(t, day, lead, offer.provider, who.client.timezone)
    await show(
        update,
        f"{lead_text}\n\n{heading}" if lead_text else heading,
        keyboards.slots(
            t, offer.provider, appt_type, day, availability.slots, who.client.timezone, appointment,
            extra=None if appointment else waitlist_views.join_button(t, provider_id, type_id, day),
            page=page,
        ),
    )


async def on_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ShowDay)
    await answer(update)
    page = data.page if isinstance(data, cb.DayPage) else 0
    await show_day(update, context, data.provider_id, data.type_id, data.day, data.appointment, page=page)
    return BROWSING


def _notes(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data.setdefault("notes", {})  # type: ignore[union-attr]


async def show_summary(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    provider_id: int,
    type_id: int,
    start: datetime,
    appointment: int = 0,
    *,
    new_message: bool = False,
) -> None:
    who = caller(context)
    t = who.texts
    choice = await chosen(update, context, provider_id, type_id, appointment)
    if choice is None:
        return
    offer, appt_type, lead = choice.offer, choice.appt_type, choice.lead
    # The UTC date first: near date.max or date.min, a zone's own overflows.
    if await outside_window(update, context, start.date(), lead):
        return
    day = local_date(start, zone(lead))
    availability = await get_day_in_zone(
        services(context).uow(), provider_id, type_id, day, lead, services(context).clock()
    )
    if start not in availability.slots:
        await show_day(
            update, context, provider_id, type_id, day, appointment, lead_text=texts.slot_taken(t)
        )
        return
    note = _notes(context).get((provider_id, type_id, start))
    await show(
        update,
        texts.summary(
            t, offer.provider, appt_type, start, who.client.timezone, note, bool(appointment)
        ),
        keyboards.confirm(t, provider_id, type_id, start, day, appointment,
                          repeat=appt_type.allow_series and not appointment),
        new_message=new_message,
    )


async def on_slot(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.PickSlot)
    await answer(update)
    await show_summary(
        update, context, data.provider_id, data.type_id, data.start, data.appointment
    )
    return BROWSING


async def on_add_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.AddNote)
    await answer(update)
    context.user_data["note_for"] = (data.provider_id, data.type_id, data.start)  # type: ignore[index]
    await show(update, texts.ask_note(caller(context).texts), new_message=True)
    return NOTE


async def on_note_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    target = context.user_data.pop("note_for", None)  # type: ignore[union-attr]
    if target is None:
        return BROWSING
    note = (update.effective_message.text or "").strip()[:NOTE_MAX_CHARS]  # type: ignore[union-attr]
    if note:
        _notes(context)[target] = note
    await show_summary(update, context, *target, new_message=True)
    return BROWSING


async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.ConfirmBooking)
    await answer(update)
    who = caller(context)
    t = who.texts
    svc = services(context)
    choice = await chosen(update, context, data.provider_id, data.type_id, data.appointment)
    if choice is None:
        return BROWSING
    offer, lead = choice.offer, choice.lead
    if await outside_window(update, context, data.start.date(), lead):
        return BROWSING
    try:
        if data.appointment:
            await reschedule_appointment(
                svc.uow(), data.appointment, new_start=data.start, now=svc.clock(),
                client_id=who.client.id,
            )
            details = await client_appointment(svc.uow(), data.appointment, who.client.id)  # type: ignore[arg-type]
            await show(update, texts.rescheduled(t, details, who.client.timezone),
                       keyboards.after_booking(t))
            await notifications.booking_moved_by_client(context, data.appointment)
            await waitlist_offers.publish(context)  # the old time is free for the waitlist
            return BROWSING
        note = _notes(context).pop((data.provider_id, data.type_id, data.start), None)
        outcome = await book(
            svc.uow(), provider_id=data.provider_id, type_id=data.type_id,
            client_id=who.client.id, start=data.start, now=svc.clock(), notes=note,  # type: ignore[arg-type]
        )
    except SlotNoLongerAvailable:
        day = local_date(data.start, zone(lead))
        await show_day(update, context, data.provider_id, data.type_id, day, data.appointment,
                       lead_text=texts.slot_taken(t))
        return BROWSING
    except RescheduleLocked:
        await show(update, texts.reschedule_locked(t, offer.provider), keyboards.after_booking(t))
        return BROWSING
    except NotFound:  # the appointment being moved is gone
        await show(update, texts.not_changeable(t))
        return BROWSING
    except BookingError as refused:
        await show(update, *refusal(t, refused))
        return BROWSING
    if outcome.created:
        BOOKINGS.labels(via="book").inc()
    await show_booked(update, context, outcome.appointment.id, outcome.created)  # type: ignore[arg-type]
    return BROWSING


async def show_booked(
    update: Update, context: ContextTypes.DEFAULT_TYPE, appointment_id: int, created: bool
) -> None:
    """The booked screen; a new booking is announced to the provider."""
    who = caller(context)
    details = await client_appointment(services(context).uow(), appointment_id, who.client.id)  # type: ignore[arg-type]
    await show(update, texts.booked(who.texts, details, who.client.timezone, created),
               keyboards.after_booking(who.texts))
    if created:
        await notifications.booking_made(context, appointment_id)


async def on_not_bookable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.NotBookable)
    t = caller(context).texts
    hints = {
        "full": t._("Fully booked: every time that day is taken."),
        "off": t._("Not available that day."),
        "past": t._("That day has passed."),
    }
    await answer(update, hints.get(data.reason))
    return BROWSING
