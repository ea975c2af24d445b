"""The provider import format: the shared example reads, bad files say which field is wrong."""

from __future__ import annotations

import copy
import json
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.provider_import import ProviderFileError, parse_provider, read_provider_file
from core.model import OverrideKind, ProviderSettings, ProviderType
from core.providers import validate_new_provider

# A copy of shared/examples/provider.json, so the suite does not need ../shared.
EXAMPLE = Path(__file__).parents[1] / "fixtures" / "provider.json"


@pytest.fixture
def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "provider.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_shared_example_reads_as_a_valid_provider():
    new = read_provider_file(EXAMPLE)
    validate_new_provider(new)  # the domain accepts what the import produced
    provider = new.provider
    assert (provider.name, provider.email) == ("Dr. Ana Petrova", "ana.petrova@example.org")
    assert provider.type is ProviderType.DOCTOR
    assert provider.timezone == "Europe/Berlin"
    assert provider.settings == ProviderSettings(
        buffer_minutes_between_appointments=10,
        max_advance_days=30,
        min_notice_hours=2,
        auto_confirm=True,
    )


def test_the_example_keeps_its_weekly_hours_including_the_overnight_friday():
    weekly = read_provider_file(EXAMPLE).weekly
    assert len(weekly) == 5
    (friday,) = [w for w in weekly if w.day_of_week == 4]
    assert (friday.start, friday.end) == (time(22), time(2))
    assert friday.is_overnight and friday.is_active
    (saturday,) = [w for w in weekly if w.day_of_week == 5]
    assert not saturday.is_active
    monday = [(w.start, w.end) for w in weekly if w.day_of_week == 0]
    assert monday == [(time(9), time(12, 30)), (time(14), time(18))]


def test_the_example_keeps_its_four_overrides():
    overrides = read_provider_file(EXAMPLE).overrides
    assert [(o.date, o.kind, o.start, o.end) for o in overrides] == [
        (date(2026, 12, 24), OverrideKind.UNAVAILABLE, None, None),
        (date(2026, 12, 7), OverrideKind.UNAVAILABLE, time(15), time(16, 30)),
        (date(2026, 12, 9), OverrideKind.SPECIAL_HOURS, time(8), time(11)),
        (date(2026, 12, 9), OverrideKind.SPECIAL_HOURS, time(19), time(21)),
    ]
    assert overrides[0].is_whole_day and not overrides[1].is_whole_day


def test_the_example_keeps_prices_as_exact_decimals_with_their_currency():
    types = read_provider_file(EXAMPLE).appointment_types
    consultation, video, group = types
    assert (consultation.name, consultation.duration_minutes) == ("Consultation", 30)
    assert consultation.price == Decimal("60.00") and str(consultation.price) == "60.00"
    assert consultation.currency == "EUR"
    assert video.is_virtual and video.price == Decimal("35.00")
    assert group.max_participants == 6 and group.is_group
    assert all(t.id is None and t.provider_id is None for t in types)


def test_24_00_means_the_end_of_the_day(example):
    example["schedules"][0]["end_time"] = "24:00"
    assert parse_provider(example).weekly[0].end == time(0)


def test_unknown_keys_are_ignored(example):
    example["room"] = "3B"
    example["appointment_types"][0]["colour"] = "blue"
    assert parse_provider(example).provider.name == "Dr. Ana Petrova"


def _set(*path_and_value):
    *path, key, value = path_and_value

    def change(data):
        for part in path:
            data = data[part]
        data[key] = value

    return change


def _drop(key):
    return lambda data: data.pop(key)


BAD_FIELDS = {
    "hour 25": (_set("schedules", 0, "start_time", "25:00"), "schedules[0].start_time"),
    "hour without zero": (_set("schedules", 1, "end_time", "9:00"), "schedules[1].end_time"),
    "day 7": (_set("schedules", 2, "day_of_week", 7), "schedules[2].day_of_week"),
    "day -1": (_set("schedules", 0, "day_of_week", -1), "schedules[0].day_of_week"),
    "provider type": (_set("type", "PLUMBER"), "type"),
    "override type": (_set("overrides", 1, "type", "HOLIDAY"), "overrides[1].type"),
    "override date": (_set("overrides", 0, "date", "2026-13-01"), "overrides[0].date"),
    "currency EURO": (
        _set("appointment_types", 0, "currency", "EURO"), "appointment_types[0].currency"
    ),
    "price abc": (_set("appointment_types", 2, "price", "abc"), "appointment_types[2].price"),
    "price NaN": (_set("appointment_types", 0, "price", "NaN"), "appointment_types[0].price"),
    "duration 0": (
        _set("appointment_types", 1, "duration_minutes", 0),
        "appointment_types[1].duration_minutes",
    ),
    "no seats": (
        _set("appointment_types", 2, "max_participants", 0),
        "appointment_types[2].max_participants",
    ),
    "series maximum 1": (
        _set("appointment_types", 0, "max_series_occurrences", 1),
        "appointment_types[0].max_series_occurrences",
    ),
    "series maximum 53": (
        _set("appointment_types", 1, "max_series_occurrences", 53),
        "appointment_types[1].max_series_occurrences",
    ),
    "allow series maybe": (
        _set("appointment_types", 0, "allow_series", "maybe"), "appointment_types[0].allow_series"
    ),
    "negative buffer": (
        _set("settings", "buffer_minutes_between_appointments", -5),
        "settings.buffer_minutes_between_appointments",
    ),
    "missing name": (_drop("name"), "name"),
    "missing timezone": (_drop("timezone"), "timezone"),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_a_bad_field_is_refused_with_its_name(example, tmp_path, case):
    change, field = BAD_FIELDS[case]
    change(example)
    path = write(tmp_path, example)
    with pytest.raises(ProviderFileError) as refused:
        read_provider_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {field}: "), message


def test_parse_provider_names_the_field_without_a_file(example):
    broken = copy.deepcopy(example)
    broken["schedules"][3]["start_time"] = "25:00"
    with pytest.raises(ProviderFileError, match=r"^schedules\[3\]\.start_time: .*'25:00'"):
        parse_provider(broken)


def test_a_top_level_that_is_not_an_object_is_refused(tmp_path):
    with pytest.raises(ProviderFileError, match=r"\(top level\)"):
        read_provider_file(write(tmp_path, ["not", "a", "provider"]))


def test_text_that_is_not_json_is_refused_with_the_position(tmp_path):
    path = tmp_path / "provider.json"
    path.write_text('{"name": "Dr. Ana Petrova",\n  oops}', encoding="utf-8")
    with pytest.raises(ProviderFileError, match=r"not valid JSON \(line 2, column 3"):
        read_provider_file(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "provider.json"
    path.write_bytes(b'{"name": "Dr. \xff"}')
    with pytest.raises(ProviderFileError, match="not UTF-8"):
        read_provider_file(path)


def test_a_file_that_does_not_exist_is_refused_with_its_path(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(ProviderFileError, match="cannot read the file") as refused:
        read_provider_file(missing)
    assert str(missing) in str(refused.value)


def test_weekly_series_settings_are_optional_and_read_when_given(example):
    plain = parse_provider(example).appointment_types[0]
    assert (plain.allow_series, plain.max_series_occurrences) == (False, 12)
    example["appointment_types"][0]["allow_series"] = True
    example["appointment_types"][0]["max_series_occurrences"] = 26
    weekly = parse_provider(example).appointment_types[0]
    assert (weekly.allow_series, weekly.max_series_occurrences) == (True, 26)
