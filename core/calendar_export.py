"""A provider's bookings as a subscription calendar feed (issue #13, part 2).

The provider subscribes to a secret URL (see :mod:`core.feed_tokens`) in Google,
Apple or Outlook; those servers re-fetch it every few minutes to hours and update
their copy event by event. So what matters is what lets a *subscriber* see changes:

* one VEVENT per appointment with a UID that never changes (a reschedule keeps it),
  a SEQUENCE the caller raises on every change of time or status, and LAST-MODIFIED;
* cancelled bookings stay in the feed for :data:`HISTORY` as ``STATUS:CANCELLED``
  and ``TRANSP:TRANSPARENT``: clients that only update by UID then drop or grey them
  out, and they never show the provider as busy;
* instants are written in UTC (``...Z``): no VTIMEZONE to get wrong, exact round trip;
* the bytes are a pure function of the bookings and the window, in a fixed order, so
  an unchanged calendar gives an identical body (and ETag) on every poll.

Building, escaping and line folding are ``icalendar``'s job, as in
:mod:`conversations.ics` (the client's single-appointment file), whose PRODID and
``appointment-<id>@<host>`` UID form this module shares. Storage fills :class:`FeedBooking` rows for the window
:func:`feed_window` names; nothing here reads a clock or a database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration, vText

from core.localtime import zone
from core.model import AppointmentStatus

PRODID = "-//Slotbot//Slotbot//EN"  # as conversations.ics.PRODID (a test keeps them equal)
HISTORY = timedelta(days=30)  # past and cancelled bookings stay this long
REFRESH = timedelta(minutes=10)  # a hint: Google ignores it, Apple and Outlook honour it

_STATUS = {
    AppointmentStatus.PENDING: "TENTATIVE",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    # The time was given to the client either way: the provider's history should show
    # the hour as taken, not vanish or look cancelled. A no-show is marked in the title.
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
}
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_LINE_BREAKS = re.compile(r"\r\n?")
_LINE_SPACE = str.maketrans("\n\t\u2028\u2029", "    ")


@dataclass(frozen=True)
class FeedBooking:
    """One appointment as the provider's feed shows it; storage builds these from rows.

    ``sequence`` is the appointment's revision counter kept by storage: it must grow
    whenever ``start``, ``end`` or ``status`` change (RFC 5545 3.8.7.4), or subscribed
    calendars keep the old time. ``last_modified`` must advance on any change to what
    the event shows (times, status, note, type, place, the client's name).
    """

    appointment_id: int
    start: datetime  # aware; written in UTC to the second
    end: datetime  # aware, after start
    status: AppointmentStatus
    type_name: str
    sequence: int  # >= 0
    last_modified: datetime  # aware
    client_name: str | None = None  # None: a forgotten or nameless client
    notes: str | None = None  # the client's own words
    is_virtual: bool = False
    place: str | None = None  # the address in person, the video link if virtual
    cancelled_at: datetime | None = None  # None when cancelled: last_modified stands in


@dataclass(frozen=True)
class FeedWindow:
    """Which bookings a feed built at one moment holds: storage queries the same."""

    since: datetime  # bookings that end after it (and all future ones)
    cancelled_since: datetime  # of the cancelled ones, those cancelled at or after it

    def includes(self, booking: FeedBooking) -> bool:
        if _utc(booking.end, "end") <= self.since:
            return False
        if booking.status is not AppointmentStatus.CANCELLED:
            return True
        cancelled = booking.cancelled_at or booking.last_modified
        return _utc(cancelled, "cancelled_at") >= self.cancelled_since


@dataclass(frozen=True)
class FeedLabels:
    """The feed's own words; the caller passes translated ones (core has no gettext)."""

    calendar_name: str = "Slotbot — {provider}"
    unnamed_client: str = "Client"  # no name, no id: the feed leaves the bot's hands
    video_call: str = "Video call"
    no_show: str = "{summary} (no-show)"


def feed_window(now: datetime) -> FeedWindow:
    """The window of a feed built at ``now``: the last :data:`HISTORY` and the future."""
    since = _utc(now, "now") - HISTORY
    return FeedWindow(since=since, cancelled_since=since)


def appointment_uid(appointment_id: int, host_label: str) -> str:
    """The event UID of an appointment, the same in every feed built by one deployment.

    ``host_label`` (the host of SLOTBOT_PUBLIC_URL) keeps two Slotbot installations'
    appointment 42 apart in a calendar that subscribes to both.
    """
    if isinstance(appointment_id, bool) or not isinstance(appointment_id, int):
        raise ValueError(f"appointment_id must be an integer, got {appointment_id!r}")
    if not _HOST_LABEL.fullmatch(host_label):
        raise ValueError(f"host_label must be a host name, got {host_label!r}")
    return f"appointment-{appointment_id}@{host_label}"


def provider_feed(
    provider_name: str,
    provider_zone: str,
    bookings: Iterable[FeedBooking],
    now: datetime,
    *,
    host_label: str,
    labels: FeedLabels = FeedLabels(),
) -> bytes:
    """The provider's subscription feed (METHOD:PUBLISH) holding ``bookings`` in the window.

    Bookings outside :func:`feed_window` of ``now`` are left out, so storage may pass
    more. Events are ordered by start, then appointment id.

    :raises ValueError: naive times, an end not after its start, a negative sequence,
        an appointment given twice, a malformed ``host_label``.
    :raises core.localtime.UnknownTimeZone: ``provider_zone`` is not an IANA zone.
    """
    zone(provider_zone)
    window = feed_window(now)
    shown = sorted((b for b in bookings if window.includes(b)),
                   key=lambda b: (_utc(b.start, "start"), b.appointment_id))
    seen: set[int] = set()
    for booking in shown:
        if booking.appointment_id in seen:
            raise ValueError(f"appointment {booking.appointment_id} is given twice")
        seen.add(booking.appointment_id)

    # Calendar() rather than Calendar.new(): .new() adds a random UID to the calendar,
    # which would change the bytes on every poll.
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = labels.calendar_name.format(provider=_line(provider_name))
    calendar.add("x-wr-calname", name)  # Google, Apple, Outlook
    calendar.add("name", name)  # RFC 7986
    # Display hint only: every instant below is UTC, and readers that apply the zone
    # (Google, x-wr-timezone) convert a UTC time to the same instant.
    calendar.add("x-wr-timezone", provider_zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- name: no type known
    for booking in shown:
        calendar.add_component(_event(booking, host_label, labels))
    return calendar.to_ical()


def booking_event(
    booking: FeedBooking, *, host_label: str, labels: FeedLabels = FeedLabels()
) -> bytes:
    """One appointment as a CalDAV calendar object: the feed's very event (same UID,
    SEQUENCE and fields), alone in a VCALENDAR without METHOD (RFC 4791 4.1)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(_event(booking, host_label, labels))
    return calendar.to_ical()


def _event(booking: FeedBooking, host_label: str, labels: FeedLabels) -> Event:
    start, end = _utc(booking.start, "start"), _utc(booking.end, "end")
    if end <= start:
        raise ValueError(f"appointment {booking.appointment_id}: end is not after start")
    sequence = booking.sequence
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError(f"appointment {booking.appointment_id}: bad sequence {sequence!r}")
    modified = _utc(booking.last_modified, "last_modified")
    cancelled = booking.status is AppointmentStatus.CANCELLED

    who = _line(booking.client_name or "") or labels.unnamed_client
    summary = f"{who} — {_line(booking.type_name)}"
    if booking.status is AppointmentStatus.NO_SHOW:
        summary = labels.no_show.format(summary=summary)
    place = _line(booking.place or "")
    if booking.is_virtual and not place:
        place = labels.video_call

    event = Event()
    event.add("uid", appointment_uid(booking.appointment_id, host_label))
    # DTSTAMP is the revision's time, not the poll's: with "now" every poll would
    # produce new bytes (no stable ETag) and look like a new revision. RFC 5546 orders
    # revisions of one SEQUENCE by DTSTAMP, so a note edit without a SEQUENCE bump
    # still reads as newer.
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", sequence)
    event.add("status", _STATUS[booking.status])
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    # Clients' names and notes (often about health): hidden from people the provider
    # shares their calendar with, who see "busy" only.
    event.add("class", "PRIVATE")
    event.add("summary", typed(summary))
    notes = _text(booking.notes or "").strip()
    if notes:
        event.add("description", typed(notes))
    if place:
        event.add("location", typed(place))
    return event


class TypedText(vText):
    """TEXT escaped as RFC 5545 says, backslash first.

    icalendar's own escaping first turns a typed ``\\N`` into a line break (for
    people writing iCalendar escapes by hand), so a note holding a Windows path
    or a typo came back changed; a person's words are never escapes here.
    """

    def to_ical(self) -> bytes:
        text = str(self)
        for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
            text = text.replace(plain, escaped)
        return text.encode(self.encoding)


def typed(value: str) -> TypedText:
    """What a person typed, as an iCalendar TEXT value: control characters and lone
    surrogates dropped (:func:`_text`), escaped by :class:`TypedText`."""
    return TypedText(_text(value))


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    # iCalendar DATE-TIME has whole seconds: cut here so what is written is explicit.
    return value.astimezone(UTC).replace(microsecond=0)


def _text(value: str) -> str:
    """Typed text made safe for a TEXT value; line breaks become ``\\n``.

    RFC 5545 TEXT allows no control characters but tab and (escaped) newline; a lone
    surrogate (Telegram's JSON can carry one) would stop the UTF-8 encoding of the
    whole feed. Format characters such as RTL marks are text and stay.
    """
    value = _LINE_BREAKS.sub("\n", value)  # Windows and old Mac line ends
    return "".join(c for c in value if c in "\t\n" or unicodedata.category(c) not in ("Cc", "Cs"))


def _line(value: str) -> str:
    """As :func:`_text`, on one line: titles and places are shown on one line."""
    return _text(value).translate(_LINE_SPACE).strip()
