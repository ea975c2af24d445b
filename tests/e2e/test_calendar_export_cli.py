"""``slotbot calendar export`` and ``slotbot calendar link``, run as real processes."""

from __future__ import annotations

import shutil
import stat
from datetime import datetime
from pathlib import Path

import aiohttp
import icalendar
import pytest
from sqlalchemy import text

from bot.calendar_route import CalendarFeeds
from bot.http_server import http_app, start_http
from storage.engine import create_engine, session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.e2e.conftest import free_port
from tests.e2e.test_cli import EXAMPLE, NOW, Cli

BASE = "https://bot.example.org/slotbot"


@pytest.fixture(scope="module")
def booked_clinic(tmp_path_factory) -> tuple[Path, int, list[str]]:
    """A provider from the example file with two bookings, one of them cancelled
    (made once: each command is a process start; every test gets a copy)."""
    database = tmp_path_factory.mktemp("clinic") / "cli.db"
    cli = Cli(f"sqlite:///{database}")
    imported = cli.json("provider", "import", str(EXAMPLE))
    provider, consultation = imported["provider_id"], imported["type_ids"][0]
    starts = cli.json("slots", "--provider", str(provider), "--type", str(consultation),
                      "--date", "2026-12-07", "--now", NOW)[:2]
    ids = [
        cli.json("book", "--provider", str(provider), "--type", str(consultation),
                 "--client", str(70 + n), "--start", start, "--notes", "knee; \"left\"",
                 "--now", NOW, "--no-notify")["id"]
        for n, start in enumerate(starts)
    ]
    cli.json("cancel", str(ids[1]), "--now", NOW, "--no-notify")
    return database, provider, starts


@pytest.fixture
def clinic(booked_clinic, tmp_path) -> tuple[Cli, int, list[str], Path]:
    original, provider, starts = booked_clinic
    database = tmp_path / "cli.db"
    for suffix in ("", "-wal", "-shm"):  # SQLite's WAL files, should any be left
        if Path(f"{original}{suffix}").exists():
            shutil.copyfile(f"{original}{suffix}", f"{database}{suffix}")
    cli = Cli(f"sqlite:///{database}")
    cli.env["SLOTBOT_PUBLIC_URL"] = BASE
    return cli, provider, starts, database


def _export(cli: Cli, provider: int | str, out: Path, *more: str) -> list[str]:
    return ["calendar", "export", "--provider", str(provider), "--out", str(out), *more]


def test_export_writes_the_feed_and_says_what_it_wrote(clinic, tmp_path):
    cli, provider, starts, _ = clinic
    out = tmp_path / "feed.ics"
    summary = cli.json(*_export(cli, provider, out, "--now", NOW))
    assert summary == {"provider_id": provider, "events": 2, "out": str(out)}
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [datetime.fromisoformat(s) for s in starts]
    assert [(str(e["STATUS"]), e["SEQUENCE"]) for e in events] == [
        ("CONFIRMED", 0), ("CANCELLED", 1),
    ]
    assert all(str(e["UID"]).endswith("@bot.example.org") for e in events)
    assert str(events[0]["DESCRIPTION"]) == 'knee; "left"'
    assert list(tmp_path.glob(".feed.ics.*")) == []  # no temporary file left behind


def test_a_new_export_replaces_the_file_and_keeps_its_mode(clinic, tmp_path):
    cli, provider, _, _ = clinic
    out = tmp_path / "feed.ics"
    out.write_bytes(b"old")
    out.chmod(0o640)
    cli.json(*_export(cli, provider, out, "--now", NOW))
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


async def test_the_file_holds_the_bytes_the_link_serves(clinic, tmp_path):
    cli, provider, _, database = clinic
    first = cli.json("calendar", "link", "--provider", str(provider))["url"]
    url = cli.json("calendar", "link", "--provider", str(provider))["url"]
    assert url.startswith(BASE + "/calendar/") and url.endswith(".ics") and url != first
    out = tmp_path / "feed.ics"
    cli.json(*_export(cli, provider, out, "--now", NOW))

    engine = create_engine(f"sqlite:///{database}")
    clock = lambda: datetime.fromisoformat(NOW)  # noqa: E731 - the export's --now
    uow = unit_of_work_factory(session_factory(engine), clock)
    feeds = CalendarFeeds(uow, clock, "bot.example.org")
    port = free_port()
    runner = await start_http(http_app(engine, feeds=feeds), "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as session:
            served = f"http://127.0.0.1:{port}" + url.removeprefix(BASE)
            async with session.get(served) as response:
                assert response.status == 200
                assert await response.read() == out.read_bytes()
            old = f"http://127.0.0.1:{port}" + first.removeprefix(BASE)
            async with session.get(old) as response:
                assert response.status == 404  # the first link stopped working
    finally:
        await runner.cleanup()
        await engine.dispose()


def test_an_unknown_provider_or_an_unwritable_file_is_exit_2(clinic, tmp_path):
    cli, provider, _, _ = clinic
    for args in (_export(cli, 99, tmp_path / "x.ics"), ["calendar", "link", "--provider", "99"]):
        result = cli(*args)
        assert result.returncode == 2 and "provider 99" in result.stderr, result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "x.ics").exists()
    result = cli(*_export(cli, provider, tmp_path / "no" / "x.ics"))
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_without_a_public_url_link_is_exit_2_and_changes_nothing(clinic):
    cli, provider, _, database = clinic
    cli.json("calendar", "link", "--provider", str(provider))
    before = await _link_hash(database)
    del cli.env["SLOTBOT_PUBLIC_URL"]
    result = cli("calendar", "link", "--provider", str(provider))
    assert result.returncode == 2 and "SLOTBOT_PUBLIC_URL is not set" in result.stderr
    assert await _link_hash(database) == before is not None


def test_a_plain_http_public_url_is_refused_in_one_line(clinic, tmp_path):
    cli, provider, _, _ = clinic
    cli.env["SLOTBOT_PUBLIC_URL"] = "http://bot.example.org"
    result = cli(*_export(cli, provider, tmp_path / "x.ics"))
    assert result.returncode == 2 and result.stderr.startswith("slotbot: SLOTBOT_PUBLIC_URL:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.postgres
def test_export_works_the_same_on_postgresql(postgres_url, tmp_path):
    cli = Cli(postgres_url)
    provider = cli.json("provider", "import", str(EXAMPLE))["provider_id"]
    out = tmp_path / "feed.ics"
    summary = cli.json(*_export(cli, provider, out, "--now", NOW))
    assert summary["events"] == 0 and icalendar.Calendar.from_ical(out.read_bytes())
    assert cli(*_export(cli, 999999, out)).returncode == 2


async def _link_hash(database: Path) -> str | None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT calendar_token_hash FROM providers"))
            return found.scalar_one()
    finally:
        await engine.dispose()
