"""Setting a time zone the easy way: location, typed names, buttons, offset labels.

Offsets used (2026): Europe/Berlin CET +01:00 / CEST +02:00 (from 03-29); America/New_York
EST -05:00 / EDT -04:00 (from 03-08); America/Sao_Paulo -03:00 all year (no DST since
2019); Asia/Kolkata +05:30; Asia/Kathmandu +05:45; Australia/Sydney AEDT +11:00 in January.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conversations.timezones import (
    COMMON_ZONES,
    find_zones,
    suggested_zones,
    utc_offset_label,
    zone_for_location,
)

# --- zone_for_location -------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (52.5200, 13.4050, "Europe/Berlin"),
        (40.7128, -74.0060, "America/New_York"),
        (22.5726, 88.3639, "Asia/Kolkata"),  # Kolkata
        (19.0760, 72.8777, "Asia/Kolkata"),  # Mumbai
        (-23.5505, -46.6333, "America/Sao_Paulo"),
        (55.7558, 37.6173, "Europe/Moscow"),
    ],
)
def test_location_on_land_names_its_zone(latitude, longitude, zone):
    assert zone_for_location(latitude, longitude) == zone


def test_mid_ocean_gives_the_nautical_etc_zone_not_none():
    # Documented choice: the library's ocean zones are kept. 30°N 40°W (mid-Atlantic) is
    # nautical zone "+3" in POSIX notation, i.e. UTC-03:00.
    zone = zone_for_location(30.0, -40.0)
    assert zone == "Etc/GMT+3"
    ZoneInfo(zone)  # usable
    assert utc_offset_label(zone, datetime(2026, 7, 1, tzinfo=UTC)) == "UTC-03:00"
    assert zone_for_location(-30.0, -140.0) == "Etc/GMT+9"  # South Pacific


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (90.5, 0.0),
        (-91.0, 10.0),
        (10.0, 180.5),
        (10.0, -181.0),
        (float("nan"), 0.0),
        (0.0, float("inf")),
        (None, 13.4),
        ("north", 13.4),
        (True, 13.4),
        (10**400, 0.0),
        ([52.5], 13.4),
    ],
)
def test_impossible_coordinates_give_none_and_never_raise(latitude, longitude):
    assert zone_for_location(latitude, longitude) is None


def test_range_edges_are_accepted():
    for latitude, longitude in [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (0.0, -180.0)]:
        zone = zone_for_location(latitude, longitude)
        assert zone is not None
        ZoneInfo(zone)


def test_numeric_strings_are_read_as_numbers():
    assert zone_for_location("52.52", "13.405") == "Europe/Berlin"  # type: ignore[arg-type]


# --- find_zones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  EUROPE/BERLIN ", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("new-york", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao_paulo", "America/Sao_Paulo"),
        ("Москва", "Europe/Moscow"),
        ("москва", "Europe/Moscow"),
        ("Нью-Йорк", "America/New_York"),
        ("нью йорк", "America/New_York"),
        ("Ciudad de México", "America/Mexico_City"),
        ("ciudad de mexico", "America/Mexico_City"),
        ("Nueva York", "America/New_York"),
        ("Londres", "Europe/London"),
        ("Мехико", "America/Mexico_City"),
        ("Kolkata", "Asia/Kolkata"),
        ("Калькутта", "Asia/Kolkata"),  # CLDR keys it "Asia/Calcutta": mapped to the current id
        ("Calcutta", "Asia/Kolkata"),  # old spelling from the alias id
        ("Kiev", "Europe/Kyiv"),
        ("Киев", "Europe/Kyiv"),
        ("Montreal", "America/Toronto"),
        ("St. John's", "America/St_Johns"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "GMT"),
    ],
)
def test_what_people_type_finds_the_zone_first(query, zone):
    assert find_zones(query)[0] == zone


@pytest.mark.parametrize("query", ["Europe/Berlin", "berlin", "Москва", "Londres", "UTC"])
def test_an_unambiguous_name_gives_exactly_one_zone(query):
    # The bot saves a single match without asking again.
    assert len(find_zones(query)) == 1


def test_the_ui_locale_does_not_hide_other_languages_names():
    assert find_zones("Москва", locale="es") == ["Europe/Moscow"]
    assert find_zones("Nueva York", locale="ru") == ["America/New_York"]


def test_another_locale_adds_its_own_city_names():
    assert find_zones("Wien") == []
    assert find_zones("Wien", locale="de") == ["Europe/Vienna"]
    assert find_zones("Wien", locale="de-AT") == ["Europe/Vienna"]


def test_odd_locales_fall_back_to_the_base_names():
    for locale in ("zz", "", "not a locale", None):
        assert find_zones("berlin", locale=locale) == ["Europe/Berlin"]  # type: ignore[arg-type]


def test_legacy_and_etc_ids_only_when_typed_exactly():
    assert find_zones("US/Pacific") == ["US/Pacific"]
    assert find_zones("etc/gmt+5") == ["Etc/GMT+5"]
    for query in ("pacific", "eastern", "gmt+5", "america"):
        found = find_zones(query, limit=50)
        assert not any(z.startswith(("US/", "Etc/", "SystemV/")) for z in found), found
        assert all("/" in z for z in found)


def test_exact_beats_prefix_beats_substring():
    # exact "bahia" (America/Bahia) before the prefix of "bahia banderas"
    assert find_zones("bahia") == ["America/Bahia", "America/Bahia_Banderas"]
    # exact "omsk" before "tomsk", which only contains it
    assert find_zones("omsk") == ["Asia/Omsk", "Asia/Tomsk"]
    # Russian: "Ном" (Nome) exactly, then names containing it: Меномини, Пномпень
    assert find_zones("ном") == ["America/Nome", "America/Menominee", "Asia/Phnom_Penh"]
    # no exact name, no prefix: a substring alone still finds it
    assert find_zones("york") == ["America/New_York"]
    assert find_zones("lond") == ["Europe/London"]


def test_substrings_need_three_characters():
    assert find_zones("yo", limit=100) == []  # would otherwise hit New York, Tokyo, ...
    assert "America/New_York" in find_zones("yor", limit=100)


def test_limit_is_respected_and_results_are_unique_and_deterministic():
    many = find_zones("a", limit=100)
    assert len(many) == 100
    assert len(set(many)) == len(many)
    assert find_zones("a", limit=3) == many[:3]
    assert find_zones("a", limit=3) == find_zones("a", limit=3)
    assert find_zones("san", limit=6) == find_zones("san", limit=6)
    assert len(find_zones("san", limit=6)) == 6
    assert find_zones("berlin", limit=0) == []
    assert find_zones("berlin", limit=-1) == []


def test_common_zones_win_ties():
    assert find_zones("a")[:3] == ["Asia/Dubai", "Asia/Kolkata", "America/New_York"]


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "/", "---", "xyzzyqq", "12345", "Europe/Atlantis", "zz" * 300]
)
def test_empty_or_garbage_finds_nothing(query):
    assert find_zones(query) == []


def test_host_specific_ids_are_never_offered():
    assert find_zones("localtime") == []
    assert find_zones("Factory") == []


def test_every_result_is_a_loadable_zone():
    for query in ("a", "e", "м", "san", "new", "Ciudad", "UTC"):
        for zone in find_zones(query, limit=1000):
            ZoneInfo(zone)


# --- suggested_zones -----------------------------------------------------------------


def test_common_zones_are_a_short_valid_list():
    assert 8 <= len(COMMON_ZONES) <= 10
    assert len(set(COMMON_ZONES)) == len(COMMON_ZONES)
    for zone in COMMON_ZONES:
        ZoneInfo(zone)


def test_provider_zone_first_then_language_then_common():
    assert suggested_zones("ru", "Asia/Tokyo") == [
        "Asia/Tokyo", "Europe/Moscow", "Europe/London", "Europe/Berlin",
        "America/New_York", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata",
    ]
    assert suggested_zones("es", None)[:2] == ["Europe/Madrid", "America/Mexico_City"]
    assert suggested_zones("es-MX", None)[:2] == ["Europe/Madrid", "America/Mexico_City"]
    assert suggested_zones("ES_es", None)[:2] == ["Europe/Madrid", "America/Mexico_City"]


def test_suggestions_are_unique_and_at_most_eight():
    zones = suggested_zones("ru", "Europe/Moscow")
    assert zones[0] == "Europe/Moscow"
    assert len(zones) == len(set(zones)) == 8
    assert suggested_zones("es", "Europe/Madrid")[:2] == ["Europe/Madrid", "America/Mexico_City"]


def test_without_hints_the_common_zones_are_offered():
    assert suggested_zones(None, None) == list(COMMON_ZONES[:8])
    assert suggested_zones("xx", None) == list(COMMON_ZONES[:8])
    assert suggested_zones("", "") == list(COMMON_ZONES[:8])


def test_an_unknown_provider_zone_is_left_out():
    assert suggested_zones(None, "Mars/Olympus_Mons") == list(COMMON_ZONES[:8])
    assert suggested_zones(None, "../../etc/passwd") == list(COMMON_ZONES[:8])


# --- utc_offset_label ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "at", "label"),
    [
        ("Europe/Berlin", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC+01:00"),
        ("Europe/Berlin", datetime(2026, 7, 15, 12, tzinfo=UTC), "UTC+02:00"),
        # The switch itself: 2026-03-29 01:00Z.
        ("Europe/Berlin", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "UTC+01:00"),
        ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "UTC+02:00"),
        ("America/New_York", datetime(2026, 1, 15, tzinfo=UTC), "UTC-05:00"),
        ("America/New_York", datetime(2026, 7, 15, tzinfo=UTC), "UTC-04:00"),
        ("America/Sao_Paulo", datetime(2026, 1, 15, tzinfo=UTC), "UTC-03:00"),
        ("Asia/Kolkata", datetime(2026, 7, 15, tzinfo=UTC), "UTC+05:30"),
        ("Asia/Kathmandu", datetime(2026, 7, 15, tzinfo=UTC), "UTC+05:45"),
        ("Australia/Sydney", datetime(2026, 1, 15, tzinfo=UTC), "UTC+11:00"),
        ("UTC", datetime(2026, 1, 15, tzinfo=UTC), "UTC+00:00"),
        ("Europe/London", datetime(2026, 1, 15, tzinfo=UTC), "UTC+00:00"),
        ("Etc/GMT-14", datetime(2026, 1, 15, tzinfo=UTC), "UTC+14:00"),
        # Historical local mean time has seconds: Amsterdam until 1937 was +00:19:32.
        ("Europe/Amsterdam", datetime(1930, 1, 1, tzinfo=UTC), "UTC+00:19:32"),
    ],
)
def test_offset_label(zone, at, label):
    assert utc_offset_label(zone, at) == label


def test_label_reads_the_instant_whatever_zone_it_is_given_in():
    # 2026-03-29 02:30 in New York (EDT, -04:00) is 06:30Z: Berlin is already on summer time.
    at = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert utc_offset_label("Europe/Berlin", at) == "UTC+02:00"


def test_label_uses_an_ascii_minus():
    label = utc_offset_label("America/New_York", datetime(2026, 1, 15, tzinfo=UTC))
    assert label.isascii() and "\u2212" not in label


def test_label_refuses_naive_times_and_unknown_zones():
    with pytest.raises(ValueError, match="aware"):
        utc_offset_label("Europe/Berlin", datetime(2026, 1, 15, 12))
    with pytest.raises(ValueError, match="unknown time zone"):
        utc_offset_label("Mars/Olympus_Mons", datetime(2026, 1, 15, tzinfo=UTC))
