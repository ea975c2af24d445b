"""The provider's subscription feed, parsed back with icalendar and with our own reader.

Europe/Berlin changes to summer time on Sunday 28 March 2027: 10:00 local is 09:00 UTC
before and 08:00 UTC after. "Now" is Saturday 20 March 2027, 12:00 UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from conversations import ics
from core.calendar_export import (
    FeedBooking, FeedLabels, appointment_uid, feed_window, provider_feed,
)
from core.calendar_feed import busy_intervals
from core.localtime import UnknownTimeZone
from core.model import AppointmentStatus as Status

NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HOST = "bot.example.com"
EDITED = datetime(2027, 3, 18, 8, 30, 15, tzinfo=UTC)


def booking(appointment_id: int = 42, **changes) -> FeedBooking:
    values = dict(
        appointment_id=appointment_id,
        start=datetime(2027, 3, 22, 9, 0, tzinfo=UTC),
        end=datetime(2027, 3, 22, 9, 45, tzinfo=UTC),
        status=Status.CONFIRMED,
        type_name="Consultation",
        sequence=0,
        last_modified=EDITED,
        client_name="Anna Petrova",
        notes="Bring the X-ray.",
        place="Hauptstraße 1, 10115 Berlin",
    )
    values.update(changes)
    return FeedBooking(**values)


def feed(*bookings: FeedBooking, now: datetime = NOW, **options) -> bytes:
    options.setdefault("host_label", HOST)
    return provider_feed("Dr. Meier", "Europe/Berlin", bookings, now, **options)


def events(data: bytes) -> dict[str, object]:
    """The feed's events by UID (every UID once)."""
    found = Calendar.from_ical(data).walk("VEVENT")
    by_uid = {str(e["UID"]): e for e in found}
    assert len(by_uid) == len(found)
    return by_uid


def only(data: bytes):
    (event,) = events(data).values()
    return event


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@{HOST}"


def test_calendar_header():
    data = feed(booking())
    calendar = Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == ics.PRODID  # the client's .ics and the feed agree
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Slotbot — Dr. Meier"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT10M\r\n" in data
    assert b"X-PUBLISHED-TTL:PT10M\r\n" in data
    assert b"UID:" not in data.split(b"BEGIN:VEVENT")[0]  # no random calendar UID


def test_event_properties():
    event = only(feed(booking(sequence=3)))
    assert str(event["UID"]) == uid(42) == appointment_uid(42, HOST)
    assert str(event["SUMMARY"]) == "Anna Petrova — Consultation"
    assert str(event["DESCRIPTION"]) == "Bring the X-ray."
    assert str(event["LOCATION"]) == "Hauptstraße 1, 10115 Berlin"
    assert event.decoded("SEQUENCE") == 3
    assert event.decoded("LAST-MODIFIED") == EDITED
    assert event.decoded("DTSTAMP") == EDITED  # the revision's time, not the poll's
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["CLASS"]) == "PRIVATE"
    assert "VALARM" not in str(event.to_ical())


def test_instants_are_utc_with_z_across_the_dst_change():
    before = booking(1, start=datetime(2027, 3, 26, 10, tzinfo=BERLIN),
                     end=datetime(2027, 3, 26, 11, tzinfo=BERLIN))
    after = booking(2, start=datetime(2027, 3, 29, 10, tzinfo=BERLIN),
                    end=datetime(2027, 3, 29, 11, tzinfo=BERLIN))
    data = feed(before, after)
    assert b"DTSTART:20270326T090000Z\r\n" in data and b"DTSTART:20270329T080000Z\r\n" in data
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    found = events(data)
    assert found[uid(1)].decoded("DTEND") == datetime(2027, 3, 26, 10, tzinfo=UTC)
    assert found[uid(2)].decoded("DTEND") == datetime(2027, 3, 29, 9, tzinfo=UTC)


STATUSES = st.sampled_from(list(Status))
INSTANTS = st.datetimes(datetime(2027, 3, 21), datetime(2035, 12, 31), timezones=st.timezones(),
                        allow_imaginary=False).map(lambda d: d.replace(microsecond=0))


@st.composite
def bookings(draw, appointment_id: int) -> FeedBooking:
    start = draw(INSTANTS)
    length = timedelta(seconds=draw(st.integers(1, 24 * 3600)))
    status = draw(STATUSES)
    end = (start.astimezone(UTC) + length).astimezone(start.tzinfo)  # not wall-clock arithmetic
    return booking(appointment_id, start=start, end=end,
                   status=status, sequence=draw(st.integers(0, 10**6)),
                   cancelled_at=NOW if status is Status.CANCELLED else None)


BOOKING_LISTS = st.lists(st.integers(1, 10**9), unique=True, max_size=8).flatmap(
    lambda ids: st.tuples(*(bookings(i) for i in ids)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BOOKING_LISTS)
def test_every_booking_round_trips_its_instants_status_and_sequence(drawn):
    data = feed(*drawn)
    found = events(data)
    assert len(found) == len(drawn)
    expected_status = {Status.PENDING: "TENTATIVE", Status.CONFIRMED: "CONFIRMED",
                       Status.COMPLETED: "CONFIRMED", Status.NO_SHOW: "CONFIRMED",
                       Status.CANCELLED: "CANCELLED"}
    for b in drawn:
        event = found[uid(b.appointment_id)]
        # In UTC: Python never finds a time in a DST fold (fold=1) equal to another zone's
        assert event.decoded("DTSTART") == b.start.astimezone(UTC)
        assert event.decoded("DTEND") == b.end.astimezone(UTC)
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["STATUS"]) == expected_status[b.status]
        assert event.decoded("SEQUENCE") == b.sequence
    starts = [e.decoded("DTSTART") for e in Calendar.from_ical(data).walk("VEVENT")]
    assert starts == sorted(starts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BOOKING_LISTS)
def test_our_own_reader_sees_exactly_the_uncancelled_bookings_as_busy(drawn):
    window = feed_window(NOW)
    until = datetime(2036, 1, 2, tzinfo=UTC)
    busy = busy_intervals(feed(*drawn), "Europe/Berlin", window.since, until)
    assert sorted((i.start, i.end) for i in busy) == sorted(
        (b.start.astimezone(UTC), b.end.astimezone(UTC))
        for b in drawn if b.status is not Status.CANCELLED)


def test_our_own_reader_on_a_mixed_week():
    mix = [
        booking(1, status=Status.PENDING),
        booking(2, status=Status.CANCELLED, cancelled_at=NOW - timedelta(days=2),
                start=utc(2027, 3, 23, 9), end=utc(2027, 3, 23, 10)),
        booking(3, status=Status.COMPLETED, start=NOW - timedelta(days=3),
                end=NOW - timedelta(days=3) + timedelta(hours=1)),
        booking(4, status=Status.NO_SHOW, start=NOW - timedelta(days=1),
                end=NOW - timedelta(days=1) + timedelta(minutes=30)),
        booking(5, start=datetime(2027, 3, 28, 10, tzinfo=BERLIN),  # the DST day
                end=datetime(2027, 3, 28, 11, tzinfo=BERLIN)),
    ]
    window = feed_window(NOW)
    busy = busy_intervals(feed(*mix), "Europe/Berlin", window.since, NOW + timedelta(days=400))
    assert [(i.start, i.end, i.uid.split("@")[0]) for i in busy] == [
        (NOW - timedelta(days=3), NOW - timedelta(days=3, hours=-1), "appointment-3"),
        (NOW - timedelta(days=1), NOW - timedelta(hours=23, minutes=30), "appointment-4"),
        (utc(2027, 3, 22, 9), utc(2027, 3, 22, 9, 45), "appointment-1"),
        (utc(2027, 3, 28, 8), utc(2027, 3, 28, 9), "appointment-5"),  # 10:00 CEST
    ]


@pytest.mark.parametrize(
    ("status", "shown", "transp"),
    [
        (Status.PENDING, "TENTATIVE", "OPAQUE"),  # the slot is held while it waits
        (Status.CONFIRMED, "CONFIRMED", "OPAQUE"),
        (Status.COMPLETED, "CONFIRMED", "OPAQUE"),
        (Status.NO_SHOW, "CONFIRMED", "OPAQUE"),
        (Status.CANCELLED, "CANCELLED", "TRANSPARENT"),  # never blocks anything
    ],
)
def test_status_mapping(status, shown, transp):
    event = only(feed(booking(status=status, cancelled_at=NOW)))
    assert (str(event["STATUS"]), str(event["TRANSP"])) == (shown, transp)


def test_a_no_show_is_marked_in_the_title():
    assert str(only(feed(booking(status=Status.NO_SHOW)))["SUMMARY"]) == (
        "Anna Petrova — Consultation (no-show)")
    assert "no-show" not in str(only(feed(booking(status=Status.COMPLETED)))["SUMMARY"])


def test_a_cancellation_changes_status_and_sequence_and_keeps_the_uid():
    before = booking(sequence=4, status=Status.CONFIRMED)
    after = replace(before, status=Status.CANCELLED, sequence=5, cancelled_at=NOW,
                    last_modified=NOW)
    old, new = only(feed(before)), only(feed(after))
    assert str(old["UID"]) == str(new["UID"]) == uid(42)
    assert (str(old["STATUS"]), str(new["STATUS"])) == ("CONFIRMED", "CANCELLED")
    assert (old.decoded("SEQUENCE"), new.decoded("SEQUENCE")) == (4, 5)
    assert new.decoded("LAST-MODIFIED") == NOW > old.decoded("LAST-MODIFIED")
    assert str(new["TRANSP"]) == "TRANSPARENT"


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence():
    moved = booking(sequence=1, start=datetime(2027, 3, 24, 14, tzinfo=UTC),
                    end=datetime(2027, 3, 24, 14, 45, tzinfo=UTC))
    event = only(feed(moved))
    assert str(event["UID"]) == uid(42)
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == datetime(2027, 3, 24, 14, tzinfo=UTC)


def test_window_keeps_the_last_thirty_days_and_the_future():
    def ended(days_ago: float, appointment_id: int) -> FeedBooking:
        end = NOW - timedelta(days=days_ago)
        return booking(appointment_id, start=end - timedelta(hours=1), end=end,
                       status=Status.COMPLETED)

    far = booking(4, start=NOW + timedelta(days=365), end=NOW + timedelta(days=365, hours=1))
    found = events(feed(ended(31, 1), ended(29, 2), ended(0.5, 3), far))
    assert set(found) == {uid(2), uid(3), uid(4)}
    window = feed_window(NOW)
    assert window.since == window.cancelled_since == NOW - timedelta(days=30)
    assert window.includes(ended(29, 2)) and not window.includes(ended(31, 1))


def test_cancelled_bookings_stay_thirty_days_after_the_cancellation():
    def cancelled(days_ago: float, appointment_id: int, **changes) -> FeedBooking:
        return booking(appointment_id, status=Status.CANCELLED,
                       cancelled_at=NOW - timedelta(days=days_ago), **changes)

    legacy = booking(3, status=Status.CANCELLED, cancelled_at=None,  # no time: the edit's
                     last_modified=NOW - timedelta(days=40))
    found = events(feed(cancelled(31, 1), cancelled(29, 2), legacy))
    assert set(found) == {uid(2)}
    assert str(found[uid(2)]["STATUS"]) == "CANCELLED"


HOSTILE_NAMES = [
    ("Anna\nMaria\r\nPetrova\tJr", "Anna Maria Petrova Jr"),  # titles stay on one line
    ('Smith, John; "Q" \\ back', 'Smith, John; "Q" \\ back'),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # a calendar is no web page
    ("🙂 👩‍⚕️ Анна", "🙂 👩‍⚕️ Анна"),
    ("\u200fשלום\u202eevil\u202c", "\u200fשלום\u202eevil\u202c"),  # RTL marks are text
    ("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "abcdefg"),
    ("lone\ud800surrogate", "lonesurrogate"),  # would break the UTF-8 of the whole feed
    ("Z" * 5000, "Z" * 5000),
]


@pytest.mark.parametrize(("typed", "shown"), HOSTILE_NAMES)
def test_hostile_names_parse_and_round_trip_as_text(typed, shown):
    data = feed(booking(client_name=typed, type_name=typed, place=typed))
    event = only(data)
    assert str(event["SUMMARY"]) == f"{shown} — {shown}"
    assert str(event["LOCATION"]) == shown
    assert str(Calendar.from_ical(data)["X-WR-CALNAME"]) == "Slotbot — Dr. Meier"
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("one\r\ntwo\rthree\nfour\tfive", "one\ntwo\nthree\nfour\tfive"),
        ("x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@x\r\nSUMMARY:pwned",
         "x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@x\nSUMMARY:pwned"),
        ("a,b;c\\d:e", "a,b;c\\d:e"),
        ("\x00\x01" + "Длинная заметка. " * 300, "Длинная заметка. " * 299 + "Длинная заметка."),
        *HOSTILE_NAMES[3:],
    ],
)
def test_hostile_notes_parse_and_round_trip_as_text(typed, shown):
    data = feed(booking(notes=typed), booking(7))
    assert set(events(data)) == {uid(42), uid(7)}  # nothing injected, nothing lost
    assert str(events(data)[uid(42)]["DESCRIPTION"]) == shown


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text(st.characters(blacklist_categories=("Cc", "Cs"))))
# icalendar's own escaping turns a typed "\\N" into a line break (found by this test).
@example(anything="\\N", plain="C:\\New\\N; a,b")
def test_any_text_parses_and_plain_text_round_trips(anything, plain):
    event = only(feed(booking(client_name=anything, notes=plain)))
    summary = str(event["SUMMARY"])
    assert not any(c < " " or "\x7f" <= c <= "\x9f" for c in summary)
    if plain.strip():
        assert str(event["DESCRIPTION"]) == plain.strip()
    else:
        assert "DESCRIPTION" not in event


def test_a_forgotten_client_shows_no_personal_data():
    forgotten = booking(client_name=None, notes=None)
    event = only(feed(forgotten))
    assert str(event["SUMMARY"]) == "Client — Consultation"
    assert "DESCRIPTION" not in event
    assert b"Anna" not in feed(forgotten)
    blank = only(feed(booking(client_name=" \n\x00 ", notes="\x07 ")))
    assert str(blank["SUMMARY"]) == "Client — Consultation" and "DESCRIPTION" not in blank


def test_video_and_in_person_places():
    link = "https://meet.example.com/abc-defg"
    assert str(only(feed(booking(is_virtual=True, place=link)))["LOCATION"]) == link
    assert str(only(feed(booking(is_virtual=True, place=None)))["LOCATION"]) == "Video call"
    assert "LOCATION" not in only(feed(booking(place=None)))  # in person, no address given


def test_translated_labels_are_used():
    labels = FeedLabels(calendar_name="Слотбот: {provider}", unnamed_client="Клиент",
                        video_call="Видеозвонок", no_show="{summary} (не пришёл)")
    data = feed(booking(client_name=None, is_virtual=True, place=None, status=Status.NO_SHOW),
                labels=labels)
    assert str(Calendar.from_ical(data)["X-WR-CALNAME"]) == "Слотбот: Dr. Meier"
    event = only(data)
    assert str(event["SUMMARY"]) == "Клиент — Consultation (не пришёл)"
    assert str(event["LOCATION"]) == "Видеозвонок"


def test_identical_input_gives_identical_bytes():
    mix = [booking(3), booking(1, start=datetime(2027, 4, 1, 9, tzinfo=BERLIN),
                               end=datetime(2027, 4, 1, 10, tzinfo=BERLIN)),
           booking(2, status=Status.CANCELLED, cancelled_at=NOW)]
    first = feed(*mix)
    assert feed(*mix) == first
    assert feed(*reversed(mix)) == first  # storage's row order does not matter
    assert feed(*mix, now=NOW + timedelta(minutes=10)) == first  # a later poll, same data


def test_events_are_ordered_by_start_then_id():
    same_start = [booking(9), booking(5), booking(7, start=NOW + timedelta(hours=1),
                                                   end=NOW + timedelta(hours=2))]
    order = [str(e["UID"]) for e in Calendar.from_ical(feed(*same_start)).walk("VEVENT")]
    assert order == [uid(7), uid(5), uid(9)]


def test_an_empty_feed_is_a_valid_calendar():
    calendar = Calendar.from_ical(feed())
    assert calendar.walk("VEVENT") == [] and str(calendar["METHOD"]) == "PUBLISH"


def test_microseconds_are_cut_to_the_second():
    event = only(feed(booking(start=datetime(2027, 3, 22, 9, 0, 0, 999_999, tzinfo=UTC),
                              last_modified=datetime(2027, 3, 18, 8, 30, 15, 500, tzinfo=UTC))))
    assert event.decoded("DTSTART") == datetime(2027, 3, 22, 9, tzinfo=UTC)
    assert event.decoded("LAST-MODIFIED") == EDITED


@pytest.mark.parametrize(
    "bad",
    [
        booking(start=datetime(2027, 3, 22, 9)),
        booking(end=datetime(2027, 3, 22, 9, 45)),
        booking(last_modified=datetime(2027, 3, 18)),
        booking(status=Status.CANCELLED, cancelled_at=datetime(2027, 3, 19)),
        booking(end=datetime(2027, 3, 22, 9, tzinfo=UTC)),  # zero length
        booking(end=datetime(2027, 3, 22, 8, tzinfo=UTC)),  # before the start
        booking(sequence=-1),
        booking(sequence=True),
    ],
)
def test_invalid_bookings_are_refused(bad):
    with pytest.raises(ValueError):
        feed(bad)


def test_an_appointment_given_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        feed(booking(1), booking(1, sequence=1))


@pytest.mark.parametrize("label", ["", "a b", "user@host", "host\r\nUID:x", "-host", "ünï.de"])
def test_a_malformed_host_label_is_refused(label):
    with pytest.raises(ValueError, match="host_label"):
        feed(booking(), host_label=label)


def test_naive_now_and_unknown_zones_are_refused():
    with pytest.raises(ValueError, match="aware"):
        feed(booking(), now=datetime(2027, 3, 20, 12))
    with pytest.raises(UnknownTimeZone):
        provider_feed("Dr. Meier", "Mars/Olympus", [booking()], NOW, host_label=HOST)
