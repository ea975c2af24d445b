"""'Add to calendar' files: parsed back with icalendar, every instant checked in UTC.

Offsets used: Europe/Berlin is CEST (+02:00) on 2026-07-04 and CET (+01:00) on
2026-12-04; Asia/Kolkata is +05:30 all year.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from conversations.ics import PRODID, appointment_ics, ics_filename

BERLIN = ZoneInfo("Europe/Berlin")
IST = timezone(timedelta(hours=5, minutes=30))
CREATED = datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC)


def make(**changes) -> bytes:
    arguments = dict(
        uid="appointment-42@slotbot",
        start=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        end=datetime(2026, 12, 4, 9, 45, tzinfo=UTC),
        summary="Consultation — Dr. Meier",
        description="Bring your insurance card.",
        location="Hauptstraße 1, 10115 Berlin",
        organizer_name="Dr. Meier",
        created=CREATED,
    )
    arguments.update(changes)
    return appointment_ics(**arguments)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_calendar_header():
    calendar, _ = parse(make())
    assert str(calendar["PRODID"]) == PRODID == "-//Slotbot//Slotbot//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert len(calendar.walk("VEVENT")) == 1


def test_event_properties():
    _, event = parse(make())
    assert str(event["UID"]) == "appointment-42@slotbot"
    assert event.decoded("DTSTAMP") == CREATED
    assert str(event["SUMMARY"]) == "Consultation — Dr. Meier"
    assert str(event["DESCRIPTION"]) == "Bring your insurance card."
    assert str(event["LOCATION"]) == "Hauptstraße 1, 10115 Berlin"
    assert str(event["CONTACT"]) == "Dr. Meier"
    assert "ORGANIZER" not in event  # no address to put there
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 0


def test_utc_instants_are_written_with_z():
    data = make()
    assert b"DTSTART:20261204T090000Z\r\n" in data
    assert b"DTEND:20261204T094500Z\r\n" in data
    assert b"DTSTAMP:20261125T120005Z\r\n" in data
    assert b"VTIMEZONE" not in data and b"TZID" not in data


def test_berlin_summer_time_is_converted_to_utc():
    start = datetime(2026, 7, 4, 10, 0, tzinfo=BERLIN)  # CEST: 08:00Z
    end = datetime(2026, 7, 4, 11, 30, tzinfo=BERLIN)
    data = make(start=start, end=end)
    _, event = parse(data)
    assert event.decoded("DTSTART") == datetime(2026, 7, 4, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 7, 4, 9, 30, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert b"DTSTART:20260704T080000Z" in data


def test_berlin_winter_time_is_converted_to_utc():
    _, event = parse(make(start=datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN),
                          end=datetime(2026, 12, 4, 11, 0, tzinfo=BERLIN)))
    assert event.decoded("DTSTART") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_half_hour_offset_is_converted_to_utc():
    start = datetime(2026, 12, 4, 9, 0, tzinfo=IST)  # 03:30Z
    data = make(start=start, end=start + timedelta(minutes=50),
                created=datetime(2026, 12, 1, 8, 15, tzinfo=IST))
    _, event = parse(data)
    assert event.decoded("DTSTART") == datetime(2026, 12, 4, 3, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 4, 4, 20, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == datetime(2026, 12, 1, 2, 45, tzinfo=UTC)
    assert b"DTSTART:20261204T033000Z" in data


def test_awkward_text_survives_the_round_trip():
    summary = "Стрижка, мытьё; укладка — Анна"
    description = "Line one, with a comma; and a semicolon\nLine two: \\ backslash \"quotes\"\n" + (
        "Пожалуйста, приходите за 10 минут до начала. " * 5  # long: folded across lines
    )
    location = "ул. Ленина, д. 5; кв. 7\nМосква"
    _, event = parse(make(summary=summary, description=description, location=location,
                          organizer_name="Анна Петрова"))
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == location
    assert str(event["CONTACT"]) == "Анна Петрова"


def test_windows_newlines_and_control_characters_are_cleaned():
    _, event = parse(make(description="a\r\nb\rc\x00d\x07e\tf"))
    assert str(event["DESCRIPTION"]) == "a\nb\ncde\tf"


def test_a_typed_backslash_n_and_a_lone_surrogate_do_not_break_the_file():
    # icalendar's own escaping read a typed "\\N" as a line break; a lone surrogate
    # (Telegram's JSON can carry one) made the whole file fail to encode.
    _, event = parse(make(summary="C:\\New \ud800visit", description="see C:\\Notes\\N1"))
    assert str(event["SUMMARY"]) == "C:\\New visit"
    assert str(event["DESCRIPTION"]) == "see C:\\Notes\\N1"


def test_lines_end_in_crlf_and_are_folded():
    data = make(description="Пожалуйста, приходите заранее. " * 20)
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # no bare LF anywhere
    assert all(len(line) <= 75 for line in lines)  # RFC 5545: 75 octets
    assert any(line.startswith(b" ") for line in lines)  # continuation lines exist
    for line in lines:
        line.decode("utf-8")  # folding never splits a UTF-8 sequence


def test_optional_texts_are_left_out_when_missing():
    _, event = parse(make(description=None, location=None, organizer_name=None))
    for name in ("DESCRIPTION", "LOCATION", "CONTACT", "ORGANIZER"):
        assert name not in event
    _, event = parse(make(description="  ", location=""))
    assert "DESCRIPTION" not in event and "LOCATION" not in event


def test_reminder_an_hour_before_by_default():
    _, event = parse(make())
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(hours=-1)
    assert str(alarm["DESCRIPTION"]) == "Consultation — Dr. Meier"


def test_reminder_can_be_changed_or_dropped():
    _, event = parse(make(reminder_before=timedelta(minutes=15)))
    assert event.walk("VALARM")[0].decoded("TRIGGER") == timedelta(minutes=-15)
    _, event = parse(make(reminder_before=None))
    assert event.walk("VALARM") == []


def test_cancelled_event_has_no_reminder_and_a_higher_sequence():
    _, event = parse(make(status="cancelled", sequence=2))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 2
    assert event.walk("VALARM") == []


def test_same_appointment_gives_identical_bytes_and_uid():
    assert make() == make()
    _, moved = parse(make(start=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
                          end=datetime(2026, 12, 5, 10, 0, tzinfo=UTC), sequence=1))
    assert str(moved["UID"]) == "appointment-42@slotbot"
    assert b"UID:" not in make().split(b"BEGIN:VEVENT")[0]  # no random calendar UID


def test_seconds_precision():
    _, event = parse(make(start=datetime(2026, 12, 4, 9, 0, 0, 999_999, tzinfo=UTC)))
    assert event.decoded("DTSTART") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("field", ["start", "end", "created"])
def test_naive_datetimes_are_refused(field):
    naive = {"start": datetime(2026, 12, 4, 9, 0), "end": datetime(2026, 12, 4, 9, 45),
             "created": datetime(2026, 11, 25, 12, 0)}[field]
    with pytest.raises(ValueError, match="aware"):
        make(**{field: naive})


@pytest.mark.parametrize(
    "changes",
    [
        {"end": datetime(2026, 12, 4, 9, 0, tzinfo=UTC)},  # zero length
        {"end": datetime(2026, 12, 4, 8, 0, tzinfo=UTC)},  # before the start
        {"uid": ""},
        {"uid": "   "},
        {"uid": "a\nb"},
        {"status": "DONE"},
        {"sequence": -1},
        {"sequence": True},
        {"reminder_before": timedelta(minutes=-5)},
    ],
)
def test_invalid_arguments_are_refused(changes):
    with pytest.raises(ValueError):
        make(**changes)


# --- ics_filename --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "start", "name"),
    [
        ("Haircut", datetime(2026, 12, 4, 9, tzinfo=UTC), "haircut-2026-12-04.ics"),
        ("Стрижка", datetime(2026, 12, 4, 9, tzinfo=UTC), "appointment-2026-12-04.ics"),
        ("", datetime(2026, 12, 4, 9, tzinfo=UTC), "appointment-2026-12-04.ics"),
        ("Café consult — Dr. Müller", datetime(2026, 12, 4, tzinfo=UTC),
         "cafe-consult-dr-muller-2026-12-04.ics"),
        ("../../etc/passwd", datetime(2026, 12, 4, tzinfo=UTC), "etc-passwd-2026-12-04.ics"),
        # The date is the one the start carries: 23:30 in Kolkata is still the 4th there.
        ("Yoga", datetime(2026, 12, 4, 23, 30, tzinfo=IST), "yoga-2026-12-04.ics"),
    ],
)
def test_filename(summary, start, name):
    assert ics_filename(summary, start) == name


def test_filename_is_safe_and_bounded():
    name = ics_filename("A very long appointment type name " * 10 + "/\\:*?\"<>|", CREATED)
    assert name.isascii() and name.endswith("-2026-11-25.ics")
    assert len(name) <= 40 + len("-2026-11-25.ics")
    assert all(c.isalnum() or c in "-." for c in name)
    assert not name.startswith("-")
