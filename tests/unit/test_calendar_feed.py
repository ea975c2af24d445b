"""Busy times from the feeds real calendars export (issue #13, part 1), instant by instant.

Europe/Berlin changes to summer time on Sunday 28 March 2027: 10:00 local is 09:00 UTC
before and 08:00 UTC after. The fixtures are shaped as the providers export them: Google
(UTC times and X-WR-TIMEZONE), Outlook (Windows zone names) and Apple iCloud (VTIMEZONE,
TZID times, VALARMs, CRLF and lines folded at 75 octets).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.calendar_feed import FeedError, busy_intervals

FEEDS = Path(__file__).parents[1] / "fixtures" / "feeds"
FIRST, LAST = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def spans(name: str, zone: str = "Europe/Berlin") -> list[tuple[datetime, datetime]]:
    return [(b.start, b.end) for b in busy_intervals((FEEDS / name).read_bytes(), zone, FIRST, LAST)]


def test_google_weekly_meeting_keeps_its_local_hour_across_dst_with_exdate_and_a_moved_instance():
    assert spans("google.ics") == [
        (utc(2027, 3, 15, 9), utc(2027, 3, 15, 10)),  # 10:00 CET
        (utc(2027, 3, 22, 9), utc(2027, 3, 22, 10)),
        (utc(2027, 3, 27, 23), utc(2027, 3, 28, 22)),  # all-day Sunday: 23 hours that day
        # 29 March excluded (EXDATE); 10:00 CEST from April on
        (utc(2027, 4, 5, 8), utc(2027, 4, 5, 9)),
        (utc(2027, 4, 12, 12), utc(2027, 4, 12, 13)),  # the moved instance: its new time only
        (utc(2027, 4, 19, 8), utc(2027, 4, 19, 9)),
    ]  # the transparent lunch and the cancelled event block nothing


def test_outlook_windows_zone_names_and_a_moved_instance():
    assert spans("outlook.ics") == [
        (utc(2027, 3, 22, 9), utc(2027, 3, 22, 10)),
        (utc(2027, 3, 30, 13), utc(2027, 3, 30, 14)),  # moved from Monday 10:00 to Tuesday 15:00
        (utc(2027, 4, 5, 8), utc(2027, 4, 5, 9)),
    ]


def test_apple_icloud_export_with_vtimezone_exdate_moved_instance_all_day_and_alarm():
    assert spans("apple.ics") == [
        (utc(2027, 3, 17, 9), utc(2027, 3, 17, 10)),  # Wednesdays 10:00 CET
        (utc(2027, 3, 24, 9), utc(2027, 3, 24, 10)),
        (utc(2027, 3, 26, 23), utc(2027, 3, 28, 22)),  # all-day Saturday and Sunday: 24 + 23 hours
        (utc(2027, 3, 31, 8), utc(2027, 3, 31, 9)),  # 10:00 CEST from here on
        # 7 April excluded (EXDATE;TZID=); 14 April moved to Thursday 16:00 (RECURRENCE-ID;TZID=)
        (utc(2027, 4, 15, 14), utc(2027, 4, 15, 15)),
        (utc(2027, 4, 21, 8), utc(2027, 4, 21, 9)),
    ]  # the transparent lunch blocks nothing, and the meeting's VALARM is no event


def test_the_apple_fixture_is_crlf_and_folded_at_75_octets_as_icloud_writes_it():
    raw = (FEEDS / "apple.ics").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) == 75
    assert b"\r\n " in raw


@pytest.mark.parametrize(("name", "wall_clock"), [
    ("google.ics", [
        ("Mon 15.03. 10:00", "Mon 15.03. 11:00"),
        ("Mon 22.03. 10:00", "Mon 22.03. 11:00"),
        ("Sun 28.03. 00:00", "Mon 29.03. 00:00"),
        ("Mon 05.04. 10:00", "Mon 05.04. 11:00"),
        ("Mon 12.04. 14:00", "Mon 12.04. 15:00"),
        ("Mon 19.04. 10:00", "Mon 19.04. 11:00"),
    ]),
    ("outlook.ics", [
        ("Mon 22.03. 10:00", "Mon 22.03. 11:00"),
        ("Tue 30.03. 15:00", "Tue 30.03. 16:00"),
        ("Mon 05.04. 10:00", "Mon 05.04. 11:00"),
    ]),
    ("apple.ics", [
        ("Wed 17.03. 10:00", "Wed 17.03. 11:00"),
        ("Wed 24.03. 10:00", "Wed 24.03. 11:00"),
        ("Sat 27.03. 00:00", "Mon 29.03. 00:00"),
        ("Wed 31.03. 10:00", "Wed 31.03. 11:00"),
        ("Thu 15.04. 16:00", "Thu 15.04. 17:00"),
        ("Wed 21.04. 10:00", "Wed 21.04. 11:00"),
    ]),
])
def test_every_fixture_in_berlin_wall_clock_the_weekly_meeting_stays_at_10_across_dst(name, wall_clock):
    def local(instant: datetime) -> str:
        return instant.astimezone(BERLIN).strftime("%a %d.%m. %H:%M")

    assert [(local(start), local(end)) for start, end in spans(name)] == wall_clock


def test_floating_times_are_the_providers_wall_clock():
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS//EN\r\nBEGIN:VEVENT\r\n"
        "UID:floating\r\nDTSTART:20270405T100000\r\nDTEND:20270405T113000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    (busy,) = busy_intervals(feed, "America/New_York", FIRST, LAST)
    assert (busy.start, busy.end) == (utc(2027, 4, 5, 14), utc(2027, 4, 5, 15, 30))


def test_only_the_window_is_expanded_and_titles_are_not_kept():
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:daily\r\n"
        "SUMMARY:Secret therapy of my own\r\nDTSTART;TZID=Europe/Berlin:20200101T070000\r\n"
        "DTEND;TZID=Europe/Berlin:20200101T080000\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    busy = busy_intervals(feed, "Europe/Berlin", utc(2027, 4, 1), utc(2027, 4, 8))
    assert len(busy) == 7
    assert all("Secret" not in b.uid for b in busy)


@pytest.mark.parametrize("feed", [b"", b"<html>login</html>", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"])
def test_a_feed_that_is_not_icalendar_is_a_feed_error(feed):
    with pytest.raises(FeedError):
        busy_intervals(feed, "Europe/Berlin", FIRST, LAST)


def test_a_windows_zone_name_without_its_vtimezone_is_still_read():
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\nBEGIN:VEVENT\r\n"
        "UID:w\r\nDTSTART;TZID=Eastern Standard Time:20270405T100000\r\n"
        "DTEND;TZID=Eastern Standard Time:20270405T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (busy,) = busy_intervals(feed, "Europe/Berlin", FIRST, LAST)
    assert (busy.start, busy.end) == (utc(2027, 4, 5, 14), utc(2027, 4, 5, 15))
