"""The provider side of weekly series (issue #14): pure texts and keyboards.

Occurrence lines lead with the provider's own time and add the client's in brackets when
their zone differs (``series_texts.occurrence_line``). Labels are plain text, cut by
``markup.label``; names in messages are escaped.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations import markup
from conversations import provider_texts as ptexts
from conversations.i18n import Texts
from conversations.keyboards import SLOTS_PER_PAGE, SLOTS_PER_ROW, TYPES_PER_PAGE, blank, pager, shift_month
from conversations.markup import LIST_NAME_LIMIT, escape, fit
from conversations.paging import page_of
from conversations.series_texts import every_text, occurrence_line, reason_text
from core.availability import DayAvailability, DayStatus
from core.localtime import local_date, zone
from core.model import MAX_SERIES_OCCURRENCES, AgendaItem, AppointmentType, Client, Provider
from core.series import EVERY_WEEKS, MIN_OCCURRENCES, Occurrence

#: Sessions a question lists before "… and n more" (a series has at most 52).
LISTED = 20
COUNTS_PER_ROW = 6


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(markup.label(text), callback_data=cb.encode(callback))


def _lines(t: Texts, provider: Provider, client_zone: str | None, starts: Sequence[datetime]) -> list[str]:
    lines = ["• " + occurrence_line(t, s, provider.timezone, client_zone) for s in starts[:LISTED]]
    if len(starts) > LISTED:
        lines.append(ptexts.and_more(t, len(starts) - LISTED))
    return lines


def series_cancel_question(
    t: Texts, provider: Provider, item: AgendaItem, starts: Sequence[datetime]
) -> str:
    """Asked before "Cancel the series from this date": what goes, and how to answer."""
    who = ptexts.client_name(t, item, LIST_NAME_LIMIT)
    lines = [
        t.ngettext(
            "Cancel this session of {client}'s weekly series ({type})?",
            "Cancel these {n} sessions of {client}'s weekly series ({type})?",
            len(starts),
        ).format(n=len(starts), client=who, type=escape(item.appt_type.name, LIST_NAME_LIMIT)),
        *_lines(t, provider, item.client.timezone, starts),
        "",
        t._("Type the reason for the client, or cancel without one (/cancel keeps them)."),
    ]
    return fit("\n".join(lines))


def series_cancel_keyboard(t: Texts, appointment: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button("❌ " + t._("Cancel them without a reason"), cb.SeriesCancelNow(appointment))],
        [_button("« " + t._("No, keep them"), cb.AgendaEntry(appointment))],
    ])


def series_cancel_button(t: Texts, appointment: int) -> InlineKeyboardButton:
    """On an agenda entry that belongs to a series and has not started."""
    return _button("🔁 " + t._("Cancel the series from this date"), cb.SeriesCancelFrom(appointment))


def series_cancelled(t: Texts, cancelled: int) -> str:
    return t.ngettext(
        "Cancelled {n} session of the series; the client was told.",
        "Cancelled {n} sessions of the series; the client was told.",
        cancelled,
    ).format(n=cancelled)


# ------------------------------------------------------------------ /clients: a client's card


def client_card(t: Texts, client: Client, blocked: bool) -> tuple[str, InlineKeyboardMarkup]:
    name = ptexts.client_label(t, client)
    lines = [f"<b>{escape(name)}</b>"]
    if blocked:
        lines.append("🚫 " + t._("Blocked: they cannot book with you."))
    rows = []
    if not blocked:  # a blocked client cannot be booked (core.series_booking refuses)
        rows.append([_button("🔁 " + t._("Book a weekly series"), cb.SeriesForClient(client.id))])  # type: ignore[arg-type]
    action = t._("Unblock this client") if blocked else t._("Block this client")
    rows.append([_button(action, cb.ClientBlockToggle(client.id, not blocked))])  # type: ignore[arg-type]
    rows.append([_button("« " + t._("Back"), cb.ClientList(0))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# ------------------------------------------------------------ booking a series for a client


def series_head(t: Texts, client: Client, appt_type: AppointmentType | None = None) -> str:
    """The first line of every step: for whom, and which type once chosen."""
    name = escape(ptexts.client_label(t, client), LIST_NAME_LIMIT)
    if appt_type is None:
        return t._("Weekly series for {client}").format(client=name)
    return t._("Weekly series for {client}: {type}").format(
        client=name, type=escape(appt_type.name, LIST_NAME_LIMIT))


def series_types(
    t: Texts, client_id: int, types: Sequence[AppointmentType], today: date, page: int = 0
) -> InlineKeyboardMarkup:
    """Which type: any of the provider's bookable ones (allow_series gates clients only)."""
    shown = page_of(types, page, TYPES_PER_PAGE)
    rows = [[_button(a.name, cb.SeriesMonth(client_id, a.id, today.year, today.month))]  # type: ignore[arg-type]
            for a in shown.items]
    if shown.count > 1:
        rows.append(pager(shown, lambda n: cb.SeriesForClient(client_id, n)))
    rows.append([_button("« " + t._("Back"), cb.ClientCard(client_id))])
    return InlineKeyboardMarkup(rows)


def series_month(
    t: Texts, client_id: int, type_id: int, year: int, month_number: int,
    days: Sequence[DayAvailability], *, today: date, last_bookable: date,
) -> InlineKeyboardMarkup:
    """The first date: days with a free time tappable, the rest dots (the provider's dates)."""
    open_days = {d.date for d in days if d.status is DayStatus.OPEN}
    before, after = shift_month(year, month_number, -1), shift_month(year, month_number, 1)
    header = [
        _button("«", cb.SeriesMonth(client_id, type_id, *before))
        if (year, month_number) > (today.year, today.month) else blank(),
        _button(t.month_year(year, month_number), cb.NotBookable("label")),
        _button("»", cb.SeriesMonth(client_id, type_id, *after))
        if after <= (last_bookable.year, last_bookable.month) else blank(),
    ]
    rows = [header, [_button(name, cb.NotBookable("label")) for name in t.weekday_abbreviations()]]
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month_number):
        rows.append([
            blank() if day.month != month_number
            else _button(str(day.day), cb.SeriesDay(client_id, type_id, day)) if day in open_days
            else _button("·", cb.NotBookable("past" if day < today else "off"))
            for day in week
        ])
    rows.append([_button("« " + t._("Back"), cb.SeriesForClient(client_id))])
    return InlineKeyboardMarkup(rows)


def series_times(
    t: Texts, provider: Provider, client_id: int, type_id: int, day: date,
    starts: Sequence[datetime], page: int = 0,
) -> InlineKeyboardMarkup:
    """The first start: the times offered that date, in the provider's zone, paged."""
    shown = page_of(starts, page, SLOTS_PER_PAGE)
    buttons = [_button(t.format_time(s, provider.timezone), cb.SeriesStart(client_id, type_id, s))
               for s in shown.items]
    rows = [buttons[i : i + SLOTS_PER_ROW] for i in range(0, len(buttons), SLOTS_PER_ROW)]
    if shown.count > 1:
        rows.append(pager(shown, lambda n: cb.SeriesDayPage(client_id, type_id, day, n)))
    rows.append([_button("« " + t._("Back to the calendar"),
                         cb.SeriesMonth(client_id, type_id, day.year, day.month))])
    return InlineKeyboardMarkup(rows)


def series_every(
    t: Texts, provider: Provider, client_id: int, type_id: int, start: datetime
) -> InlineKeyboardMarkup:
    """How often: every 1, 2 or 4 weeks."""
    rows = [[_button(every_text(t, n), cb.ProviderSeriesEvery(client_id, type_id, start, n))] for n in EVERY_WEEKS]
    day = local_date(start, zone(provider.timezone))
    rows.append([_button("« " + t._("Back"), cb.SeriesMonth(client_id, type_id, day.year, day.month))])
    return InlineKeyboardMarkup(rows)


def series_count(
    t: Texts, client_id: int, type_id: int, start: datetime, every: int, most: int
) -> InlineKeyboardMarkup:
    """How many sessions: 2 to the type's maximum, six a row."""
    buttons = [_button(str(n), cb.ProviderSeriesPreview(client_id, type_id, start, every, n))
               for n in range(MIN_OCCURRENCES, min(most, MAX_SERIES_OCCURRENCES) + 1)]
    rows = [buttons[i : i + COUNTS_PER_ROW] for i in range(0, len(buttons), COUNTS_PER_ROW)]
    rows.append([_button("« " + t._("Back"), cb.SeriesStart(client_id, type_id, start))])
    return InlineKeyboardMarkup(rows)


def series_preview(
    t: Texts, provider: Provider, client: Client, appt_type: AppointmentType,
    occurrences: Sequence[Occurrence], every: int, changed: bool = False,
) -> str:
    """Every session with its state: free, or not possible and why."""
    free = sum(1 for o in occurrences if o.is_free)
    lines = [f"<b>{series_head(t, client, appt_type)}</b>"]
    if changed:
        lines.append("⚠️ " + t._("The calendar changed: this is the series as it stands now."))
    lines.append(t.ngettext(
        "{n} session, {every}:", "{n} sessions, {every}:", len(occurrences)
    ).format(n=len(occurrences), every=every_text(t, every)))
    for o in occurrences:
        if o.start is None:  # a DST gap: only the date exists
            when = t.format_date(o.local_date, "medium")
        else:
            when = occurrence_line(t, o.start, provider.timezone, client.timezone)
        lines.append(f"✅ {when}" if o.is_free else f"✖️ {when} — {reason_text(t, o.state.value)}")
    if not free:
        lines.append(t._("None of them is free: pick another time."))
    return fit("\n".join(lines))


def series_preview_keyboard(
    t: Texts, client_id: int, type_id: int, start: datetime, every: int, count: int,
    free: int, shown: str,
) -> InlineKeyboardMarkup:
    """"Book the N free sessions" (exactly those: ``shown`` fingerprints them), or go back."""
    rows = []
    if free:
        rows.append([_button("✅ " + t.ngettext(
            "Book the {n} free session", "Book the {n} free sessions", free).format(n=free),
            cb.SeriesBook(client_id, type_id, start, every, count, shown))])
    rows.append([_button("« " + t._("Back"), cb.ProviderSeriesEvery(client_id, type_id, start, every))])
    return InlineKeyboardMarkup(rows)


def series_booked(t: Texts, client: Client, booked: int) -> str:
    name = escape(ptexts.client_label(t, client))
    return t.ngettext(
        "Booked {n} session for {client}; they were told.",
        "Booked {n} sessions for {client}; they were told.", booked,
    ).format(n=booked, client=name)


# -------------------------------------------------- a new series waiting for confirmation


def series_decision_keyboard(t: Texts, series: int) -> InlineKeyboardMarkup:
    """Under the provider's notice of a new series waiting for confirmation."""
    return InlineKeyboardMarkup([[
        _button("✅ " + t._("Confirm all"), cb.SeriesDecision(series, True)),
        _button("✖️ " + t._("Decline all"), cb.SeriesDecision(series, False)),
    ]])


def series_decided(t: Texts, decided: int, confirm: bool) -> str:
    """The provider's answer once every waiting session of a series was decided."""
    if confirm:
        return t.ngettext("Confirmed {n} session of the series; the client was told.",
                          "Confirmed {n} sessions of the series; the client was told.", decided).format(n=decided)
    return t.ngettext("Declined {n} session of the series; the client was told.",
                      "Declined {n} sessions of the series; the client was told.", decided).format(n=decided)
