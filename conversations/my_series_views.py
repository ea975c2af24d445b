"""/my's screens for a weekly series (issue #14): pure functions of what they show.

A series' screen lists the occurrences still to come (paged), each a button to the
ordinary appointment screen, where one occurrence is cancelled or moved like any
booking, or cancelled with all later ones of its series.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations.i18n import Texts
from conversations.markup import escape, fit, label
from conversations.paging import page_of
from conversations.series_texts import occurrence_line, zones
from conversations.texts import every_text, my_appointment
from core.booking import is_late_cancellation
from core.client_series import SeriesEntry
from core.model import AppointmentDetails, AppointmentStatus

#: Occurrences on one page of a series' screen (a series has at most 52).
SERIES_PER_PAGE = 10


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=cb.encode(callback))


def _pending(details: AppointmentDetails) -> str:
    return " ⏳" if details.appointment.status is AppointmentStatus.PENDING else ""


def series_screen(t: Texts, entry: SeriesEntry, client_zone: str | None, page: int = 0) -> str:
    """Page ``page`` of a series: what, how often, how many are left, and when each is."""
    if not entry.occurrences:
        return t._("This series has no sessions left to come.")
    first = entry.next
    lead, other = zones(client_zone, first.provider, first.appt_type)
    shown = page_of(entry.occurrences, page, SERIES_PER_PAGE)
    count = t.ngettext("{every}, {n} session left:", "{every}, {n} sessions left:", entry.left).format(
        every=every_text(t, entry.every_weeks), n=entry.left
    )
    lines = [
        f"🔁 <b>{escape(first.appt_type.name)}</b> — {escape(first.provider.name)}",
        count if shown.count == 1 else f"{count} {shown.position()}",
    ]
    lines += [
        "• " + occurrence_line(t, d.appointment.start, lead, other) + _pending(d) for d in shown.items
    ]
    lines.append(t._("Tap a session to move or cancel it, or to cancel it and all later ones."))
    return fit("\n".join(lines))


def series_keyboard(t: Texts, entry: SeriesEntry, client_zone: str | None, page: int = 0) -> InlineKeyboardMarkup:
    """One button per occurrence on the page, ◀ ▶ between pages, back to /my."""
    shown = page_of(entry.occurrences, page, SERIES_PER_PAGE)
    rows = []
    for d in shown.items:
        lead, _ = zones(client_zone, d.provider, d.appt_type)
        when = t.format_datetime(d.appointment.start, lead, "short") + _pending(d)
        rows.append([_button(when, cb.MyAppointment(d.appointment.id))])  # type: ignore[arg-type]
    if shown.count > 1:
        nav = [_button("◀", cb.MySeriesPage(entry.series_id, shown.number - 1))] if shown.has_previous else []
        nav.append(_button(shown.position(), cb.MySeriesPage(entry.series_id, shown.number)))
        if shown.has_next:
            nav.append(_button("▶", cb.MySeriesPage(entry.series_id, shown.number + 1)))
        rows.append(nav)
    rows.append([_button("« " + t._("My appointments"), cb.MyAppointments())])
    return InlineKeyboardMarkup(rows)


def occurrence_screen(
    t: Texts, details: AppointmentDetails, client_zone: str | None, every_weeks: int
) -> str:
    """The appointment's own screen, saying it is one session of a series."""
    part = t._("🔁 One session of a series, {every}.").format(every=every_text(t, every_weeks))
    return my_appointment(t, details, client_zone) + "\n" + part


def occurrence_keyboard(t: Texts, appointment_id: int, series_id: int) -> InlineKeyboardMarkup:
    """An occurrence's actions: as any appointment's, and cancelling the rest of its series."""
    return InlineKeyboardMarkup(
        [
            [
                _button("🔁 " + t._("Reschedule"), cb.Reschedule(appointment_id)),
                _button("❌ " + t._("Cancel"), cb.AskCancel(appointment_id)),
            ],
            [_button("❌ " + t._("Cancel this and all later"), cb.AskCancelRest(appointment_id))],
            [_button("📅 " + t._("Add to calendar"), cb.CalendarFile(appointment_id))],
            [_button("« " + t._("Back to the series"), cb.MySeries(series_id))],
        ]
    )


def cancel_rest_question(
    t: Texts, details: AppointmentDetails, starts: Sequence[datetime], client_zone: str | None,
    now: datetime,
) -> str:
    """"Cancel these?": every session that would go, the late ones marked as the single
    cancel marks them (inside the provider's minimum notice: recorded as late)."""
    settings = details.provider.settings
    lead, other = zones(client_zone, details.provider, details.appt_type)
    late = [is_late_cancellation(s, now, settings) for s in starts]
    lines = [
        t.ngettext(
            "Cancel this session and all later ones of the series ({n} in all)?",
            "Cancel this session and all later ones of the series ({n} in all)?",
            len(starts),
        ).format(n=len(starts)),
        f"<b>{escape(details.appt_type.name)}</b> — {escape(details.provider.name)}",
    ]
    lines += [
        "• " + occurrence_line(t, s, lead, other) + (" ⚠️" if is_late else "")
        for s, is_late in zip(starts, late, strict=True)
    ]
    if any(late):
        hours = settings.min_notice_hours
        lines.append("\n⚠️ " + t.ngettext(
            "Less than {n} hour before the start: recorded as a late cancellation.",
            "Less than {n} hours before the start: recorded as a late cancellation.",
            hours,
        ).format(n=hours))
    return fit("\n".join(lines))


def cancel_rest_keyboard(t: Texts, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t._("Yes, cancel them"), cb.ConfirmCancelRest(appointment_id))],
            [_button("« " + t._("No, keep them"), cb.MyAppointment(appointment_id))],
        ]
    )


def cancelled_rest(t: Texts, cancelled: int, late: bool) -> str:
    """After "cancel this and all later": how many went, and whether any was late."""
    text = t.ngettext(
        "{n} session of your series is cancelled.", "{n} sessions of your series are cancelled.",
        cancelled,
    ).format(n=cancelled)
    if late:
        text += " " + t._("Those inside the minimum notice were recorded as late cancellations.")
    return text + " " + t._("/book to make a new one.")
