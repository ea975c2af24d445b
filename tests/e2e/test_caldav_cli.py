"""``slotbot calendar caldav-…`` as real processes against Radicale (http on 127.0.0.1, so
with ``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1``): connect, write, read, list, disconnect; the
app password comes from the environment or standard input and is never printed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.radicale_server import USERS, radicale  # noqa: F401 - the fixture
from tests.unit.caldav_helpers import vevent

FIXTURES = Path(__file__).parents[1] / "fixtures"
NOW = "2027-03-01T12:00:00Z"
MONDAY = "2027-03-15"
PASSWORD = USERS["ana"]
KEY = Fernet.generate_key().decode()


class Cli:
    def __init__(self, database_url: str) -> None:
        self.env = {
            **os.environ, "SLOTBOT_DATABASE_URL": database_url,
            "SLOTBOT_CALENDAR_ALLOW_PRIVATE": "1", "SLOTBOT_SECRET_KEY": KEY,
        }
        self.env.pop("SLOTBOT_CALDAV_PASSWORD", None)

    async def __call__(
        self, *args: str, stdin: str = "", **env: str | None
    ) -> tuple[int, str, str]:
        environment = {**self.env, **env}
        environment = {k: v for k, v in environment.items() if v is not None}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=environment,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 90)
        stdout, stderr = out.decode(), err.decode()
        assert "Traceback" not in stderr, stderr
        for secret in (PASSWORD, KEY):
            assert secret not in stdout + stderr
        return process.returncode, stdout, stderr  # type: ignore[return-value]

    async def json(self, *args: str, **options: str | None) -> object:
        code, stdout, stderr = await self(*args, **options)
        assert code == 0, stderr
        return json.loads(stdout)


@pytest.fixture
async def cli(tmp_path) -> Cli:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}")
    imported = await cli.json("provider", "import", str(FIXTURES / "provider.json"))
    assert imported["provider_id"] == 1  # type: ignore[index]
    return cli


def connect_args(radicale, calendar: str) -> tuple[str, ...]:  # noqa: F811
    return ("calendar", "caldav-connect", "--provider", "1", "--url", radicale.url,
            "--user", "ana", "--calendar", calendar)


async def slots(cli: Cli) -> list[str]:
    args = ("--provider", "1", "--type", "1", "--date", MONDAY, "--now", NOW)
    return await cli.json("slots", *args)  # type: ignore[return-value]


async def test_connect_write_read_list_and_disconnect(cli, radicale):  # noqa: F811
    calendar = radicale.new_calendar("ana", "Praxis")
    connected = await cli.json(*connect_args(radicale, "Praxis"), stdin=PASSWORD + "\n")
    assert connected == {
        "provider_id": 1, "account_id": 1, "host": "127.0.0.1", "calendar": "Praxis",
        "calendar_url": calendar,
    }
    booked = await cli.json("book", "--provider", "1", "--type", "1", "--client", "12345",
                            "--start", "2027-03-15T08:00:00Z", "--now", NOW, "--no-notify")
    radicale.add_event(calendar, vevent("dentist@phone", *_hours("10:00", "11:00")).decode())
    assert "2027-03-15T10:00:00Z" in await slots(cli)

    synced = await cli.json("calendar", "caldav-sync", "--now", NOW)
    assert synced == [{
        "provider_id": 1, "account_id": 1, "written": 1, "failed": 0, "pending": 0,
        "events": 1, "busy": 1, "error": None,  # our own event is read, and left out
    }]
    uid = f"appointment-{booked['id']}@slotbot"  # type: ignore[index]
    assert set(radicale.events(calendar)) == {uid, "dentist@phone"}
    offered = await slots(cli)
    # The dentist 10:00-11:00Z takes 10:00 and 10:40 (10-minute buffer); 09:20 stays.
    assert {"2027-03-15T10:00:00Z", "2027-03-15T10:40:00Z"}.isdisjoint(offered)
    assert "2027-03-15T09:20:00Z" in offered

    (listed,) = await cli.json("calendar", "caldav-list")
    assert (listed["user"], listed["calendar"], listed["written"], listed["busy"]) == (
        "ana", "Praxis", 1, 1,
    )
    assert listed["error"] is None and listed["last_sync"] == NOW
    assert await cli.json("calendar", "list") == []  # not a feed of its own

    again = await cli.json("calendar", "caldav-sync", "--provider", "1", "--now", NOW)
    assert again[0]["written"] == 0  # type: ignore[index]
    assert await cli.json("calendar", "caldav-disconnect", "--provider", "1") == {
        "provider_id": 1, "account_id": 1, "disconnected": True,
    }
    assert "2027-03-15T10:00:00Z" in await slots(cli)
    assert uid in radicale.events(calendar)  # written events stay the provider's
    code, stdout, stderr = await cli("calendar", "caldav-disconnect", "--provider", "1")
    assert (code, stdout) == (2, "") and "provider 1" in stderr


async def test_connect_is_refused_with_one_line_and_exit_2(cli, radicale):  # noqa: F811
    calendar = radicale.new_calendar("ana")
    args = connect_args(radicale, calendar)
    code, stdout, stderr = await cli(*args, SLOTBOT_CALDAV_PASSWORD=PASSWORD,
                                     SLOTBOT_SECRET_KEY=None)
    assert (code, stdout) == (2, "") and "SLOTBOT_SECRET_KEY is not set" in stderr
    assert len(stderr.strip().splitlines()) == 1
    code, stdout, stderr = await cli(*args, SLOTBOT_CALDAV_PASSWORD="not-the-password")
    assert (code, stdout) == (2, "") and "refused the user name or app password" in stderr
    code, _out, stderr = await cli(*args)  # no password at all
    assert code == 2 and "SLOTBOT_CALDAV_PASSWORD" in stderr
    code, _out, stderr = await cli(*args, "--password", PASSWORD)
    assert code == 2 and "ps" in stderr  # refused, and not echoed (checked by cli())
    code, _out, stderr = await cli(*args, stdin=PASSWORD, SLOTBOT_CALENDAR_ALLOW_PRIVATE=None)
    assert code == 2 and "the address is refused" in stderr
    code, _out, stderr = await cli(*connect_args(radicale, "Nope"), stdin=PASSWORD)
    assert code == 2 and "no calendar 'Nope'" in stderr
    code, _out, stderr = await cli(
        "calendar", "caldav-connect", "--provider", "9", "--url", radicale.url, "--user", "ana",
        stdin=PASSWORD,
    )
    assert code == 2 and "provider 9" in stderr
    assert await cli.json("calendar", "caldav-list") == []


def _hours(start: str, end: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return (datetime.fromisoformat(f"{MONDAY}T{start}:00+00:00"),
            datetime.fromisoformat(f"{MONDAY}T{end}:00+00:00"))
