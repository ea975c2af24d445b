"""core.bounds: the date window and the ids anything from outside is held to, and its wording."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conversations.bounds_texts import out_of_range
from conversations.i18n import texts_for
from core.availability import last_bookable_date
from core.bounds import (
    MAX_ID,
    OutOfRange,
    check_future_day,
    date_window,
    future_window,
    parse_id,
)
from core.localtime import zone
from core.model import ProviderSettings

TODAY = date(2026, 12, 1)


def test_the_window_is_a_year_back_and_five_years_ahead():
    assert date_window(TODAY) == (date(2025, 11, 30), date(2031, 12, 5))
    assert future_window(TODAY) == (TODAY, date(2031, 12, 5))


def test_check_future_day_names_the_window_it_refused():
    assert check_future_day(TODAY, TODAY) == TODAY
    for far in (date(9999, 12, 31), date(1, 1, 1), date(2026, 11, 30)):
        with pytest.raises(OutOfRange) as refused:
            check_future_day(far, TODAY)
        assert (refused.value.first, refused.value.last) == future_window(TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),  # past PostgreSQL's integer columns
        ("99999999999999999999", None),
        ("9" * 5000, None),  # int() would refuse past 4,300 digits
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("²", None),  # "²".isdigit() is true, int("²") raises
        ("٣", None),  # "٣".isdigit() is true, int("٣") == 3
        ("１２", None),  # full-width
        ("1e9", None),
        ("1.0", None),
        ("", None),
        ("off", None),
    ],
)
def test_parse_id_takes_ascii_digits_within_the_columns(text, expected):
    assert parse_id(text) == expected


def test_nothing_is_bookable_past_the_window_whatever_the_setting_says():
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    huge = ProviderSettings(max_advance_days=10**9)  # an imported provider's typo
    assert last_bookable_date(huge, zone("Europe/Berlin"), now) == date_window(TODAY)[1]
    usual = ProviderSettings(max_advance_days=30)
    assert last_bookable_date(usual, zone("Europe/Berlin"), now) == date(2026, 12, 31)


def test_the_window_is_named_in_the_persons_locale():
    first, last = date(2026, 11, 25), date(2031, 11, 29)
    assert out_of_range(texts_for("en"), first, last) == (
        "Pick a date between Nov 25, 2026 and Nov 29, 2031."
    )
    assert "29 нояб. 2031" in out_of_range(texts_for("ru"), first, last)
