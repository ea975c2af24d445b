"""The ``slotbot`` command line, run as a real process: the contract of issue #3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "provider.json"
NOW = "2026-11-25T12:00:00Z"


class Cli:
    def __init__(self, database_url: str) -> None:
        self.env = {**os.environ, "SLOTBOT_DATABASE_URL": database_url}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def json(self, *args: str) -> object:
        result = self(*args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(f"sqlite:///{tmp_path / 'cli.db'}")


@pytest.fixture
def imported(cli) -> tuple[int, list[int]]:
    out = cli.json("provider", "import", str(EXAMPLE))
    return out["provider_id"], out["type_ids"]


def test_import_prints_provider_and_type_ids(cli):
    out = cli.json("provider", "import", str(EXAMPLE))
    assert out == {"provider_id": 1, "type_ids": [1, 2, 3]}


def test_slots_of_an_overnight_friday_include_the_tail_after_midnight(cli, imported):
    provider, (consultation, *_rest) = imported
    slots = cli.json(
        "slots", "--provider", str(provider), "--type", str(consultation),
        "--date", "2026-12-04", "--now", NOW,
    )
    # Friday 22:00-02:00 Berlin (UTC+1), 30 minutes + 10 buffer: a start every 40 minutes.
    assert slots == [
        "2026-12-04T21:00:00Z", "2026-12-04T21:40:00Z", "2026-12-04T22:20:00Z",
        "2026-12-04T23:00:00Z", "2026-12-04T23:40:00Z", "2026-12-05T00:20:00Z",
    ]


def test_slots_skip_a_partial_block_and_a_blocked_day(cli, imported):
    provider, (consultation, *_rest) = imported
    monday = cli.json(
        "slots", "--provider", str(provider), "--type", str(consultation),
        "--date", "2026-12-07", "--now", NOW,
    )
    assert "2026-12-07T13:00:00Z" in monday  # 14:00, ends before the 15:00 block
    assert not any(s in monday for s in ("2026-12-07T13:40:00Z", "2026-12-07T15:00:00Z"))
    christmas_eve = cli.json(
        "slots", "--provider", str(provider), "--type", str(consultation),
        "--date", "2026-12-24", "--now", NOW,
    )
    assert christmas_eve == []


def test_book_then_repeat_returns_the_same_appointment(cli, imported):
    provider, (consultation, *_rest) = imported
    args = (
        "book", "--provider", str(provider), "--type", str(consultation),
        "--client", "424242", "--start", "2026-12-04T21:00:00Z", "--now", NOW,
    )
    first = cli.json(*args)
    again = cli.json(*args)
    assert first["id"] == again["id"]
    assert first["status"] == "CONFIRMED"
    assert (first["start"], first["end"]) == ("2026-12-04T21:00:00Z", "2026-12-04T21:30:00Z")


def test_book_a_taken_or_forged_slot_exits_3(cli, imported):
    provider, (consultation, *_rest) = imported
    base = ("book", "--provider", str(provider), "--type", str(consultation), "--now", NOW)
    cli.json(*base, "--client", "1", "--start", "2026-12-04T21:00:00Z")
    taken = cli(*base, "--client", "2", "--start", "2026-12-04T21:00:00Z")
    misaligned = cli(*base, "--client", "2", "--start", "2026-12-04T21:05:00Z")
    day_off = cli(*base, "--client", "2", "--start", "2026-12-24T09:00:00Z")
    for result in (taken, misaligned, day_off):
        assert result.returncode == 3
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1


def test_cancel_inside_minimum_notice_is_flagged_late(cli, imported):
    provider, (consultation, *_rest) = imported
    booked = cli.json(
        "book", "--provider", str(provider), "--type", str(consultation),
        "--client", "7", "--start", "2026-12-04T21:00:00Z", "--now", NOW,
    )
    out = cli.json(
        "cancel", str(booked["id"]), "--reason", "ill", "--now", "2026-12-04T20:00:00Z"
    )
    assert out["status"] == "CANCELLED" and out["late_cancel"] is True
    again = cli("cancel", str(booked["id"]), "--now", "2026-12-04T20:00:00Z")
    assert again.returncode == 3


def test_cancel_exactly_at_minimum_notice_is_on_time(cli, imported):
    provider, (consultation, *_rest) = imported
    booked = cli.json(
        "book", "--provider", str(provider), "--type", str(consultation),
        "--client", "7", "--start", "2026-12-04T21:00:00Z", "--now", NOW,
    )
    out = cli.json("cancel", str(booked["id"]), "--now", "2026-12-04T19:00:00Z")
    assert out["late_cancel"] is False


@pytest.mark.parametrize(
    "args",
    [
        ("slots", "--provider", "1", "--type", "1", "--date", "2026-02-30"),
        ("slots", "--provider", "99", "--type", "1", "--date", "2026-12-01"),
        ("slots", "--provider", "1", "--type", "99", "--date", "2026-12-01"),
        ("slots", "--provider", "x", "--type", "1", "--date", "2026-12-01"),
        ("book", "--provider", "1", "--type", "1", "--client", "1", "--start", "tomorrow"),
        ("book", "--provider", "1", "--type", "1", "--client", "1",
         "--start", "2026-12-04T21:00:00"),
        ("book", "--provider", "1", "--type", "1", "--client", "abc",
         "--start", "2026-12-04T21:00:00Z"),
        ("cancel", "12345"),
        ("slots", "--provider", "1"),
        ("frobnicate",),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(cli, imported, args):
    result = cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


FAR_AND_BIG = [
    ("slots", "--provider", "1", "--type", "1", "--date", "9999-12-31"),
    ("slots", "--provider", "1", "--type", "1", "--date", "0001-01-01"),
    ("slots", "--provider", "1", "--type", "1", "--date", "2026-12-04", "--now", "9999-12-31T23:00:00Z"),
    ("book", "--provider", "1", "--type", "1", "--client", "1", "--start", "9999-12-31T23:00:00Z"),
    ("book", "--provider", "1", "--type", "1", "--client", "1", "--start", "0001-01-01T00:00:00Z"),
    ("book", "--provider", "1", "--type", "1", "--client", "1", "--start", "0001-01-01T00:00:00+01:00"),
    ("book", "--provider", "1", "--type", "1", "--client", "12345678901234567890",
     "--start", "2026-12-04T21:00:00Z"),
    ("book", "--provider", "1", "--type", "1", "--client", "-5", "--start", "2026-12-04T21:00:00Z"),
    ("cancel", "12345678901234567890"),
    ("cancel", str(2**31)),
    ("reschedule", "12345678901234567890", "--start", "2026-12-04T21:40:00Z"),
    ("reschedule", str(2**31), "--start", "2026-12-04T21:40:00Z"),
    ("reschedule", "1", "--start", "9999-12-31T23:00:00Z"),
    ("slots", "--provider", "99999999999", "--type", "1", "--date", "2026-12-04"),
    ("book", "--provider", "99999999999", "--type", "1", "--client", "1",
     "--start", "2026-12-04T21:00:00Z"),
    ("invite", "--provider", "99999999999"),
    ("export", "--provider", "99999999999", "--out", "x.json"),
]


def _bad_input(result) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("args", FAR_AND_BIG)
def test_far_dates_and_big_numbers_are_bad_input_not_a_traceback(cli, imported, args):
    result = cli(*args, *(() if "--now" in args or args[0] in ("invite", "export") else ("--now", NOW)))
    _bad_input(result)
    said = ("out of range", "unknown id", "is not a Telegram user id")
    assert any(words in result.stderr for words in said), result.stderr


def test_a_far_date_names_the_window_around_now(cli, imported):
    result = cli("slots", "--provider", "1", "--type", "1", "--date", "9999-12-31", "--now", NOW)
    assert "use a date from 2025-11-24 to 2031-11-29" in result.stderr


@pytest.mark.postgres
def test_big_ids_are_bad_input_on_postgresql_too(postgres_url):
    cli = Cli(postgres_url)
    for args in (("cancel", str(2**31)), ("slots", "--provider", "99999999999", "--type", "1",
                                          "--date", "2026-12-04", "--now", NOW)):
        _bad_input(cli(*args))


def test_without_a_token_a_booking_is_made_and_says_nobody_was_told(cli, imported):
    provider, (consultation, *_rest) = imported
    result = cli("book", "--provider", str(provider), "--type", str(consultation),
                 "--client", "5", "--start", "2026-12-04T21:00:00Z", "--now", NOW)
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "CONFIRMED"
    assert "nobody was told" in result.stderr
    quiet = cli("cancel", str(json.loads(result.stdout)["id"]), "--now", NOW, "--no-notify")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_import_of_a_broken_file_names_the_field(cli, tmp_path):
    bad = json.loads(EXAMPLE.read_text())
    bad["schedules"][1]["end_time"] = "25:00"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = cli("provider", "import", str(path))
    assert result.returncode == 2
    assert "schedules[1].end_time" in result.stderr
    far = json.loads(EXAMPLE.read_text())
    far["overrides"].append({"date": "9999-12-31", "type": "UNAVAILABLE"})
    path.write_text(json.dumps(far))
    result = cli("provider", "import", str(path))
    assert result.returncode == 2 and "overrides[4].date" in result.stderr and "too far ahead" in result.stderr
    path.write_text("{not json")
    assert cli("provider", "import", str(path)).returncode == 2


def test_db_upgrade_creates_the_default_sqlite_file_in_the_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SLOTBOT_DATABASE_URL"}
    env["SLOTBOT_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "slotbot.db").exists()


@pytest.mark.postgres
def test_the_cli_works_the_same_on_postgresql(postgres_url):
    cli = Cli(postgres_url)
    out = cli.json("provider", "import", str(EXAMPLE))
    provider, consultation = out["provider_id"], out["type_ids"][0]
    booked = cli.json(
        "book", "--provider", str(provider), "--type", str(consultation),
        "--client", "99", "--start", "2026-12-04T21:00:00Z", "--now", NOW,
    )
    slots = cli.json(
        "slots", "--provider", str(provider), "--type", str(consultation),
        "--date", "2026-12-04", "--now", NOW,
    )
    assert booked["start"] not in slots
    assert len(slots) == 5


def test_invite_prints_a_single_use_link(cli):
    out = cli.json("invite", "--name", "Dr. Lena Vogel", "--type", "doctor", "--timezone", "Europe/Berlin")
    assert out["provider_id"] == 1 and out["expires_in_days"] == 7
    assert out["link"].startswith("/start i")  # no bot username known: the command to send
    cli.env["SLOTBOT_BOT_USERNAME"] = "clinic_bot"
    out = cli.json("invite", "--name", "Dr. Mark Roth", "--type", "TUTOR", "--timezone", "UTC")
    assert out["link"].startswith("https://t.me/clinic_bot?start=i")
    bad = cli("invite", "--name", "X", "--type", "PLUMBER", "--timezone", "UTC")
    assert bad.returncode == 2


@pytest.mark.parametrize("url", ["mysql://user@host/db", "not a url"])
def test_an_unusable_database_url_is_one_clear_line(tmp_path, url):
    cli = Cli(url)
    result = cli("db", "upgrade")
    assert result.returncode == 2
    assert result.stderr.startswith("slotbot: SLOTBOT_DATABASE_URL:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_export_writes_json_and_csv_of_providers_appointments_and_waitlist(cli, imported, tmp_path):
    import csv

    provider, (consultation, *_rest) = imported
    (start,) = cli.json(
        "slots", "--provider", str(provider), "--type", str(consultation), "--date", "2026-12-07", "--now", NOW,
    )[:1]
    cli.json("book", "--provider", str(provider), "--type", str(consultation), "--client", "77",
             "--start", start, "--notes", "Ünïcode, \"quotes\"", "--now", NOW)

    summary = cli.json("export", "--out", str(tmp_path / "all.json"))
    assert summary["counts"] == {"providers": 1, "appointment_types": 3, "appointments": 1, "waitlist": 0}
    document = json.loads((tmp_path / "all.json").read_text("utf-8"))
    (appointment,) = document["appointments"]
    assert appointment["starts_at"] == start and appointment["notes"] == "Ünïcode, \"quotes\""
    assert document["appointment_types"][0]["price"] is not None
    assert appointment["series_id"] is None  # a single booking
    assert {(t["allow_series"], t["max_series_occurrences"]) for t in document["appointment_types"]} == {
        (False, 12)
    }
    series = cli.json("book", "--provider", str(provider), "--type", str(consultation), "--client", "77",
                      "--start", start.replace("2026-12-07", "2026-12-14"), "--every-weeks", "1",
                      "--count", "2", "--now", NOW)
    cli.json("export", "--out", str(tmp_path / "again.json"))
    document = json.loads((tmp_path / "again.json").read_text("utf-8"))
    assert [a["series_id"] for a in document["appointments"]] == [None, series["series_id"],
                                                                  series["series_id"]]

    summary = cli.json("export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert sorted(Path(f).name for f in summary["files"]) == [
        "appointment_types.csv", "appointments.csv", "providers.csv", "waitlist.csv",
    ]
    with (tmp_path / "csv" / "appointments.csv").open(encoding="utf-8-sig", newline="") as handle:
        row, *series_rows = list(csv.DictReader(handle))
    assert [r["series_id"] for r in series_rows] == [str(series["series_id"])] * 2
    assert row["notes"] == "Ünïcode, \"quotes\"" and row["status"] == "CONFIRMED"
    with (tmp_path / "csv" / "waitlist.csv").open(encoding="utf-8-sig") as handle:
        assert handle.read().startswith("id,provider_id,type_id,client_id")  # header even when empty
    with (tmp_path / "csv" / "appointment_types.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle))[0]["max_series_occurrences"] == "12"


def test_export_of_an_unknown_provider_or_to_an_unwritable_place_is_exit_2(cli, imported, tmp_path):
    result = cli("export", "--provider", "99", "--out", str(tmp_path / "x.json"))
    assert result.returncode == 2 and "provider 99" in result.stderr
    (tmp_path / "file").write_text("")
    result = cli("export", "--format", "csv", "--out", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2 and "cannot write" in result.stderr
