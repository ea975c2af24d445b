"""Texts for providers (and the notices clients get from the provider side)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, NAME_LIMIT, NOTE_LIMIT, escape, fit
from conversations.paging import Page, page_of
from conversations.provider_parsing import EXAMPLES, format_interval
from core.localtime import local_date, zone
from core.model import (
    AgendaItem, Appointment, AppointmentStatus, Client, Provider, ScheduleOverride, WeeklyInterval,
)

#: Appointments on one page of /agenda (and in the digest): the names in a line are cut
#: to LIST_NAME_LIMIT, so a page stays well under Telegram's 4,096 characters.
AGENDA_PER_PAGE = 15


def status_name(t: Texts, status: AppointmentStatus) -> str:
    return {
        AppointmentStatus.PENDING: t._("waiting for your confirmation"),
        AppointmentStatus.CONFIRMED: t._("confirmed"),
        AppointmentStatus.CANCELLED: t._("cancelled"),
        AppointmentStatus.COMPLETED: t._("completed"),
        AppointmentStatus.NO_SHOW: t._("no-show"),
    }[status]


def client_label(t: Texts, client: Client) -> str:
    """The client's name as typed (plain text: escape it for HTML), or "Client #12"."""
    return client.name or t._("Client #{id}").format(id=client.id)


def plain_client_name(t: Texts, item: AgendaItem) -> str:
    """The client's name as typed (for a button label), or "Client #12"."""
    return client_label(t, item.client)


def client_name(t: Texts, item: AgendaItem, limit: int = NAME_LIMIT) -> str:
    return escape(plain_client_name(t, item), limit)


def agenda_line(t: Texts, item: AgendaItem, provider: Provider) -> str:
    a = item.appointment
    flag = " ⚠️" + t._("late") if a.late_cancel else ""
    weekly = " 🔁" if a.series_id is not None else ""  # one session of a weekly series
    return (
        f"{t.format_time(a.start, provider.timezone)}{weekly} {client_name(t, item, LIST_NAME_LIMIT)} — "
        f"{escape(item.appt_type.name, LIST_NAME_LIMIT)} ({status_name(t, a.status)}{flag})"
    )


def agenda_page(items: Sequence[AgendaItem], page: int = 0) -> Page[AgendaItem]:
    """The appointments one page of the agenda shows (its buttons show the same)."""
    return page_of(items, page, AGENDA_PER_PAGE)


def agenda(
    t: Texts,
    provider: Provider,
    first: date,
    last: date,
    items: Sequence[AgendaItem],
    waiting: int = 0,
    page: int = 0,
) -> str:
    """Page ``page`` of the agenda for ``first``…``last`` (◀ ▶ under it turn the pages)."""
    text = _agenda(t, provider, first, last, agenda_page(items, page))
    if waiting:
        # A receptionist filling a gap wants to know someone is waiting for it.
        text += "\n\n" + t.ngettext(
            "🔔 Waiting list: {n} client.", "🔔 Waiting list: {n} clients.", waiting
        ).format(n=waiting)
    return text


def _agenda(t: Texts, provider: Provider, first: date, last: date, shown: Page[AgendaItem]) -> str:
    if first == last:
        head = t._("Agenda for {date}").format(date=t.format_date(first, "full"))
    else:
        head = t._("Agenda {first} – {last}").format(
            first=t.format_date(first, "medium"), last=t.format_date(last, "medium")
        )
    if not shown.items:
        return head + "\n" + t._("Nothing booked.")
    lines = [f"<b>{head}</b>" if shown.count == 1 else f"<b>{head}</b> {shown.position()}"]
    current = None
    for item in shown.items:
        day = _local_day(item.appointment, provider)
        if first != last and day != current:
            current = day
            lines.append(f"\n<b>{t.format_date(day, 'full')}</b>")
        lines.append(agenda_line(t, item, provider))
    return fit("\n".join(lines))


def _local_day(appointment: Appointment, provider: Provider) -> date:
    return local_date(appointment.start, zone(provider.timezone))


def agenda_entry(
    t: Texts, item: AgendaItem, provider: Provider, in_series: tuple[int, int] | None = None
) -> str:
    """One appointment; ``in_series``: it is session n of the m booked in its weekly series."""
    a = item.appointment
    lines = [
        f"<b>{client_name(t, item)}</b> — {escape(item.appt_type.name)}",
        t.format_datetime(a.start, provider.timezone, "full"),
        t._("Status: {status}").format(status=status_name(t, a.status)),
    ]
    if in_series is not None:
        lines.append("🔁 " + t._("Part of a weekly series ({n} of {m})").format(
            n=in_series[0], m=in_series[1]))
    if a.notes:
        lines.append(t._("Client's note: {note}").format(note=escape(a.notes, NOTE_LIMIT)))
    if a.cancel_reason:
        lines.append(t._("Reason: {reason}").format(reason=escape(a.cancel_reason, NOTE_LIMIT)))
    if a.late_cancel:
        lines.append("⚠️ " + t._("Cancelled late."))
    return "\n".join(lines)


def week(t: Texts, weekly: tuple[WeeklyInterval, ...]) -> str:
    names = t.weekday_abbreviations("wide")
    lines = [t._("Your weekly hours:")]
    for day in range(7):
        spans = [format_interval(i.start, i.end) for i in weekly if i.day_of_week == day and i.is_active]
        lines.append(f"{names[day]}: {', '.join(spans) if spans else t._('off')}")
    lines.append("")
    lines.append(t._("Change them like this: {example}").format(example=EXAMPLES["hours"]))
    return "\n".join(lines)


#: Appointments a block falls on that its question lists; the count says how many more.
BLOCK_LISTED = 20


def block_question(t: Texts, provider: Provider, hit: list[AgendaItem]) -> str:
    lines = [t._("This block falls on booked appointments:")]
    lines += [
        f"• {t.format_datetime(i.appointment.start, provider.timezone, 'medium')} "
        f"{client_name(t, i, LIST_NAME_LIMIT)} — {escape(i.appt_type.name, LIST_NAME_LIMIT)}"
        for i in hit[:BLOCK_LISTED]
    ]
    if len(hit) > BLOCK_LISTED:
        lines.append(and_more(t, len(hit) - BLOCK_LISTED))
    lines.append(t._("Cancel them (the clients are told and offered a new time) or keep them?"))
    return "\n".join(lines)


def and_more(t: Texts, n: int) -> str:
    """Under a list cut short: how many it did not show."""
    return t.ngettext("… and {n} more.", "… and {n} more.", n).format(n=n)


def override_line(t: Texts, override: ScheduleOverride) -> str:
    when = t.format_date(override.date, "medium")
    if override.start is not None and override.end is not None:
        when += " " + format_interval(override.start, override.end)
    if override.kind.value == "SPECIAL_HOURS":
        return t._("{when}: special hours").format(when=when)
    return t._("{when}: blocked").format(when=when)


def parse_error(t: Texts, command: str, code: str, detail: str) -> str:
    """A wrong form answers with what was wrong, the right form, and an example."""
    reasons = {
        "BAD_TIME": t._("“{detail}” is not a time: use HH:MM from 00:00 to 23:59."),
        "BAD_DAY": t._("“{detail}” is not a day: use mon, tue, wed, thu, fri, sat, sun."),
        "END_BEFORE_START": t._(
            "“{detail}” ends before it starts. A night shift may run past midnight for up to "
            "12 hours (22:00-06:00)."
        ),
        "OVERLAP": t._("The hours “{detail}” overlap."),
        "DATE_IN_PAST": t._("{detail} is in the past."),
        "BAD_DATE": t._("“{detail}” is not a date: use YYYY-MM-DD."),
        "BAD_RANGE": t._("The range “{detail}” ends before it starts."),
        "TOO_LONG": t._("“{detail}” is longer than a year."),
        "BAD_TYPE": t._("“{detail}” is not a provider type: DOCTOR, THERAPIST, CONSULTANT or TUTOR."),
        "BAD_ZONE": t._("“{detail}” is not a time zone: use a name like Europe/Berlin."),
        "MISSING_NAME": t._("The name is missing."),
        "NAME_TOO_LONG": t._("The name is too long: at most {detail} characters."),
        "EMPTY": t._("Something is missing after the command."),
    }
    reason = reasons.get(code, t._("I did not understand that."))
    return "\n".join(
        [
            reason.format(detail=escape(detail)),
            t._("For example: {example}").format(example=escape(EXAMPLES.get(command, "/" + command))),
        ]
    )
