"""The "add to calendar" file: one appointment, or a series' occurrences, as iCalendar (RFC 5545).

The client taps a button and gets a ``.ics`` document that any calendar app imports.
Building and 75-octet line folding with CRLF are the ``icalendar`` package's job, typed
text goes through the feed's own escaping (``core.calendar_export.typed``: control
characters and lone surrogates dropped, a typed ``\\N`` kept); this module decides *what*
goes in:

* times are written in UTC (``...Z``): no VTIMEZONE block to get wrong, and every client
  shows them in the viewer's own zone. Naive datetimes are refused, not guessed.
* the output is a pure function of the arguments (no random calendar UID, no "now"), so
  the same appointment always yields the same bytes and the same event UID. A changed
  appointment should be re-sent with a higher ``sequence``; a cancelled one with
  ``status="CANCELLED"`` (clients that update by UID, such as Apple Calendar, then drop it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from core.calendar_export import typed

PRODID = "-//Slotbot//Slotbot//EN"
DEFAULT_REMINDER = timedelta(hours=1)
STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})  # the VEVENT ones in RFC 5545

# RFC 5545 TEXT allows no control characters but HTAB; newlines are escaped by icalendar
# (it also turns CR LF and lone CR into \n). Anything else (NUL, BEL, ...) is dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class IcsEvent:
    """One appointment as a VEVENT: the arguments of :func:`appointment_ics`."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str | None
    location: str | None
    organizer_name: str | None
    created: datetime
    status: str = "CONFIRMED"
    sequence: int = 0
    reminder_before: timedelta | None = DEFAULT_REMINDER


def appointment_ics(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: str | None,
    location: str | None,
    organizer_name: str | None,
    created: datetime,
    status: str = "CONFIRMED",
    sequence: int = 0,
    reminder_before: timedelta | None = DEFAULT_REMINDER,
) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) holding one VEVENT for the appointment, as bytes.

    ``start``, ``end`` and ``created`` (written as DTSTAMP) must be timezone-aware; they are
    converted to UTC and written to the second. ``organizer_name`` goes into CONTACT:
    ORGANIZER must be an address (a URI such as ``mailto:``), which we do not have, and a
    made-up one would invite "reply to organizer" actions that go nowhere. A display alarm
    fires ``reminder_before`` the start (``None``: no alarm; never for a cancelled event).

    :raises ValueError: naive or inverted times, an empty or multi-line ``uid``, an
        unknown ``status``, a negative ``sequence`` or ``reminder_before``.
    """
    return appointments_ics([IcsEvent(
        uid=uid, start=start, end=end, summary=summary, description=description,
        location=location, organizer_name=organizer_name, created=created, status=status,
        sequence=sequence, reminder_before=reminder_before,
    )])


def appointments_ics(events: Sequence[IcsEvent]) -> bytes:
    """One VCALENDAR holding a VEVENT per event (each as :func:`appointment_ics` writes
    it): every occurrence of a series in one file, each under its own UID, so a calendar
    app takes the whole series at once and later updates each one by its UID.

    :raises ValueError: as :func:`appointment_ics`, for any event; or no event at all.
    """
    if not events:
        raise ValueError("a calendar file needs at least one event")
    # Calendar() rather than Calendar.new(): .new() adds a random calendar UID, which
    # would make the bytes differ on every call.
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for event in events:
        calendar.add_component(_event(event))
    return calendar.to_ical()


def _event(e: IcsEvent) -> Event:
    start_utc, end_utc = _utc(e.start, "start"), _utc(e.end, "end")
    stamp = _utc(e.created, "created")
    uid, sequence, reminder_before, summary = e.uid, e.sequence, e.reminder_before, e.summary
    if end_utc <= start_utc:
        raise ValueError(f"end {e.end!r} is not after start {e.start!r}")
    if not uid.strip() or _CONTROL.search(uid) or "\n" in uid or "\r" in uid:
        raise ValueError(f"uid must be a non-empty single line, got {uid!r}")
    status = e.status.upper()
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, got {status!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError(f"sequence must be a non-negative integer, got {sequence!r}")
    if reminder_before is not None and reminder_before < timedelta(0):
        raise ValueError(f"reminder_before must not be negative, got {reminder_before!r}")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start_utc)
    event.add("dtend", end_utc)
    event.add("sequence", sequence)
    event.add("status", status)
    event.add("summary", typed(summary))
    for name, value in (("description", e.description), ("location", e.location),
                        ("contact", e.organizer_name)):
        if value and value.strip():
            event.add(name, typed(value))

    if reminder_before is not None and status != "CANCELLED":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", typed(summary) if summary.strip() else "Appointment")  # required
        alarm.add("trigger", -reminder_before)  # relative to DTSTART
        event.add_component(alarm)
    return event


def ics_filename(summary: str, start: datetime) -> str:
    """A safe ASCII file name: "haircut-2026-12-04.ics", "appointment-2026-12-04.ics".

    The summary is transliterated only as far as accents go (NFKD); what stays non-ASCII
    (Cyrillic, ...) falls back to "appointment". The date is the one ``start`` carries in
    its own offset, so pass the client's local time to name the file by the client's day.
    """
    ascii_text = unicodedata.normalize("NFKD", summary).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].rstrip("-")
    return f"{slug or 'appointment'}-{start:%Y-%m-%d}.ics"


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    # iCalendar DATE-TIME has whole seconds; truncate here so what we write is explicit.
    return value.astimezone(UTC).replace(microsecond=0)

