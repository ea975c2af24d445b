"""What providers type and tap in /settings and /types: the pure parsing and checking helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal

import pytest

from conversations import callbacks as cb
from conversations.provider_parsing import ParseError
from conversations.provider_settings import (
    CHOICES,
    DIGEST_OFF,
    ORDER,
    TEXT_SETTINGS,
    clean_text,
    current_value,
    resolve_zone,
    setting_change,
)
from conversations.provider_types import (
    FIELDS,
    FREE,
    clean_name,
    default_currency,
    parse_minutes,
    parse_price,
    parse_seats,
    parse_sessions,
    type_screen,
)
from conversations.i18n import texts_for
from core.errors import InvalidProviderData
from core.providers import validate_appointment_type
from core.model import AppointmentType, LateCancelPolicy, Provider, ProviderSettings, ProviderType
from core.provider_admin import SETTING_RANGES

# ---------------------------------------------------------------------------- /types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60 EUR", (Decimal("60"), "EUR")),
        ("60.00 EUR", (Decimal("60.00"), "EUR")),
        ("35,50 EUR", (Decimal("35.50"), "EUR")),
        ("35.5 eur", (Decimal("35.5"), "EUR")),
        ("  60   usd ", (Decimal("60"), "USD")),
        ("60EUR", (Decimal("60"), "EUR")),
        ("EUR 60", (Decimal("60"), "EUR")),
        ("60€", (Decimal("60"), "EUR")),
        ("€ 12.50", (Decimal("12.50"), "EUR")),
        ("1500 RUB", (Decimal("1500"), "RUB")),
        ("5000 JPY", (Decimal("5000"), "JPY")),
        ("5000.00 JPY", (Decimal("5000.00"), "JPY")),
        ("free", FREE),
        ("Free", FREE),
        ("0", FREE),
        ("0 EUR", FREE),
        ("0,00", FREE),
        ("бесплатно", FREE),
        ("gratis", FREE),
    ],
)
def test_prices_in_the_forms_providers_type(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("sixty", "form", "sixty"),
        ("", "form", ""),
        ("60 euros", "form", "60 euros"),
        ("-5 EUR", "form", "-5 EUR"),
        ("1,000 EUR", "form", "1,000 EUR"),  # thousands or decimals? neither: ask again
        ("12.345 EUR", "form", "12.345 EUR"),
        ("60", "no_currency", "60"),
        ("35,50", "no_currency", "35,50"),
        ("60 XYZ", "currency", "XYZ"),
        ("60 abc", "currency", "ABC"),
        ("9.50 JPY", "decimals", "JPY"),
    ],
)
def test_what_is_not_a_price_says_why(text, code, detail):
    assert parse_price(text) == ParseError(code, detail)


def test_a_bare_number_takes_the_default_currency_and_a_code_overrides_it():
    assert parse_price("60", "EUR") == (Decimal("60"), "EUR")
    assert parse_price("35,50", "RUB") == (Decimal("35.50"), "RUB")
    assert parse_price("60 USD", "EUR") == (Decimal("60"), "USD")
    assert parse_price("0", "EUR") == FREE


def test_the_localised_free_word_counts_when_passed():
    assert parse_price("Gratuit", free_words=frozenset({"gratuit"})) == FREE
    assert isinstance(parse_price("Gratuit"), ParseError)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("30", 30), (" 45 ", 45), ("5", 5), ("1440", 1440), ("90 min", 90), ("90min", 90),
     ("60 minutes", 60), ("20 мин", 20), ("25 minutos", 25), ("15m", 15)],
)
def test_durations_in_minutes(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    "text", ["", "4", "0", "1441", "10000", "-30", "30.5", "1h", "1:30", "half an hour", "٣٠"]
)
def test_what_is_not_a_duration(text):
    assert parse_minutes(text) is None


@pytest.mark.parametrize(("text", "seats"), [("1", 1), (" 6 ", 6), ("100", 100)])
def test_group_sizes(text, seats):
    assert parse_seats(text) == seats


@pytest.mark.parametrize("text", ["", "0", "101", "1000", "-1", "two", "1.5", "²"])
def test_what_is_not_a_group_size(text):
    assert parse_seats(text) is None


def test_names_are_tidied_and_bounded():
    assert clean_name("  Check-up  ") == "Check-up"
    assert clean_name("First\n  visit") == "First visit"
    assert clean_name("x" * 80) == "x" * 80
    assert clean_name("x" * 81) is None
    assert clean_name("   ") is None


def _type(type_id, price=None, currency=None):
    return AppointmentType(type_id, 1, f"Type {type_id}", 30, price=price, currency=currency)


def test_the_default_currency_is_the_edited_types_else_the_latest_priced_one():
    types = [_type(1, Decimal(50), "EUR"), _type(2, Decimal(70), "USD"), _type(3)]
    assert default_currency(types) == "USD"
    assert default_currency(types, type_id=1) == "EUR"
    assert default_currency(types, type_id=3) == "USD"  # free itself: the latest one
    assert default_currency([_type(1)]) is None
    assert default_currency([]) is None


def test_every_type_field_button_fits_the_callback_codec():
    for field in FIELDS:
        assert cb.decode(cb.encode(cb.TypeEdit(123456, field))) == cb.TypeEdit(123456, field)


@pytest.mark.parametrize(("text", "sessions"), [("2", 2), (" 12 ", 12), ("52", 52)])
def test_sessions_in_a_series(text, sessions):
    assert parse_sessions(text) == sessions


@pytest.mark.parametrize("text", ["1", "0", "53", "100", "12.5", "-3", "twelve", "１２", ""])
def test_what_is_not_a_number_of_sessions(text):
    assert parse_sessions(text) is None


def test_the_type_screen_shows_and_toggles_the_weekly_series_setting():
    t = texts_for("en")
    off = AppointmentType(7, 1, "Tutoring", 60)
    text, markup = type_screen(t, off)
    assert "Clients may book a weekly series: off" in text
    assert "Maximum sessions in a series: 12" in text
    buttons = {b.text: cb.decode(b.callback_data) for row in markup.inline_keyboard for b in row}
    assert buttons["🔁 Allow weekly series"] == cb.TypeSeries(7, True)
    assert buttons["✏️ Sessions in a series"] == cb.TypeEdit(7, "smax")
    on = replace(off, allow_series=True, max_series_occurrences=40)
    text, markup = type_screen(t, on)
    assert "Clients may book a weekly series: on" in text and "in a series: 40" in text
    buttons = {b.text: cb.decode(b.callback_data) for row in markup.inline_keyboard for b in row}
    assert buttons["🔁 Stop weekly series"] == cb.TypeSeries(7, False)


@pytest.mark.parametrize("most", [1, 53, 0, True, "12"])
def test_the_series_maximum_outside_2_to_52_is_refused(most):
    with pytest.raises(InvalidProviderData, match="max_series_occurrences"):
        validate_appointment_type(AppointmentType(7, 1, "Tutoring", 60, max_series_occurrences=most))


def test_allow_series_must_be_a_boolean():
    with pytest.raises(InvalidProviderData, match="allow_series"):
        validate_appointment_type(AppointmentType(7, 1, "Tutoring", 60, allow_series="yes"))
    validate_appointment_type(AppointmentType(7, 1, "Tutoring", 60, allow_series=True,
                                              max_series_occurrences=52))


# ---------------------------------------------------------------------------- /settings


def test_every_setting_code_travels_in_callback_data():
    for code in ORDER:
        assert cb.decode(cb.encode(cb.SettingChoices(code))) == cb.SettingChoices(code)
    assert set(ORDER) == set(CHOICES) | set(TEXT_SETTINGS)


def test_every_offered_value_is_within_the_services_range_and_encodes():
    for code, choice in CHOICES.items():
        for value in choice.values:
            change = setting_change(code, value)
            assert change is not None, (code, value)
            assert cb.decode(cb.encode(cb.SetSetting(code, value))) == cb.SetSetting(code, value)
            if choice.field in SETTING_RANGES:
                low, high = SETTING_RANGES[choice.field]
                assert low <= change[choice.field] <= high


@pytest.mark.parametrize(
    ("code", "value"),
    [("buf", 7), ("buf", 241), ("not", 3), ("adv", 0), ("adv", 366), ("cap", 4), ("auto", 2),
     ("late", 2), ("dig", 600), ("dig", 9998), ("lang", 3), ("lmsg", 1), ("tz", 0),
     ("nope", 0), ("buffer_minutes_between_appointments", 5)],
)
def test_a_forged_value_changes_nothing(code, value):
    assert setting_change(code, value) is None


def test_button_values_become_the_services_values():
    assert setting_change("buf", 15) == {"buffer_minutes_between_appointments": 15}
    assert setting_change("not", 24) == {"min_notice_hours": 24}
    assert setting_change("adv", 90) == {"max_advance_days": 90}
    assert setting_change("lock", 48) == {"reschedule_lock_hours": 48}
    assert setting_change("cap", 0) == {"max_active_bookings_per_client": 0}
    assert setting_change("auto", 0) == {"auto_confirm": False}
    assert setting_change("auto", 1) == {"auto_confirm": True}
    assert setting_change("late", 1) == {"late_cancel_policy": LateCancelPolicy.REFUSE}
    assert setting_change("late", 0) == {"late_cancel_policy": LateCancelPolicy.ALLOW}
    assert setting_change("dig", DIGEST_OFF) == {"digest_time": None}
    assert setting_change("dig", 8 * 60) == {"digest_time": time(8, 0)}
    assert setting_change("lang", 1) == {"language": "ru"}


def _provider(**settings):
    return Provider(1, "Dr. Lena Vogel", ProviderType.DOCTOR, "Europe/Berlin",
                    settings=ProviderSettings(**settings))


def test_the_current_value_is_the_one_its_button_carries():
    provider = _provider(auto_confirm=False, late_cancel_policy=LateCancelPolicy.REFUSE,
                         digest_time=time(7, 0), min_notice_hours=12)
    assert current_value(provider, "auto") == 0
    assert current_value(provider, "late") == 1
    assert current_value(provider, "dig") == 7 * 60
    assert current_value(provider, "not") == 12
    assert current_value(provider, "lang") == 0  # no language saved: English
    assert current_value(replace(provider, language="es"), "lang") == 2
    assert current_value(_provider(), "dig") == DIGEST_OFF


def test_for_every_current_value_the_change_round_trips():
    provider = _provider()
    for code, choice in CHOICES.items():
        for value in choice.values:
            change = setting_change(code, value)
            assert change is not None
            if code == "lang":
                changed = replace(provider, **change)
            else:
                changed = replace(provider, settings=replace(provider.settings, **change))
            assert current_value(changed, code) == value


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), ("Москва", "Europe/Moscow"),
     ("  Madrid ", "Europe/Madrid"), ("US/Pacific", "US/Pacific")],
)
def test_a_zone_named_once_is_taken(query, expected):
    assert resolve_zone(query, "en") == expected


def test_an_ambiguous_zone_lists_at_most_five_and_an_unknown_one_none():
    several = resolve_zone("America", "en")
    assert isinstance(several, list) and 1 < len(several) <= 5
    assert all("/" in zone for zone in several)
    assert resolve_zone("Atlantis City", "en") == []


def test_typed_texts_are_trimmed_and_a_dash_removes_them():
    assert clean_text("  Please call the practice.  ") == "Please call the practice."
    assert clean_text("-") is None
    assert clean_text("  ") is None
    assert clean_text("Main St. 1\nBerlin") == "Main St. 1\nBerlin"
