"""``slotbot book --every-weeks N --count K`` and ``slotbot cancel ID --series rest``, run
as real processes on SQLite and PostgreSQL: the contract of issue #14.

The example provider (tests/fixtures/provider.json): Berlin, 10-minute buffer, 2 h
notice, 30 days ahead; Wednesdays 09:00-17:00 (a 30-minute consultation starts
every 40 minutes: 11:00 is one), but 9 December only 08:00-11:00.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_cli import EXAMPLE, NOW, Cli

WEDNESDAYS_11 = [f"2026-12-{d:02d}T10:00:00Z" for d in (2, 9, 16, 23, 30)]  # 11:00 Berlin


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli(request, tmp_path) -> Cli:
    if request.param == "sqlite":
        return Cli(f"sqlite:///{tmp_path / 'cli.db'}")
    return Cli(request.getfixturevalue("postgres_url"))


@pytest.fixture
def consultation(cli) -> tuple[str, str]:
    out = cli.json("provider", "import", str(EXAMPLE))
    return str(out["provider_id"]), str(out["type_ids"][0])


def series_args(consultation, client="424242", start=WEDNESDAYS_11[0], every="1", count="5"):
    provider, type_id = consultation
    return (
        "book", "--provider", provider, "--type", type_id, "--client", client,
        "--start", start, "--every-weeks", every, "--count", count, "--now", NOW, "--no-notify",
    )


def one_line_exit_2(result) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_books_the_offered_occurrences_and_lists_the_skipped_with_reasons(cli, consultation):
    provider, type_id = consultation
    cli.json("book", "--provider", provider, "--type", type_id, "--client", "1",
             "--start", WEDNESDAYS_11[2], "--now", NOW, "--no-notify")

    result = cli(*series_args(consultation))

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"series_id", "appointments", "skipped"}
    assert isinstance(out["series_id"], int)
    assert [(a["start"], a["end"], a["status"]) for a in out["appointments"]] == [
        (WEDNESDAYS_11[0], "2026-12-02T10:30:00Z", "CONFIRMED"),
        (WEDNESDAYS_11[3], "2026-12-23T10:30:00Z", "CONFIRMED"),
    ]
    assert all(isinstance(a["id"], int) for a in out["appointments"])
    assert [(s["start"], s["reason"]) for s in out["skipped"]] == [
        (WEDNESDAYS_11[1], "outside_hours"),  # 9 Dec: 08:00-11:00 only
        (WEDNESDAYS_11[2], "taken"),
        (WEDNESDAYS_11[4], "beyond_horizon"),  # after 25 Dec
    ]
    # Booked means booked: those times are gone from the offered slots.
    for start in (WEDNESDAYS_11[0], WEDNESDAYS_11[3]):
        slots = cli.json("slots", "--provider", provider, "--type", type_id,
                         "--date", start[:10], "--now", NOW)
        assert start not in slots


def test_the_same_command_again_returns_the_same_series_and_appointments(cli, consultation):
    first = cli.json(*series_args(consultation, count="4"))
    again = cli.json(*series_args(consultation, count="4"))
    assert again == first
    assert len(first["appointments"]) == 3


def test_nothing_offered_exits_3_and_says_why(cli, consultation):
    provider, type_id = consultation
    cli.json("book", "--provider", provider, "--type", type_id, "--client", "1",
             "--start", WEDNESDAYS_11[2], "--now", NOW, "--no-notify")

    result = cli(*series_args(consultation, start=WEDNESDAYS_11[1], count="2"))

    assert result.returncode == 3, result.stderr
    out = json.loads(result.stdout)
    assert out["series_id"] is None and out["appointments"] == []
    assert [s["reason"] for s in out["skipped"]] == ["outside_hours", "taken"]


def test_a_dst_gap_is_skipped_as_dst_gap(cli, tmp_path):
    sunday_nights = json.loads(EXAMPLE.read_text())
    sunday_nights["schedules"] = [
        {"day_of_week": 6, "start_time": "00:30", "end_time": "05:00", "is_active": True}
    ]
    sunday_nights["overrides"] = []
    path = tmp_path / "sunday.json"
    path.write_text(json.dumps(sunday_nights))
    out = cli.json("provider", "import", str(path))
    # 00:30 + 3 x 40 minutes: 02:30 Berlin on Sundays (01:30Z in winter, 00:30Z in
    # summer); 28 March has no 02:30.
    result = cli(
        "book", "--provider", str(out["provider_id"]), "--type", str(out["type_ids"][0]),
        "--client", "5", "--start", "2027-03-21T01:30:00Z", "--every-weeks", "1",
        "--count", "3", "--now", "2027-03-10T00:00:00Z", "--no-notify",
    )
    assert result.returncode == 0, result.stderr
    booked = json.loads(result.stdout)
    assert [a["start"] for a in booked["appointments"]] == [
        "2027-03-21T01:30:00Z", "2027-04-04T00:30:00Z",
    ]
    assert [(s["start"], s["reason"]) for s in booked["skipped"]] == [
        ("2027-03-28T01:30:00Z", "dst_gap"),
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"every": "3"},
        {"count": "1"},
        {"count": "13"},  # the consultation's maximum is 12
        {"count": "0"},
    ],
)
def test_bad_series_arguments_exit_2_with_one_line(cli, consultation, change):
    one_line_exit_2(cli(*series_args(consultation, **change)))


def test_count_without_every_weeks_and_every_weeks_without_count_exit_2(cli, consultation):
    provider, type_id = consultation
    base = ("book", "--provider", provider, "--type", type_id, "--client", "9",
            "--start", WEDNESDAYS_11[0], "--now", NOW)
    one_line_exit_2(cli(*base, "--count", "3"))
    one_line_exit_2(cli(*base, "--every-weeks", "1"))
    one_line_exit_2(cli(*base, "--every-weeks", "1", "--count", "3", "--until", "2026-12-30"))


def test_bad_series_arguments_book_nothing(cli, consultation):
    provider, type_id = consultation
    cli(*series_args(consultation, count="13"))
    slots = cli.json("slots", "--provider", provider, "--type", type_id,
                     "--date", WEDNESDAYS_11[0][:10], "--now", NOW)
    assert WEDNESDAYS_11[0] in slots


def test_cancel_series_rest_cancels_this_and_the_later_ones_and_lists_them(cli, consultation):
    provider, type_id = consultation
    booked = cli.json(*series_args(consultation, count="4"))["appointments"]
    assert len(booked) == 3  # 9 Dec is outside that day's hours

    result = cli("cancel", str(booked[1]["id"]), "--series", "rest", "--reason", "moving",
                 "--now", NOW, "--no-notify")

    assert result.returncode == 0, result.stderr
    cancelled = json.loads(result.stdout)
    assert [c["id"] for c in cancelled] == [booked[1]["id"], booked[2]["id"]]
    assert {c["status"] for c in cancelled} == {"CANCELLED"}
    assert {c["cancel_reason"] for c in cancelled} == {"moving"}
    slots = cli.json("slots", "--provider", provider, "--type", type_id,
                     "--date", booked[1]["start"][:10], "--now", NOW)
    assert booked[1]["start"] in slots
    first_day = cli.json("slots", "--provider", provider, "--type", type_id,
                         "--date", booked[0]["start"][:10], "--now", NOW)
    assert booked[0]["start"] not in first_day  # the earlier one stays

    again = cli("cancel", str(booked[1]["id"]), "--series", "rest", "--now", NOW, "--no-notify")
    assert again.returncode == 3 and again.stdout == ""
    assert len(again.stderr.strip().splitlines()) == 1


def test_cancel_series_rest_of_an_unknown_id_exits_2(cli, consultation):
    one_line_exit_2(cli("cancel", "999999", "--series", "rest", "--now", NOW, "--no-notify"))


def test_cancel_series_rest_of_a_single_booking_exits_3(cli, consultation):
    provider, type_id = consultation
    single = cli.json("book", "--provider", provider, "--type", type_id, "--client", "3",
                      "--start", WEDNESDAYS_11[0], "--now", NOW, "--no-notify")
    result = cli("cancel", str(single["id"]), "--series", "rest", "--now", NOW, "--no-notify")
    assert result.returncode == 3 and result.stdout == ""
    still = cli.json("slots", "--provider", provider, "--type", type_id,
                     "--date", WEDNESDAYS_11[0][:10], "--now", NOW)
    assert WEDNESDAYS_11[0] not in still
