"""Locale resolution and the locale-aware formatters of :class:`conversations.i18n.Texts`.

Expected strings are Babel 2.18 / CLDR output, written out literally, including
its special spaces: U+202F (narrow no-break) in "1:00\u202fPM" and "2026\u202fг.",
U+00A0 (no-break) in "45,50\xa0€".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from conversations.i18n import (
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    N_,
    SUPPORTED_LOCALES,
    Texts,
    resolve_locale,
    texts_for,
)

NNBSP, NBSP = "\u202f", "\xa0"
BERLIN = "Europe/Berlin"
ONE_PM_BERLIN = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 13:00 CET (UTC+1)


@pytest.mark.parametrize(
    ("saved", "telegram", "expected"),
    [
        ("ru", "es", "ru"),  # a saved choice wins
        (None, "ru", "ru"),
        (None, "es-ES", "es"),  # region dropped
        (None, "es_MX", "es"),
        (None, "RU", "ru"),
        (None, "pt-BR", "en"),  # unsupported: English
        ("de", "es", "es"),  # unsupported saved value: next source
        ("", "", "en"),
        (None, None, "en"),
    ],
)
def test_resolve_locale(saved: str | None, telegram: str | None, expected: str) -> None:
    assert resolve_locale(saved, telegram) == expected


def test_constants() -> None:
    assert SUPPORTED_LOCALES == ("en", "ru", "es")
    assert DEFAULT_LOCALE == "en"
    assert LOCALE_NAMES == {"en": "English", "ru": "Русский", "es": "Español"}
    assert N_("Back") == "Back"


def test_texts_are_cached_and_unknown_locales_speak_english() -> None:
    assert texts_for("ru") is texts_for("ru")
    assert texts_for("es-AR").locale == "es"
    assert texts_for("pt").locale == "en"
    assert texts_for(None).locale == "en"


def test_translation_and_english_fallback() -> None:
    assert texts_for("ru")._("Back") == "Назад"
    assert texts_for("es").gettext("Back") == "Atrás"
    assert texts_for("en")._("Back") == "Back"
    assert texts_for("ru")._("A message nobody has translated") == "A message nobody has translated"


@pytest.mark.parametrize(("n", "expected"), [(1, "часа"), (2, "часов"), (5, "часов"), (21, "часа")])
def test_russian_plurals(n: int, expected: str) -> None:
    text = texts_for("ru").ngettext(
        "This is less than {n} hour before the start: it will be recorded as a late cancellation.",
        "This is less than {n} hours before the start: it will be recorded as a late cancellation.",
        n,
    ).format(n=n)
    assert f"меньше {n} {expected}:" in text


# -- times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", f"1:00{NNBSP}PM"), ("ru", "13:00"), ("es", "13:00")]
)
def test_afternoon_time_in_each_locales_convention(locale: str, expected: str) -> None:
    assert texts_for(locale).format_time(ONE_PM_BERLIN, BERLIN) == expected


@pytest.mark.parametrize(
    ("utc_hour", "minute", "en", "ru", "es"),
    [
        (23, 5, f"12:05{NNBSP}AM", "00:05", "0:05"),  # midnight is 12 AM, not 0 or 12 PM
        (11, 5, f"12:05{NNBSP}PM", "12:05", "12:05"),
        (8, 30, f"9:30{NNBSP}AM", "09:30", "9:30"),
        (20, 45, f"9:45{NNBSP}PM", "21:45", "21:45"),  # no 12-hour wrap in 24-hour locales
    ],
)
def test_times_round_the_clock(utc_hour: int, minute: int, en: str, ru: str, es: str) -> None:
    instant = datetime(2026, 12, 3, utc_hour, minute, tzinfo=UTC)
    assert [texts_for(x).format_time(instant, BERLIN) for x in ("en", "ru", "es")] == [en, ru, es]


def test_time_shown_in_the_zone_asked_for() -> None:
    t = texts_for("ru")
    assert t.format_time(ONE_PM_BERLIN, "America/New_York") == "07:00"
    assert t.format_time(ONE_PM_BERLIN, "Asia/Kolkata") == "17:30"


def test_times_on_dst_change_days() -> None:
    t = texts_for("en")
    # 29 March 2026: Berlin clocks jump from 02:00 to 03:00.
    assert t.format_time(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), BERLIN) == f"1:30{NNBSP}AM"
    assert t.format_time(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), BERLIN) == f"3:30{NNBSP}AM"
    # 25 October 2026: 02:00-03:00 happens twice; both instants read 2:30.
    ru = texts_for("ru")
    assert ru.format_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), BERLIN) == "02:30"
    assert ru.format_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), BERLIN) == "02:30"
    assert ru.format_time(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), BERLIN) == "03:30"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        texts_for("en").format_time(datetime(2026, 12, 4, 13, 0), BERLIN)
    with pytest.raises(TypeError):
        texts_for("en").format_date(ONE_PM_BERLIN)  # type: ignore[arg-type]


# -- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "full", "medium"),
    [
        ("en", "Friday, December 4, 2026", "Dec 4, 2026"),
        ("ru", f"пятница, 4 декабря 2026{NNBSP}г.", f"4 дек. 2026{NNBSP}г."),
        ("es", "viernes, 4 de diciembre de 2026", "4 dic 2026"),
    ],
)
def test_format_date(locale: str, full: str, medium: str) -> None:
    t = texts_for(locale)
    assert t.format_date(date(2026, 12, 4)) == full
    assert t.format_date(date(2026, 12, 4), "medium") == medium


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", f"Dec 4, 2026, 1:00{NNBSP}PM"),
        ("ru", f"4 дек. 2026{NNBSP}г., 13:00"),
        ("es", "4 dic 2026, 13:00"),
    ],
)
def test_format_datetime(locale: str, expected: str) -> None:
    assert texts_for(locale).format_datetime(ONE_PM_BERLIN, BERLIN) == expected


def test_format_datetime_short() -> None:
    ru, en = texts_for("ru"), texts_for("en")
    assert ru.format_datetime(ONE_PM_BERLIN, BERLIN, "short") == "04.12.2026, 13:00"
    assert en.format_datetime(ONE_PM_BERLIN, BERLIN, "short") == f"12/4/26, 1:00{NNBSP}PM"


def test_day_header_takes_the_day_in_the_zone() -> None:
    late_evening_utc = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # already Saturday in Berlin
    en, es = texts_for("en"), texts_for("es")
    assert en.format_day_header(late_evening_utc, BERLIN) == "Saturday, December 5, 2026"
    assert en.format_day_header(late_evening_utc, "UTC") == "Friday, December 4, 2026"
    assert es.format_day_header(date(2026, 12, 4), BERLIN) == "viernes, 4 de diciembre de 2026"


@pytest.mark.parametrize(
    ("locale", "december", "may"),
    [
        ("en", "December 2026", "May 2026"),
        ("ru", f"декабрь 2026{NNBSP}г.", f"май 2026{NNBSP}г."),  # stand-alone (nominative)
        ("es", "diciembre de 2026", "mayo de 2026"),
    ],
)
def test_month_year(locale: str, december: str, may: str) -> None:
    t = texts_for(locale)
    assert (t.month_year(2026, 12), t.month_year(2026, 5)) == (december, may)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
        ("ru", ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]),
        ("es", ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]),
    ],
)
def test_weekday_abbreviations_start_on_monday(locale: str, expected: list[str]) -> None:
    assert texts_for(locale).weekday_abbreviations() == expected


def test_narrow_weekdays() -> None:
    assert texts_for("es").weekday_abbreviations("narrow") == ["L", "M", "X", "J", "V", "S", "D"]


# -- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "eur", "rub"),
    [
        ("en", "€45.50", "RUB1,200.00"),
        ("ru", f"45,50{NBSP}€", f"1{NBSP}200,00{NBSP}₽"),
        ("es", f"45,50{NBSP}€", f"1.200,00{NBSP}RUB"),
    ],
)
def test_format_price(locale: str, eur: str, rub: str) -> None:
    t = texts_for(locale)
    assert t.format_price(Decimal("45.50"), "EUR") == eur
    assert t.format_price(Decimal("1200"), "RUB") == rub


@pytest.mark.parametrize(
    ("minutes", "en", "ru", "es"),
    [
        (1, "1 minute", "1 минута", "1 minuto"),
        (30, "30 minutes", "30 минут", "30 minutos"),
        (45, "45 minutes", "45 минут", "45 minutos"),
        (60, "1 hour", "1 час", "1 hora"),
        (90, "1 hour and 30 minutes", "1 час и 30 минут", "1 hora y 30 minutos"),
        (120, "2 hours", "2 часа", "2 horas"),
        (150, "2 hours and 30 minutes", "2 часа и 30 минут", "2 horas y 30 minutos"),
    ],
)
def test_format_duration(minutes: int, en: str, ru: str, es: str) -> None:
    assert [texts_for(x).format_duration(minutes) for x in ("en", "ru", "es")] == [en, ru, es]


# -- time zones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "en", "ru", "es"),
    [
        (BERLIN, "Berlin", "Берлин", "Berlín"),
        ("America/New_York", "New York", "Нью-Йорк", "Nueva York"),
        ("Asia/Kolkata", "Kolkata", "Калькутта", "Calcuta"),  # CLDR files it as Asia/Calcutta
        ("America/Argentina/Buenos_Aires", "Buenos Aires", "Буэнос-Айрес", "Buenos Aires"),
        ("UTC", "UTC", "UTC", "UTC"),
        ("Etc/GMT+3", "GMT-03:00", "GMT-03:00", "GMT-03:00"),  # POSIX sign: 3 h behind UTC
    ],
)
def test_zone_name(zone: str, en: str, ru: str, es: str) -> None:
    assert [texts_for(x).zone_name(zone) for x in ("en", "ru", "es")] == [en, ru, es]


def test_zone_label_shows_the_offset_at_that_instant() -> None:
    t = texts_for("ru")
    assert t.zone_label(BERLIN, ONE_PM_BERLIN) == "Берлин (GMT+01:00)"
    assert t.zone_label(BERLIN, datetime(2026, 7, 1, tzinfo=UTC)) == "Берлин (GMT+02:00)"
    assert t.zone_label("Etc/GMT+3", ONE_PM_BERLIN) == "GMT-03:00"


def test_texts_without_a_catalog_still_format() -> None:
    t = Texts("ru")
    assert t._("Back") == "Back"
    assert t.format_time(ONE_PM_BERLIN, BERLIN) == "13:00"
