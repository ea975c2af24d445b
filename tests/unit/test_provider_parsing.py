"""What providers type: every /hours, /block, /special, /agenda and /invite form, and the errors."""

from __future__ import annotations

from datetime import date, time

import pytest

from conversations.provider_parsing import (
    BlockRequest,
    HoursChange,
    InviteRequest,
    ParseError,
    SpecialHours,
    parse_agenda_period,
    parse_block,
    parse_hours,
    parse_invite,
    parse_special,
)
from core.model import ProviderType

TODAY = date(2026, 11, 25)  # a Wednesday
NINE, NOON, ONE, FIVE = time(9), time(12), time(13), time(17)


@pytest.mark.parametrize(
    ("text", "days", "intervals"),
    [
        ("mon-fri 09:00-12:00 13:00-17:00", {0, 1, 2, 3, 4}, ((NINE, NOON), (ONE, FIVE))),
        ("sat 10:00-14:00", {5}, ((time(10), time(14)),)),
        ("sun off", {6}, ()),
        ("tue 22:00-02:00", {1}, ((time(22), time(2)),)),
        ("mon,wed,fri 9:00-13:00", {0, 2, 4}, ((NINE, ONE),)),
        ("fri-mon 09:00-12:00", {4, 5, 6, 0}, ((NINE, NOON),)),
        ("weekdays 09:00-17:00", {0, 1, 2, 3, 4}, ((NINE, FIVE),)),
        ("daily 09:00-24:00", set(range(7)), ((NINE, time(0)),)),
        ("ПН-ПТ 09:00-12:00", {0, 1, 2, 3, 4}, ((NINE, NOON),)),
        ("sáb 09:00-12:00", {5}, ((NINE, NOON),)),
        ("  Monday   13:00-17:00  09:00-12:00 ", {0}, ((NINE, NOON), (ONE, FIVE))),
        ("mon 20:00-08:00", {0}, ((time(20), time(8)),)),  # a 12-hour night shift
        ("mon 09:00-12:00 12:00-13:00", {0}, ((NINE, NOON), (NOON, ONE))),  # touching is fine
    ],
)
def test_hours_forms(text, days, intervals):
    assert parse_hours(text) == HoursChange(frozenset(days), intervals)


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("mon 25:00-12:00", "BAD_TIME", "25:00"),
        ("mon 09:61-12:00", "BAD_TIME", "09:61"),
        ("mon-fry 09:00-12:00", "BAD_DAY", "fry"),
        ("someday 09:00-12:00", "BAD_DAY", "someday"),
        ("mon 17:00-09:00", "END_BEFORE_START", "17:00-09:00"),
        ("mon 12:00-11:00", "END_BEFORE_START", "12:00-11:00"),
        ("mon 09:00-09:00", "END_BEFORE_START", "09:00-09:00"),
        ("mon 09:00-12:00 11:00-13:00", "OVERLAP", "09:00-12:00 11:00-13:00"),
        ("mon 22:00-02:00 23:00-23:30", "OVERLAP", "22:00-02:00 23:00-23:30"),
        ("mon", "UNKNOWN_FORM", "mon"),
        ("", "UNKNOWN_FORM", ""),
        ("mon 9-12", "BAD_TIME", "9"),
    ],
)
def test_hours_errors_say_what_and_where(text, code, detail):
    assert parse_hours(text) == ParseError(code, detail)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", BlockRequest(date(2026, 12, 24), date(2026, 12, 24))),
        ("2026-12-24..2026-12-31", BlockRequest(date(2026, 12, 24), date(2026, 12, 31))),
        ("tomorrow 14:00-16:00", BlockRequest(date(2026, 11, 26), date(2026, 11, 26), time(14), time(16))),
        ("today", BlockRequest(TODAY, TODAY)),
        ("wed", BlockRequest(TODAY, TODAY)),  # today is Wednesday: the next one is today
        ("fri", BlockRequest(date(2026, 11, 27), date(2026, 11, 27))),
        ("mon 09:00-12:00", BlockRequest(date(2026, 11, 30), date(2026, 11, 30), NINE, NOON)),
        ("завтра", BlockRequest(date(2026, 11, 26), date(2026, 11, 26))),
        ("mañana", BlockRequest(date(2026, 11, 26), date(2026, 11, 26))),
        ("24.12", BlockRequest(date(2026, 12, 24), date(2026, 12, 24))),
        ("1.02", BlockRequest(date(2027, 2, 1), date(2027, 2, 1))),  # already past this year
        ("24.12.2026", BlockRequest(date(2026, 12, 24), date(2026, 12, 24))),
    ],
)
def test_block_forms(text, expected):
    assert parse_block(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-11-01", "DATE_IN_PAST"),
        ("2026-02-30", "BAD_DATE"),
        ("2026-12-31..2026-12-24", "BAD_RANGE"),
        ("2026-12-01..2028-12-01", "TOO_LONG"),
        ("tomorrow 16:00-14:00", "END_BEFORE_START"),
        ("tomorrow 22:00-02:00", "END_BEFORE_START"),  # blocks never run overnight
        ("tomorrow 25:00-26:00", "BAD_TIME"),
        ("2026-12-24..2026-12-31 10:00-12:00", "UNKNOWN_FORM"),
        ("", "UNKNOWN_FORM"),
        ("someday", "BAD_DATE"),
    ],
)
def test_block_errors(text, code):
    result = parse_block(text, TODAY)
    assert isinstance(result, ParseError) and result.code == code


def test_special_hours_take_one_date_and_several_intervals():
    assert parse_special("2026-12-20 10:00-12:00 14:00-16:00", TODAY) == SpecialHours(
        date(2026, 12, 20), ((time(10), NOON), (time(14), time(16)))
    )
    assert parse_special("2026-12-20", TODAY) == ParseError("UNKNOWN_FORM", "2026-12-20")
    assert parse_special("2026-11-20 10:00-12:00", TODAY).code == "DATE_IN_PAST"
    assert parse_special("2026-12-20 10:00-12:00 11:00-13:00", TODAY).code == "OVERLAP"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (TODAY, TODAY)),
        ("today", (TODAY, TODAY)),
        ("tomorrow", (date(2026, 11, 26), date(2026, 11, 26))),
        ("week", (TODAY, date(2026, 12, 1))),
        ("semana", (TODAY, date(2026, 12, 1))),
        ("2026-11-01", (date(2026, 11, 1), date(2026, 11, 1))),  # the past is fine to look at
    ],
)
def test_agenda_periods(text, expected):
    assert parse_agenda_period(text, TODAY) == expected


def test_agenda_period_error():
    assert parse_agenda_period("soon", TODAY) == ParseError("BAD_DATE", "soon")


def test_invite_arguments():
    assert parse_invite("doctor Europe/Berlin Dr. Ana Petrova") == InviteRequest(
        ProviderType.DOCTOR, "Europe/Berlin", "Dr. Ana Petrova"
    )
    assert parse_invite("PLUMBER Europe/Berlin Bob") == ParseError("BAD_TYPE", "PLUMBER")
    assert parse_invite("TUTOR Mars/Base Bob") == ParseError("BAD_ZONE", "Mars/Base")
    assert parse_invite("TUTOR Europe/Berlin").code == "MISSING_NAME"
