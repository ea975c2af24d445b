"""SQLite keeps UTC instants as text that must compare as the instants do.

``UTCDateTime`` formats that text itself on SQLite (one C call instead of
SQLAlchemy's field-by-field DATETIME formatting); every stored value and every
range bound must still be exactly the text SQLAlchemy's DATETIME would write,
or rows written before the change would fall out of ranges.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect

from storage.orm import UTCDateTime

_DIALECT = sqlite_dialect()
_OURS = UTCDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)
_SQLALCHEMY = DateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)

instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=11))]),
)


@given(instants)
def test_sqlite_text_of_an_instant_is_sqlalchemys_text_of_its_utc(value: datetime) -> None:
    utc = value.astimezone(UTC).replace(tzinfo=None)
    assert _OURS(value) == _SQLALCHEMY(utc)


def test_a_naive_datetime_is_refused() -> None:
    try:
        _OURS(datetime(2026, 1, 1))
    except ValueError:
        return
    raise AssertionError("a naive datetime was stored")


def test_none_stays_null() -> None:
    assert _OURS(None) is None
