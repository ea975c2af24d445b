"""Message texts: pure functions of a locale's :class:`Texts` and plain values.

Times follow one rule (peers shipped "client came at the wrong time"): when the
client's zone differs from the provider's, both are shown, and for an in-person
appointment the provider's local time comes first — that is where the client
must be. Until the client picks a zone, the provider's zone is used and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, NOTE_LIMIT, escape, fit
from conversations.paging import page_of
from core.client_series import MyEntry, SeriesEntry
from core.localtime import local_date, zone
from core.model import AppointmentDetails, AppointmentType, Provider, ProviderType


def display_zone(client_zone: str | None, provider: Provider, appt_type: AppointmentType) -> str:
    """The zone whose dates and times lead.

    The provider's until the client has chosen one, and for an in-person visit
    (where the client must be); the client's own for a video call.
    """
    if client_zone is None or not appt_type.is_virtual:
        return provider.timezone
    return client_zone


def slot_label(
    t: Texts, start: datetime, client_zone: str | None, provider: Provider, appt_type: AppointmentType
) -> str:
    """A short button label: the leading zone's time, the other in brackets if it differs."""
    lead = display_zone(client_zone, provider, appt_type)
    other = client_zone if lead == provider.timezone else provider.timezone
    label = t.format_time(start, lead)
    if other and other != lead:
        label += f" ({t.format_time(start, other)})"
    return label


def when(
    t: Texts, start: datetime, client_zone: str | None, provider: Provider, appt_type: AppointmentType
) -> str:
    """A full, unambiguous date and time line, naming every zone involved."""
    lead = display_zone(client_zone, provider, appt_type)
    text = t._("{date}, {time} ({zone} time)").format(
        date=t.format_date(_local_date(start, lead), "full"),
        time=t.format_time(start, lead),
        zone=t.zone_name(lead),
    )
    other = client_zone if lead == provider.timezone else provider.timezone
    if other and other != lead:
        text += "\n" + t._("That is {datetime} in {zone}.").format(
            datetime=t.format_datetime(start, other, "medium"), zone=t.zone_name(other)
        )
    return text


def every_text(t: Texts, every_weeks: int) -> str:
    """How often a series repeats: "every week", "every 2 weeks"."""
    if every_weeks == 1:
        return t._("every week")
    return t.ngettext("every {n} week", "every {n} weeks", every_weeks).format(n=every_weeks)


def _local_date(instant: datetime, zone_name: str) -> date:
    return local_date(instant, zone(zone_name))


def provider_type_name(t: Texts, kind: ProviderType) -> str:
    names = {
        ProviderType.DOCTOR: t._("Doctors"),
        ProviderType.THERAPIST: t._("Therapists"),
        ProviderType.CONSULTANT: t._("Consultants"),
        ProviderType.TUTOR: t._("Tutors"),
    }
    return names[kind]


def type_summary(t: Texts, appt_type: AppointmentType) -> str:
    parts = [t.format_duration(appt_type.duration_minutes)]
    if appt_type.price is not None and appt_type.currency:
        parts.append(t.format_price(appt_type.price, appt_type.currency))
    parts.append(t._("video call") if appt_type.is_virtual else t._("in person"))
    if appt_type.is_group:
        parts.append(t._("group of up to {n}").format(n=appt_type.max_participants))
    return ", ".join(parts)


def welcome(t: Texts, first_name: str | None) -> str:
    name = escape(first_name or "")
    return t._(
        "Hello{comma_name}! I book appointments with doctors, therapists, consultants and "
        "tutors.\n\n/book — book an appointment\n/my — your appointments\n/help — all commands"
    ).format(comma_name=f", {name}" if name else "")


def help_text(t: Texts) -> str:
    return t._(
        "What I can do:\n"
        "/book — book an appointment\n"
        "/my — your upcoming appointments: cancel, reschedule, add to calendar\n"
        "/timezone — set your time zone\n"
        "/language — change the language\n"
        "/cancel — stop what you are doing\n\n"
        "Tap the buttons under my messages; you never need to type dates or times."
    ) + "\n" + t._("/forgetme — delete what I know about you")


def ask_time_zone(t: Texts, provider_zone_hint: str | None = None) -> str:
    text = t._(
        "Which time zone are you in? Share your location, tap one below, or type a city "
        "(for example: Berlin, New York, Москва)."
    )
    if provider_zone_hint:
        text += "\n" + t._("Until then I show times in the provider's zone and name it.")
    return text


def time_zone_set(t: Texts, zone_name: str, now: datetime) -> str:
    return t._("Time zone set: {zone}. It is {time} there now.").format(
        zone=t.zone_name(zone_name), time=t.format_time(now, zone_name)
    )


def choose_provider(t: Texts) -> str:
    return t._("Whom would you like to see?")


def choose_type(t: Texts, provider: Provider, types: list[AppointmentType]) -> str:
    lines = [t._("<b>{name}</b> — choose the kind of appointment:").format(name=escape(provider.name))]
    lines += [f"• {escape(a.name, LIST_NAME_LIMIT)}: {type_summary(t, a)}" for a in types]
    return fit("\n".join(lines))


def choose_day(
    t: Texts, provider: Provider, appt_type: AppointmentType, zone_name: str, rescheduling: bool
) -> str:
    head = t._("Pick a new day") if rescheduling else t._("Pick a day")
    return t._("{head} for <b>{type}</b> with {provider}.\nDates and times: {zone} time.").format(
        head=head,
        type=escape(appt_type.name),
        provider=escape(provider.name),
        zone=t.zone_name(zone_name),
    ) + "\n" + t._("Tap a date to see its free times. ✕ fully booked, · not available.")


def choose_slot(t: Texts, day: date, zone_name: str, provider: Provider, client_zone: str | None) -> str:
    text = t._("Free times on {date} ({zone} time):").format(
        date=t.format_date(day, "full"), zone=t.zone_name(zone_name)
    )
    other = client_zone if zone_name == provider.timezone else provider.timezone
    if other and other != zone_name:
        text += "\n" + t._("In brackets: {zone} time.").format(zone=t.zone_name(other))
    return text


def no_slots_left(t: Texts, day: date) -> str:
    return t._("Sorry, {date} has just filled up. Pick another day.").format(
        date=t.format_date(day, "full")
    )


def summary(
    t: Texts,
    provider: Provider,
    appt_type: AppointmentType,
    start: datetime,
    client_zone: str | None,
    note: str | None,
    rescheduling: bool,
) -> str:
    title = t._("Move your appointment to:") if rescheduling else t._("Please check your booking:")
    lines = [
        title,
        "",
        f"<b>{escape(appt_type.name)}</b> — {escape(provider.name)}",
        when(t, start, client_zone, provider, appt_type),
        type_summary(t, appt_type),
    ]
    if not appt_type.is_virtual and provider.address:
        lines.append(t._("Address: {address}").format(address=escape(provider.address)))
    if note:
        lines.append(t._("Your note: {note}").format(note=escape(note, NOTE_LIMIT)))
    return "\n".join(lines)


def ask_note(t: Texts) -> str:
    return t._("Type a short note for the provider (or /cancel to go back without one).")


def booked(t: Texts, details: AppointmentDetails, client_zone: str | None, created: bool) -> str:
    a = details.appointment
    if a.status.value == "CONFIRMED":
        head = t._("✅ Booked and confirmed!") if created else t._("✅ You are already booked.")
    else:
        head = t._("⏳ Requested: waiting for the provider's confirmation.")
    return "\n".join(
        [
            head,
            f"<b>{escape(details.appt_type.name)}</b> — {escape(details.provider.name)}",
            when(t, a.start, client_zone, details.provider, details.appt_type),
            t._("See or change it any time with /my."),
        ]
    )


def slot_taken(t: Texts) -> str:
    return t._("Sorry, someone has just taken that time. Here are the times still free:")


def expired(t: Texts) -> str:
    return t._("This menu has expired. Use /book to book or /my for your appointments.")


def type_instead_of_tap(t: Texts) -> str:
    return t._("Please use the buttons under my messages. /book starts a booking, /help lists all commands.")


#: Upcoming appointments on one page of /my: with the waiting list under them, a page
#: stays far below Telegram's 4,096 characters however long the names are.
MY_PER_PAGE = 5


def my_appointments(
    t: Texts, items: Sequence[MyEntry], client_zone: str | None, page: int = 0
) -> str:
    """Page ``page`` of the client's upcoming appointments, a series as one line (the
    buttons page alike)."""
    if not items:
        return t._("You have no upcoming appointments. /book to make one.")
    shown = page_of(items, page, MY_PER_PAGE)
    head = t._("Your upcoming appointments:")
    lines = [head if shown.count == 1 else f"{head} {shown.position()}"]
    for entry in shown.items:
        d = entry.next if isinstance(entry, SeriesEntry) else entry
        lead = display_zone(client_zone, d.provider, d.appt_type)
        status = "" if d.appointment.status.value == "CONFIRMED" else " ⏳"
        start = t.format_datetime(d.appointment.start, lead, "medium")
        if client_zone is not None and lead != client_zone:
            # An in-person visit far from home: the time is the provider's, so say so.
            start = t._("{datetime} ({zone} time)").format(datetime=start, zone=t.zone_name(lead))
        names = f"{escape(d.appt_type.name, LIST_NAME_LIMIT)}, {escape(d.provider.name, LIST_NAME_LIMIT)}"
        if isinstance(entry, SeriesEntry):
            lines.append(f"• 🔁 {names}, {every_text(t, entry.every_weeks)}: " + t.ngettext(
                "next {datetime}, {n} left", "next {datetime}, {n} left", entry.left
            ).format(datetime=start, n=entry.left) + status)
        else:
            lines.append(f"• {start} — {names}{status}")
    return "\n".join(lines)


def my_appointment(t: Texts, details: AppointmentDetails, client_zone: str | None) -> str:
    a = details.appointment
    status = {
        "CONFIRMED": t._("confirmed"),
        "PENDING": t._("waiting for the provider's confirmation"),
        "CANCELLED": t._("cancelled"),
        "COMPLETED": t._("completed"),
        "NO_SHOW": t._("missed"),
    }[a.status.value]
    lines = [
        f"<b>{escape(details.appt_type.name)}</b> — {escape(details.provider.name)}",
        when(t, a.start, client_zone, details.provider, details.appt_type),
        t._("Status: {status}").format(status=status),
    ]
    if a.notes:
        lines.append(t._("Your note: {note}").format(note=escape(a.notes, NOTE_LIMIT)))
    return "\n".join(lines)


def cancel_question(t: Texts, details: AppointmentDetails, client_zone: str | None, late: bool) -> str:
    text = t._("Cancel this appointment?") + "\n" + my_appointment(t, details, client_zone)
    if late:
        hours = details.provider.settings.min_notice_hours
        text += "\n\n⚠️ " + t.ngettext(
            "This is less than {n} hour before the start: it will be recorded as a late "
            "cancellation.",
            "This is less than {n} hours before the start: it will be recorded as a late "
            "cancellation.",
            hours,
        ).format(n=hours)
    return text


def ask_cancel_reason(t: Texts) -> str:
    return t._("Type the reason for cancelling (it goes to the provider), or /cancel to keep the appointment.")


def cancelled(t: Texts, late: bool) -> str:
    text = t._("Your appointment is cancelled.")
    if late:
        text += " " + t._("It was recorded as a late cancellation.")
    return text + " " + t._("/book to make a new one.")


def not_changeable(t: Texts) -> str:
    return t._("This appointment can no longer be changed.")


def rescheduled(t: Texts, details: AppointmentDetails, client_zone: str | None) -> str:
    a = details.appointment
    if a.status.value == "CONFIRMED":
        head = t._("✅ Moved!")
    else:
        head = t._("⏳ Moved: waiting for the provider's confirmation of the new time.")
    return "\n".join(
        [
            head,
            f"<b>{escape(details.appt_type.name)}</b> — {escape(details.provider.name)}",
            when(t, a.start, client_zone, details.provider, details.appt_type),
        ]
    )


def language_prompt(t: Texts) -> str:
    return t._("Choose your language:")


def language_set(t: Texts) -> str:
    return t._("Done: I will speak English with you.")


def something_went_wrong(t: Texts) -> str:
    return t._("Sorry, something went wrong on my side. Please try again in a moment.")


def cancelled_flow(t: Texts) -> str:
    return t._("Stopped. /book to start again, /help for everything else.")


def no_providers(t: Texts) -> str:
    return t._("Nobody is taking bookings at the moment. Please try again later.")


def reschedule_locked(t: Texts, provider: Provider) -> str:
    hours = provider.settings.reschedule_lock_hours
    return t.ngettext(
        "Appointments can't be moved less than {n} hour before the start. You can still cancel.",
        "Appointments can't be moved less than {n} hours before the start. You can still cancel.",
        hours,
    ).format(n=hours)


def booking_unavailable(t: Texts) -> str:
    return t._("Sorry, booking with this provider is not available to you. Please contact them directly.")


def booking_limit(t: Texts, limit: int) -> str:
    return t.ngettext(
        "You can hold at most {n} upcoming appointment with this provider.",
        "You can hold at most {n} upcoming appointments with this provider.",
        limit,
    ).format(n=limit)


def late_cancel_refused(t: Texts, provider_message: str | None) -> str:
    text = t._("This appointment can no longer be cancelled here: it is too close to the start.")
    if provider_message:
        text += "\n" + t._("The provider says: {message}").format(
            message=escape(provider_message, NOTE_LIMIT)
        )
    return text


def unknown_zone(t: Texts, query: str) -> str:
    """What a person typed at the time zone prompt matched no zone: echoed, escaped."""
    return t._("I don't know “{query}”. Try a big city near you, e.g. Berlin.").format(
        query=escape(query, 40)
    )
