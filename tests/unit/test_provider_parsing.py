"""What providers type: every /hours, /block, /special, /agenda and /invite form, and the errors."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.provider_parsing import (
    ERROR_CODES,
    EXAMPLES,
    BlockRequest,
    HoursChange,
    InviteRequest,
    ParseError,
    SpecialHours,
    format_interval,
    parse_agenda_period,
    parse_block,
    parse_hours,
    parse_invite,
    parse_special,
)
from core.model import ProviderType

TODAY = date(2026, 11, 25)  # a Wednesday
TOMORROW = date(2026, 11, 26)
NINE, NOON, ONE, FIVE, MIDNIGHT = time(9), time(12), time(13), time(17), time(0)
WEEKDAYS, ALL = {0, 1, 2, 3, 4}, set(range(7))
MORNING = ((NINE, NOON),)


def hours(days, *intervals):
    return HoursChange(frozenset(days), tuple(intervals))


def day(d, start=None, end=None):
    return BlockRequest(d, d, start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri 09:00-12:00 13:00-17:00", hours(WEEKDAYS, (NINE, NOON), (ONE, FIVE))),
        ("sat 10:00-14:00", hours({5}, (time(10), time(14)))),
        ("sun off", hours({6})),
        ("mon,wed,fri 9:00-13:00", hours({0, 2, 4}, (NINE, ONE))),
        ("mon, wed fri 9:00-13:00", hours({0, 2, 4}, (NINE, ONE))),  # spaces after commas, or none
        ("mon - fri 9:00 - 12:00", hours(WEEKDAYS, *MORNING)),
        ("mon–fri 09:00–12:00", hours(WEEKDAYS, *MORNING)),  # a phone's en dashes
        ("tue 22:00-02:00", hours({1}, (time(22), time(2)))),
        ("mon 20:00-08:00", hours({0}, (time(20), time(8)))),  # 12 hours: still a night shift
        ("fri-mon 09:00-12:00", hours({4, 5, 6, 0}, *MORNING)),  # wraps the week
        ("daily 09:00-17:00", hours(ALL, (NINE, FIVE))),
        ("weekdays 09:00-17:00", hours(WEEKDAYS, (NINE, FIVE))),
        ("weekend off", hours({5, 6})),
        ("WEEKEND,Wed 9-12", hours({2, 5, 6}, *MORNING)),
        ("mon 9-13", hours({0}, (NINE, ONE))),  # whole hours
        ("mon 09:00-24:00", hours({0}, (NINE, MIDNIGHT))),
        ("mon 18:00-00:00", hours({0}, (time(18), MIDNIGHT))),  # 00:00 as an end is midnight too
        ("sun 00:00-24:00", hours({6}, (MIDNIGHT, MIDNIGHT))),  # the whole day
        ("mon 09:00-12:00 12:00-13:00", hours({0}, (NINE, NOON), (NOON, ONE))),  # touching is fine
        ("  Monday   13:00-17:00  09:00-12:00 ", hours({0}, (NINE, NOON), (ONE, FIVE))),  # sorted
        ("mon 9:00-12:00, 13:00-17:00", hours({0}, (NINE, NOON), (ONE, FIVE))),
        ("tuesday,THURSDAY 9-12", hours({1, 3}, *MORNING)),
        # Russian
        ("пн-пт 09:00-12:00", hours(WEEKDAYS, *MORNING)),
        ("ПН,СР 09:00-12:00", hours({0, 2}, *MORNING)),
        ("суббота 09:00-12:00", hours({5}, *MORNING)),
        ("вс выходной", hours({6})),
        ("будни 09:00-12:00", hours(WEEKDAYS, *MORNING)),
        ("выходные 09:00-12:00", hours({5, 6}, *MORNING)),
        ("ежедневно 09:00-12:00", hours(ALL, *MORNING)),
        ("пт-пн 09:00-12:00", hours({4, 5, 6, 0}, *MORNING)),
        # Spanish, with and without accents
        ("lun-vie 09:00-12:00", hours(WEEKDAYS, *MORNING)),
        ("mié 09:00-12:00", hours({2}, *MORNING)),
        ("mie,sab 09:00-12:00", hours({2, 5}, *MORNING)),
        ("Sáb 09:00-12:00", hours({5}, *MORNING)),
        ("mar,jue 09:00-12:00", hours({1, 3}, *MORNING)),
        ("dom cerrado", hours({6})),
        ("miércoles 09:00-12:00", hours({2}, *MORNING)),
        ("fin de semana 10:00-14:00", hours({5, 6}, (time(10), time(14)))),
        ("laborables 09:00-12:00", hours(WEEKDAYS, *MORNING)),
    ],
)
def test_hours_forms(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("mon 25:00-12:00", "BAD_TIME", "25:00"),
        ("mon 09:00-25:00", "BAD_TIME", "25:00"),
        ("mon 09:61-12:00", "BAD_TIME", "09:61"),
        ("mon 24:00-02:00", "BAD_TIME", "24:00"),  # 24:00 only ends an interval
        ("mon 9am-5pm", "BAD_TIME", "9am"),
        ("mon-fry 09:00-12:00", "BAD_DAY", "fry"),
        ("Mon-Fry 09:00-12:00", "BAD_DAY", "Fry"),  # quoted as typed
        ("someday 09:00-12:00", "BAD_DAY", "someday"),
        ("mon- 09:00-12:00", "BAD_DAY", "mon-"),
        ("mon 17:00-09:00", "END_BEFORE_START", "17:00-09:00"),  # 16 hours "overnight": a typo
        ("mon 12:00-11:00", "END_BEFORE_START", "12:00-11:00"),
        ("mon 20:00-08:01", "END_BEFORE_START", "20:00-08:01"),  # 12 h 1 min
        ("mon 09:00-09:00", "END_BEFORE_START", "09:00-09:00"),
        ("mon 00:00-00:00", "END_BEFORE_START", "00:00-00:00"),
        ("mon 09:00-12:00 11:00-13:00", "OVERLAP", "09:00-12:00 / 11:00-13:00"),
        ("mon 09:00-12:00 09:00-12:00", "OVERLAP", "09:00-12:00 / 09:00-12:00"),
        ("mon 22:00-02:00 23:00-23:30", "OVERLAP", "22:00-02:00 / 23:00-23:30"),
        ("mon 08:00-10:00 20:00-24:00 09:00-09:30", "OVERLAP", "08:00-10:00 / 09:00-09:30"),
        ("mon", "UNKNOWN_FORM", "mon"),
        ("09:00-12:00", "UNKNOWN_FORM", "09:00-12:00"),  # no days
        ("mon 9", "UNKNOWN_FORM", "9"),
        ("mon off 09:00-12:00", "UNKNOWN_FORM", "off 09:00-12:00"),
        ("mon 09:00-12:00 off", "UNKNOWN_FORM", "off"),
        ("   ", "EMPTY", ""),
    ],
)
def test_hours_errors_say_what_and_where(text, code, detail):
    assert parse_hours(text) == ParseError(code, detail)


def test_hours_compare_only_the_same_day():
    # Monday's 22:00-02:00 runs into Tuesday's 01:00: the schedule (HoursOverlap) catches
    # that, the parser only compares the intervals of one day with each other.
    assert parse_hours("mon-tue 22:00-02:00 01:00-05:00") == hours(
        {0, 1}, (time(1), time(5)), (time(22), time(2))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", day(date(2026, 12, 24))),
        ("2026-12-24..2026-12-31", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("2026-12-24 .. 2026-12-31", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("2026-12-24 - 2026-12-31", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("2026-12-24 – 2026-12-31", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("24.12..31.12", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("28.12..03.01", BlockRequest(date(2026, 12, 28), date(2027, 1, 3))),  # reads forward
        ("mon..fri", BlockRequest(date(2026, 11, 30), date(2026, 12, 4))),  # next week's
        ("today..2026-11-25", BlockRequest(TODAY, TODAY)),
        ("2026-12-01..2027-12-01", BlockRequest(date(2026, 12, 1), date(2027, 12, 1))),  # 366 days
        ("tomorrow 14:00-16:00", day(TOMORROW, time(14), time(16))),
        ("today 14:00 - 16:00", day(TODAY, time(14), time(16))),
        ("2026-12-24 14:00-16:00", day(date(2026, 12, 24), time(14), time(16))),
        ("2026-12-24 9-12", day(date(2026, 12, 24), NINE, NOON)),
        ("today", day(TODAY)),
        ("Tomorrow", day(TOMORROW)),
        ("fri", day(date(2026, 11, 27))),
        ("friday 14:00-16:00", day(date(2026, 11, 27), time(14), time(16))),
        ("mon 09:00-12:00", day(date(2026, 11, 30), NINE, NOON)),
        ("завтра", day(TOMORROW)),
        ("сегодня 14:00-16:00", day(TODAY, time(14), time(16))),
        ("пт", day(date(2026, 11, 27))),
        ("mañana", day(TOMORROW)),
        ("MANANA 09:00-12:00", day(TOMORROW, NINE, NOON)),
        ("hoy", day(TODAY)),
        ("vie", day(date(2026, 11, 27))),
        ("24.12", day(date(2026, 12, 24))),
        ("24.12.", day(date(2026, 12, 24))),
        ("1.2", day(date(2027, 2, 1))),  # already past this year
        ("25.11", day(TODAY)),  # today is not past
        ("24.12.2026", day(date(2026, 12, 24))),
        ("2026-12-5..2027-1-5", BlockRequest(date(2026, 12, 5), date(2027, 1, 5))),  # one digit
    ],
)
def test_block_forms(text, expected):
    assert parse_block(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("2026-11-01", "DATE_IN_PAST", "2026-11-01"),
        ("24.11.2026", "DATE_IN_PAST", "24.11.2026"),
        ("2026-11-01..2026-12-01", "DATE_IN_PAST", "2026-11-01"),
        ("2026-02-30", "BAD_DATE", "2026-02-30"),
        ("31.04.2027", "BAD_DATE", "31.04.2027"),
        ("2026-12-24..2026-13-01", "BAD_DATE", "2026-13-01"),
        ("someday", "BAD_DATE", "someday"),
        ("fry", "BAD_DATE", "fry"),
        ("2026-12-31..2026-12-24", "BAD_RANGE", "2026-12-31..2026-12-24"),
        ("2026-12-31 - 2026-12-24", "BAD_RANGE", "2026-12-31 - 2026-12-24"),
        ("2026-12-01..2028-12-01", "TOO_LONG", "2026-12-01..2028-12-01"),  # two years
        ("2026-12-01..2027-12-02", "TOO_LONG", "2026-12-01..2027-12-02"),  # 367 days
        ("tomorrow 16:00-14:00", "END_BEFORE_START", "16:00-14:00"),
        ("tomorrow 14:00-14:00", "END_BEFORE_START", "14:00-14:00"),
        ("tomorrow 22:00-02:00", "END_BEFORE_START", "22:00-02:00"),  # blocks never run overnight
        ("tomorrow 22:00-24:00", "END_BEFORE_START", "22:00-24:00"),  # nor to midnight
        ("tomorrow 25:00-26:00", "BAD_TIME", "25:00"),
        ("2026-12-24..2026-12-31 10:00-12:00", "UNKNOWN_FORM", "10:00-12:00"),  # window: one day
        ("tomorrow 09:00-10:00 14:00-16:00", "UNKNOWN_FORM", "09:00-10:00 14:00-16:00"),
        ("14:00-16:00", "UNKNOWN_FORM", "14:00-16:00"),  # no date
        ("2026-12-24..", "UNKNOWN_FORM", "2026-12-24.."),
        ("tomorrow 14:00", "UNKNOWN_FORM", "14:00"),
        ("", "EMPTY", ""),
    ],
)
def test_block_errors(text, code, detail):
    assert parse_block(text, TODAY) == ParseError(code, detail)


@pytest.mark.parametrize("offset", range(7))
def test_a_day_name_is_its_next_occurrence_today_included(offset):
    today = date(2026, 11, 23) + timedelta(days=offset)  # Monday … Sunday
    expected = today + timedelta(days=(4 - today.weekday()) % 7)
    for word in ("fri", "Friday", "пт", "пятница", "vie", "viernes"):
        assert parse_block(word, today) == day(expected), word
    assert expected.weekday() == 4 and 0 <= (expected - today).days <= 6


def test_a_date_without_year_rolls_into_next_year_once_past():
    boxing_day = date(2026, 12, 26)
    assert parse_block("24.12", boxing_day) == day(date(2027, 12, 24))
    assert parse_block("26.12", boxing_day) == day(boxing_day)
    assert parse_special("24.12 10:00-14:00", boxing_day).day == date(2027, 12, 24)
    assert parse_block("29.02", date(2027, 3, 1)) == day(date(2028, 2, 29))  # the next leap day
    assert parse_block("29.02.2027", TODAY) == ParseError("BAD_DATE", "29.02.2027")


def test_special_hours_take_one_date_and_intervals_by_the_hours_rules():
    assert parse_special("2026-12-20 10:00-12:00 14:00-16:00", TODAY) == SpecialHours(
        date(2026, 12, 20), ((time(10), NOON), (time(14), time(16)))
    )
    assert parse_special(" 20.12  22:00-02:00 ", TODAY) == SpecialHours(
        date(2026, 12, 20), ((time(22), time(2)),)
    )
    assert parse_special("завтра 9-13", TODAY) == SpecialHours(TOMORROW, ((NINE, ONE),))
    assert parse_special("sáb 10:00-14:00", TODAY) == SpecialHours(
        date(2026, 11, 28), ((time(10), time(14)),)
    )
    assert parse_special("2026-12-20", TODAY) == ParseError("UNKNOWN_FORM", "2026-12-20")
    assert parse_special("10:00-14:00", TODAY) == ParseError("UNKNOWN_FORM", "10:00-14:00")
    assert parse_special("", TODAY) == ParseError("EMPTY")
    assert parse_special("2026-11-20 9-12", TODAY) == ParseError("DATE_IN_PAST", "2026-11-20")
    assert parse_special("2026-02-30 10:00-12:00", TODAY) == ParseError("BAD_DATE", "2026-02-30")
    assert parse_special("2026-12-20 10:00-12:00 11:00-13:00", TODAY) == ParseError(
        "OVERLAP", "10:00-12:00 / 11:00-13:00"
    )
    assert parse_special("2026-12-20 17:00-09:00", TODAY) == ParseError(
        "END_BEFORE_START", "17:00-09:00"
    )
    assert parse_special("2026-12-20 10:00-25:00", TODAY) == ParseError("BAD_TIME", "25:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (TODAY, TODAY)),
        ("  ", (TODAY, TODAY)),
        ("today", (TODAY, TODAY)),
        ("tomorrow", (TOMORROW, TOMORROW)),
        ("week", (TODAY, date(2026, 12, 1))),
        ("Week", (TODAY, date(2026, 12, 1))),
        ("сегодня", (TODAY, TODAY)),
        ("завтра", (TOMORROW, TOMORROW)),
        ("неделя", (TODAY, date(2026, 12, 1))),
        ("hoy", (TODAY, TODAY)),
        ("mañana", (TOMORROW, TOMORROW)),
        ("semana", (TODAY, date(2026, 12, 1))),
        ("2026-12-24", (date(2026, 12, 24), date(2026, 12, 24))),
        ("2026-11-01", (date(2026, 11, 1), date(2026, 11, 1))),  # the past is fine to look at
        ("01.11", (date(2026, 11, 1), date(2026, 11, 1))),  # and stays in this year
        ("fri", (date(2026, 11, 27), date(2026, 11, 27))),
    ],
)
def test_agenda_periods(text, expected):
    assert parse_agenda_period(text, TODAY) == expected


def test_agenda_period_errors():
    assert parse_agenda_period("soon", TODAY) == ParseError("BAD_DATE", "soon")
    assert parse_agenda_period("2026-02-30", TODAY) == ParseError("BAD_DATE", "2026-02-30")
    assert parse_agenda_period("next week", TODAY) == ParseError("UNKNOWN_FORM", "next week")


def test_invite_arguments():
    assert parse_invite("doctor Europe/Berlin Dr. Ana Petrova") == InviteRequest(
        ProviderType.DOCTOR, "Europe/Berlin", "Dr. Ana Petrova"
    )
    assert parse_invite("  Tutor  europe/madrid   Ana   Gómez ") == InviteRequest(
        ProviderType.TUTOR, "Europe/Madrid", "Ana Gómez"  # canonical zone key, spaces collapsed
    )
    assert parse_invite("THERAPIST UTC Bob").type is ProviderType.THERAPIST
    assert parse_invite("consultant America/New_York Bob").type is ProviderType.CONSULTANT
    assert parse_invite("PLUMBER Europe/Berlin Bob") == ParseError("BAD_TYPE", "PLUMBER")
    assert parse_invite("TUTOR Mars/Base Bob") == ParseError("BAD_ZONE", "Mars/Base")
    assert parse_invite("TUTOR Europe Bob") == ParseError("BAD_ZONE", "Europe")  # a directory
    assert parse_invite("TUTOR ../etc/passwd Bob") == ParseError("BAD_ZONE", "../etc/passwd")
    assert parse_invite("TUTOR localtime Bob") == ParseError("BAD_ZONE", "localtime")
    assert parse_invite("TUTOR") == ParseError("BAD_ZONE", "")
    assert parse_invite("TUTOR Europe/Berlin") == ParseError("MISSING_NAME", "")
    assert parse_invite("TUTOR Europe/Berlin " + "x" * 200).name == "x" * 200
    assert parse_invite("TUTOR Europe/Berlin " + "x" * 201) == ParseError("NAME_TOO_LONG", "200")
    assert parse_invite(" ") == ParseError("EMPTY", "")


def test_format_interval_reads_back_as_typed():
    assert format_interval(time(22), time(2)) == "22:00-02:00"
    assert format_interval(time(9, 5), time(17, 30)) == "09:05-17:30"
    assert format_interval(time(18), MIDNIGHT) == "18:00-24:00"
    assert format_interval(MIDNIGHT, MIDNIGHT) == "00:00-24:00"
    for start, end in [(time(22), time(2)), (time(18), MIDNIGHT), (MIDNIGHT, MIDNIGHT)]:
        assert parse_hours("mon " + format_interval(start, end)) == hours({0}, (start, end))


def test_every_example_parses():
    parsers = {
        "hours": parse_hours,
        "block": lambda a: parse_block(a, TODAY),
        "special": lambda a: parse_special(a, TODAY),
        "agenda": lambda a: parse_agenda_period(a, TODAY),
        "invite": parse_invite,
    }
    assert set(EXAMPLES) == set(parsers)
    for command, example in EXAMPLES.items():
        name, _, args = example.partition(" ")
        assert name == "/" + command
        assert not isinstance(parsers[command](args), ParseError), example


WORDS = ["mon", "fri-mon", "пн", "sáb", "off", "9", "09:00-12:00", "22:00-02:00", "25:00", "-",
         "..", "2026-12-24", "24.12", "29.02", "tomorrow", "week", "DOCTOR", "Europe/Berlin", ","]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=5),
       st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_parsers_never_raise_and_use_known_codes(words, today):
    text = " ".join(words)
    for result in (parse_hours(text), parse_block(text, today), parse_special(text, today),
                   parse_agenda_period(text, today), parse_invite(text)):
        assert not isinstance(result, ParseError) or result.code in ERROR_CODES


# The date window (core.bounds): a year back, five years ahead. From TODAY that is
# 2025-11-24 .. 2031-11-29; what is still to come starts today.
WINDOW_FIRST, WINDOW_LAST = date(2025, 11, 24), date(2031, 11, 29)


def out_of_range(typed, first=TODAY, last=WINDOW_LAST):
    return ParseError("OUT_OF_RANGE", typed, first, last)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_block, "9999-12-31", out_of_range("9999-12-31")),
        (parse_block, "0001-01-01", out_of_range("0001-01-01")),
        (parse_block, "31.12.9999", out_of_range("31.12.9999")),
        (parse_block, "2031-11-30", out_of_range("2031-11-30")),  # one day past the window
        (parse_block, "2026-12-01..9999-12-31", out_of_range("9999-12-31")),
        (parse_block, "9999-12-30..9999-12-31", out_of_range("9999-12-30")),
        (parse_block, "9999-12-31 10:00-12:00", out_of_range("9999-12-31")),
        (parse_special, "9999-12-31 10:00-12:00", out_of_range("9999-12-31")),
        (parse_special, "0001-01-01 10:00-12:00", out_of_range("0001-01-01")),
        (parse_agenda_period, "9999-12-31", out_of_range("9999-12-31", WINDOW_FIRST)),
        (parse_agenda_period, "0001-01-01", out_of_range("0001-01-01", WINDOW_FIRST)),
        (parse_agenda_period, "2025-11-23", out_of_range("2025-11-23", WINDOW_FIRST)),
    ],
)
def test_a_date_outside_the_window_is_answered_with_the_window(parse, text, expected):
    assert parse(text, TODAY) == expected


def test_the_window_edges_themselves_are_fine():
    assert parse_block("2031-11-29", TODAY) == day(WINDOW_LAST)
    assert parse_agenda_period("2025-11-24", TODAY) == (WINDOW_FIRST, WINDOW_FIRST)
    assert parse_agenda_period("2031-11-29", TODAY) == (WINDOW_LAST, WINDOW_LAST)
    # A recent past date is still "in the past", not "out of range".
    assert parse_block("2026-11-01", TODAY) == ParseError("DATE_IN_PAST", "2026-11-01")


@pytest.mark.parametrize("typed", ["29.02", "29/02", "29.2.", "29.2", "29/2"])
def test_29_february_without_a_year_is_the_next_29_february(typed):
    first_of_december = date(2026, 12, 1)  # 2027 has none: the next is 2028's
    assert parse_block(typed, first_of_december) == day(date(2028, 2, 29))
    assert parse_special(typed + " 10:00-12:00", first_of_december).day == date(2028, 2, 29)
    assert parse_agenda_period(typed, first_of_december) == (date(2028, 2, 29),) * 2
    # In a leap year before the day: this year's. 2100 is no leap year, and 2104's
    # is past the window: said so, not "not a date".
    assert parse_block(typed, date(2028, 1, 10)) == day(date(2028, 2, 29))
    assert parse_block(typed, date(2096, 3, 1)).code == "OUT_OF_RANGE"
    assert parse_block(typed, date(2099, 3, 1)) == day(date(2104, 2, 29))


def test_slashed_dates_read_day_first_like_dotted_ones():
    assert parse_block("24/12", TODAY) == day(date(2026, 12, 24))
    assert parse_block("24/12/2026", TODAY) == day(date(2026, 12, 24))
    assert parse_block("24/12..31/12", TODAY) == BlockRequest(date(2026, 12, 24), date(2026, 12, 31))
    assert parse_block("24/12.2026", TODAY) == ParseError("BAD_DATE", "24/12.2026")  # mixed
    assert parse_block("31/02", TODAY) == ParseError("BAD_DATE", "31/02")


@pytest.mark.parametrize(
    "typed", ["99999999999999999999", "1e9", "٣", "²", "-1", "٢٠٢٦-١٢-٢٤x", "²⁰²⁶-¹²-²⁴"]
)
def test_odd_numbers_where_a_date_belongs_are_a_clear_error(typed):
    for parse in (parse_block, parse_agenda_period):
        result = parse(typed, TODAY)
        assert isinstance(result, ParseError) and result.code in ERROR_CODES, (parse, result)
    assert isinstance(parse_special(typed + " 10:00-12:00", TODAY), ParseError)
