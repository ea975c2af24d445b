"""Inline keyboards: pure functions from plain values to PTB markup (no network).

Every label goes through :func:`conversations.markup.label`: Telegram shows button text
as plain text (escaping it would show ``&amp;``), on one line, and cuts long ones badly.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from conversations import callbacks as cb
from conversations import markup
from conversations import provider_texts as ptexts
from conversations.i18n import LOCALE_NAMES, SUPPORTED_LOCALES, Texts
from conversations.paging import Page, page_of
from conversations.texts import MY_PER_PAGE, display_zone, provider_type_name, slot_label
from core.availability import DayAvailability, DayStatus
from core.client_series import MyEntry, SeriesEntry
from core.model import AgendaItem, AppointmentStatus, AppointmentType, Client
from core.model import Provider, ProviderOffer

PROVIDERS_PER_PAGE = 6
SLOTS_PER_ROW = 3
# Telegram refuses more than 100 buttons; a page stays well under with its navigation.
SLOTS_PER_PAGE = 15 * SLOTS_PER_ROW
TYPES_PER_PAGE = 12
CLIENTS_PER_PAGE = 8


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(markup.label(text), callback_data=cb.encode(callback))


def _label(text: str) -> InlineKeyboardButton:
    return _button(text, cb.NotBookable("label"))


def blank() -> InlineKeyboardButton:
    """An empty calendar cell: a space, which label() would not keep."""
    return InlineKeyboardButton(" ", callback_data=cb.encode(cb.NotBookable("label")))


def pager(page: Page, turn) -> list[InlineKeyboardButton]:  # type: ignore[no-untyped-def,type-arg]
    """◀ 2/5 ▶ under a paged list; ``turn(n)`` is the button data showing page n."""
    nav = [_button("◀", turn(page.number - 1))] if page.has_previous else []
    nav.append(_button(page.position(), turn(page.number)))
    if page.has_next:
        nav.append(_button("▶", turn(page.number + 1)))
    return nav


def providers(t: Texts, offers: Sequence[ProviderOffer], page: int) -> InlineKeyboardMarkup:
    """One button per provider, grouped under their kind when kinds differ; paged."""
    pages = max(1, -(-len(offers) // PROVIDERS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = offers[page * PROVIDERS_PER_PAGE : (page + 1) * PROVIDERS_PER_PAGE]
    grouped = len({o.provider.type for o in offers}) > 1
    rows: list[list[InlineKeyboardButton]] = []
    current_kind = None
    for offer in shown:
        if grouped and offer.provider.type != current_kind:
            current_kind = offer.provider.type
            rows.append([_label(f"— {provider_type_name(t, current_kind)} —")])
        rows.append([_button(offer.provider.name, cb.PickProvider(offer.provider.id))])  # type: ignore[arg-type]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(_button("« " + t._("Previous"), cb.ProviderPage(page - 1)))
        nav.append(_label(f"{page + 1}/{pages}"))
        if page < pages - 1:
            nav.append(_button(t._("Next") + " »", cb.ProviderPage(page + 1)))
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def appointment_types(
    t: Texts, provider: Provider, types: Sequence[AppointmentType], today: date, page: int = 0
) -> InlineKeyboardMarkup:
    shown = page_of(types, page, TYPES_PER_PAGE)
    rows = [
        [_button(a.name, cb.ShowMonth(provider.id, a.id, today.year, today.month))]  # type: ignore[arg-type]
        for a in shown.items
    ]
    if shown.count > 1:
        rows.append(pager(shown, lambda n: cb.TypesPage(provider.id, n)))  # type: ignore[arg-type]
    rows.append([_button("« " + t._("Back"), cb.ProviderPage(0))])
    return InlineKeyboardMarkup(rows)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """The (year, month) ``delta`` months from (year, month)."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month(
    t: Texts,
    provider_id: int,
    type_id: int,
    year: int,
    month_number: int,
    days: Sequence[DayAvailability],
    *,
    today: date,
    last_bookable: date,
    appointment: int = 0,
) -> InlineKeyboardMarkup:
    """A month grid: bookable days tappable, full days marked ✕, the rest dots."""
    by_date = {d.date: d for d in days}
    first_of_month = date(year, month_number, 1)
    prev_year, prev_month = shift_month(year, month_number, -1)
    next_year, next_month = shift_month(year, month_number, 1)
    has_prev = (year, month_number) > (today.year, today.month)
    has_next = date(next_year, next_month, 1) <= last_bookable
    header = [
        _button("«", cb.ShowMonth(provider_id, type_id, prev_year, prev_month, appointment))
        if has_prev
        else blank(),
        _label(t.month_year(year, month_number)),
        _button("»", cb.ShowMonth(provider_id, type_id, next_year, next_month, appointment))
        if has_next
        else blank(),
    ]
    rows = [header, [_label(name) for name in t.weekday_abbreviations()]]
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month_number):
        row = []
        for day in week:
            if day.month != first_of_month.month:
                row.append(blank())
                continue
            status = by_date[day].status if day in by_date else DayStatus.CLOSED
            if status is DayStatus.OPEN:
                row.append(_button(str(day.day), cb.ShowDay(provider_id, type_id, day, appointment)))
            elif status is DayStatus.FULLY_BOOKED and not appointment:
                # Tappable: the day's screen offers to join its waitlist.
                row.append(_button(f"{day.day}✕", cb.ShowDay(provider_id, type_id, day)))
            elif status is DayStatus.FULLY_BOOKED:
                row.append(_button(f"{day.day}✕", cb.NotBookable("full")))
            else:
                row.append(_button("·", cb.NotBookable("past" if day < today else "off")))
        rows.append(row)
    back = cb.MyAppointment(appointment) if appointment else cb.PickProvider(provider_id)
    rows.append([_button("« " + t._("Back"), back)])
    return InlineKeyboardMarkup(rows)


def slots(
    t: Texts,
    provider: Provider,
    appt_type: AppointmentType,
    day: date,
    starts: Sequence[datetime],
    client_zone: str | None,
    appointment: int = 0,
    *,
    extra: InlineKeyboardButton | None = None,
    page: int = 0,
) -> InlineKeyboardMarkup:
    """Slot buttons, three a row, paged; ``extra`` (e.g. "join the waitlist") goes under them."""
    shown = page_of(starts, page, SLOTS_PER_PAGE)
    buttons = [
        _button(
            slot_label(t, start, client_zone, provider, appt_type),
            cb.PickSlot(provider.id, appt_type.id, start, appointment),  # type: ignore[arg-type]
        )
        for start in shown.items
    ]
    rows = [buttons[i : i + SLOTS_PER_ROW] for i in range(0, len(buttons), SLOTS_PER_ROW)]
    if shown.count > 1:
        rows.append(pager(shown, lambda n: cb.DayPage(provider.id, appt_type.id, day, appointment, n)))  # type: ignore[arg-type]
    if extra is not None:
        rows.append([extra])
    rows.append(
        [
            _button(
                "« " + t._("Back to the calendar"),
                cb.ShowMonth(provider.id, appt_type.id, day.year, day.month, appointment),  # type: ignore[arg-type]
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def confirm(
    t: Texts,
    provider_id: int,
    type_id: int,
    start: datetime,
    day: date,
    appointment: int = 0,
    repeat: bool = False,
) -> InlineKeyboardMarkup:
    """``repeat``: the type may be booked as a weekly series (never when moving one)."""
    rows = [[_button("✅ " + t._("Confirm"), cb.ConfirmBooking(provider_id, type_id, start, appointment))]]
    if not appointment:
        rows.append([_button("✏️ " + t._("Add a note"), cb.AddNote(provider_id, type_id, start))])
        if repeat:
            rows.append([_button("🔁 " + t._("Repeat weekly…"), cb.SeriesRepeat(provider_id, type_id, start))])
    rows.append([_button("« " + t._("Back"), cb.ShowDay(provider_id, type_id, day, appointment))])
    return InlineKeyboardMarkup(rows)


def after_booking(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t._("My appointments"), cb.MyAppointments())]])


def my_list(
    t: Texts, items: Sequence[MyEntry], client_zone: str | None, page: int = 0
) -> InlineKeyboardMarkup:
    """One button per appointment or series on page ``page`` of /my, ◀ ▶ when there are more."""
    shown = page_of(items, page, MY_PER_PAGE)
    rows = []
    for entry in shown.items:
        d = entry.next if isinstance(entry, SeriesEntry) else entry
        lead = display_zone(client_zone, d.provider, d.appt_type)
        when = t.format_datetime(d.appointment.start, lead, "short")
        if isinstance(entry, SeriesEntry):
            left = t.ngettext("{n} left", "{n} left", entry.left).format(n=entry.left)
            rows.append([_button(f"🔁 {when} · {left} · {d.appt_type.name}", cb.MySeries(entry.series_id))])
        else:
            rows.append([_button(f"{when} · {d.appt_type.name}", cb.MyAppointment(d.appointment.id))])  # type: ignore[arg-type]
    if shown.count > 1:
        rows.append(pager(shown, cb.MyPage))
    rows.append([_button("➕ " + t._("Book an appointment"), cb.ProviderPage(0))])
    return InlineKeyboardMarkup(rows)


def my_item(t: Texts, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("🔁 " + t._("Reschedule"), cb.Reschedule(appointment_id)),
                _button("❌ " + t._("Cancel"), cb.AskCancel(appointment_id)),
            ],
            [_button("📅 " + t._("Add to calendar"), cb.CalendarFile(appointment_id))],
            [_button("« " + t._("Back"), cb.MyAppointments())],
        ]
    )


def cancel_question(t: Texts, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t._("Yes, cancel it"), cb.ConfirmCancel(appointment_id))],
            [_button(t._("Cancel and give a reason"), cb.CancelWithReason(appointment_id))],
            [_button("« " + t._("No, keep it"), cb.MyAppointment(appointment_id))],
        ]
    )


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(LOCALE_NAMES[code], cb.SetLanguage(code))] for code in SUPPORTED_LOCALES]
    )


def time_zones(t: Texts, zones: Sequence[str], label) -> InlineKeyboardMarkup:  # type: ignore[no-untyped-def]
    """Zone buttons two per row; ``label(zone)`` gives each its text."""
    buttons = [_button(label(z), cb.SetTimeZone(z)) for z in zones]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(t._("Later"), cb.KeepTimeZoneUnset())])
    return InlineKeyboardMarkup(rows)


def share_location(t: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton("📍 " + t._("Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def agenda(
    t: Texts, provider: Provider, first: date, last: date, items: Sequence[AgendaItem], page: int = 0,
    window: tuple[date, date] | None = None,
) -> InlineKeyboardMarkup:
    """/agenda's buttons: the page's appointments (not cancelled ones), its pages, its periods.

    A period reaching outside ``window`` (core.bounds) gets no button: tapping it would
    only be told to pick a date inside.
    """
    shown = ptexts.agenda_page(items, page)
    rows = [
        [_button(_agenda_label(t, i, provider, first != last), cb.AgendaEntry(i.appointment.id))]  # type: ignore[arg-type]
        for i in shown.items
        if i.appointment.status is not AppointmentStatus.CANCELLED
    ]
    if shown.count > 1:
        rows.append(pager(shown, lambda n: cb.AgendaPage(first, last, n)))
    span = last - first + timedelta(days=1)
    periods = [(text, _shifted(first, last, step)) for text, step in (("«", -span), ("»", span))]
    if window is not None:
        periods = [(text, d) for text, d in periods if d and window[0] <= d[0] and d[1] <= window[1]]
    rows.append([_button(text, cb.AgendaDay(*dates)) for text, dates in periods if dates])
    return InlineKeyboardMarkup(rows)


def _shifted(first: date, last: date, step: timedelta) -> tuple[date, date] | None:
    """The period ``step`` away, or None past the calendar's ends (year 1 or 9999)."""
    try:
        return first + step, last + step
    except OverflowError:
        return None


def _agenda_label(t: Texts, item: AgendaItem, provider: Provider, with_date: bool) -> str:
    """"09:00 Anna · Check-up ⏳": plain text, so "&" reads "&", never "&amp;"."""
    a = item.appointment
    pending = " ⏳" if a.status is AppointmentStatus.PENDING else ""
    pending += " 🔁" if a.series_id is not None else ""  # a session of a weekly series
    if with_date:  # a week's buttons: which day, too
        when = t.format_datetime(a.start, provider.timezone, "short")
    else:
        when = t.format_time(a.start, provider.timezone)
    return f"{when} {ptexts.plain_client_name(t, item)} · {item.appt_type.name}{pending}"


def client_list(t: Texts, clients: Sequence[tuple[Client, bool]], page: int = 0) -> InlineKeyboardMarkup:
    """/clients: one button per client (🚫 blocked) opening their card, paged."""
    shown = page_of(clients, page, CLIENTS_PER_PAGE)
    rows = []
    for client, blocked in shown.items:
        name = ptexts.client_label(t, client)
        rows.append([_button(f"{'🚫 ' if blocked else ''}{name}", cb.ClientCard(client.id))])  # type: ignore[arg-type]
    if shown.count > 1:
        rows.append(pager(shown, cb.ClientList))
    return InlineKeyboardMarkup(rows)
