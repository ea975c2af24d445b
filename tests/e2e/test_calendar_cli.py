"""``slotbot calendar`` as a real process, against a calendar served over HTTP on 127.0.0.1.

Plain http to 127.0.0.1 is allowed only with ``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1``; the
feed is Google-shaped (tests/fixtures/feeds/google.ics): a weekly meeting on Mondays
10:00-11:00 Berlin from 15 March 2027, an all-day Sunday, a free and a cancelled event.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOOGLE = (FIXTURES / "feeds" / "google.ics").read_bytes()
SECRET = "private-3f9a0c"  # the part of the feed URL that must never be printed
NOW = "2027-03-01T12:00:00Z"
MONDAY = "2027-03-15"
# Consultations (30 minutes + 10 buffer) from 09:00 Berlin (08:00Z): the meeting
# 09:00-10:00Z takes 08:40, 09:20 and 10:00 (its buffer); 08:00 and 10:40 stay.
TAKEN = {"2027-03-15T08:40:00Z", "2027-03-15T09:20:00Z", "2027-03-15T10:00:00Z"}
KEPT = {"2027-03-15T08:00:00Z", "2027-03-15T10:40:00Z"}


class Calendar:
    """A calendar server with an ETag, whose answers the test can break."""

    url = ""

    def __init__(self) -> None:
        self.etag = '"google-1"'
        self.failing_with: int | None = None
        self.answered: list[int] = []

    async def handle(self, request: web.Request) -> web.Response:
        if self.failing_with is not None:
            status, response = self.failing_with, web.Response(status=self.failing_with)
        elif request.headers.get("If-None-Match") == self.etag:
            status, response = 304, web.Response(status=304, headers={"ETag": self.etag})
        else:
            status = 200
            response = web.Response(
                body=GOOGLE, content_type="text/calendar", headers={"ETag": self.etag}
            )
        self.answered.append(status)
        return response


@pytest.fixture
async def calendar():
    served = Calendar()
    app = web.Application()
    app.router.add_get(f"/calendar/ical/{SECRET}/basic.ics", served.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    served.url = f"http://127.0.0.1:{port}/calendar/ical/{SECRET}/basic.ics"
    yield served
    await runner.cleanup()


class Cli:
    def __init__(self, database_url: str) -> None:
        self.env = {**os.environ, "SLOTBOT_DATABASE_URL": database_url}
        self.env.pop("SLOTBOT_CALENDAR_ALLOW_PRIVATE", None)

    async def __call__(self, *args: str, private: bool = True) -> tuple[int, str, str]:
        env = {**self.env, **({"SLOTBOT_CALENDAR_ALLOW_PRIVATE": "1"} if private else {})}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        stdout, stderr = out.decode(), err.decode()
        assert "Traceback" not in stderr, stderr
        assert SECRET not in stdout + stderr  # the feed URL is a secret
        return process.returncode, stdout, stderr  # type: ignore[return-value]

    async def json(self, *args: str) -> object:
        code, stdout, stderr = await self(*args)
        assert code == 0, stderr
        return json.loads(stdout)


@pytest.fixture
async def cli(tmp_path) -> Cli:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}")
    imported = await cli.json("provider", "import", str(FIXTURES / "provider.json"))
    assert imported["provider_id"] == 1  # type: ignore[index]
    return cli


async def slots(cli: Cli) -> set[str]:
    args = ("--provider", "1", "--type", "1", "--date", MONDAY, "--now", NOW)
    offered = await cli.json("slots", *args)
    return set(offered)  # type: ignore[arg-type]


async def test_synced_busy_times_block_slots_then_a_304_then_a_failure_keeps_them(cli, calendar):
    assert TAKEN | KEPT <= await slots(cli)
    added = await cli.json("calendar", "add", "--provider", "1", "--url", calendar.url)
    assert added == {"feed_id": 1}

    synced = await cli.json("calendar", "sync", "--now", NOW)
    # Two meetings and the all-day Sunday block; the free lunch and the cancelled
    # event are read too.
    assert synced == [{"feed_id": 1, "events": 5, "busy": 3, "error": None}]
    offered = await slots(cli)
    assert not offered & TAKEN and KEPT <= offered

    assert await cli.json("calendar", "sync", "--provider", "1", "--now", NOW) == synced
    assert calendar.answered == [200, 304]

    calendar.failing_with = 500
    code, stdout, stderr = await cli("calendar", "sync", "--now", NOW)
    assert code == 1, stderr
    (failed,) = json.loads(stdout)
    assert (failed["feed_id"], failed["busy"]) == (1, 3) and "500" in failed["error"]
    assert not (await slots(cli)) & TAKEN  # the last good busy times stay

    (listed,) = await cli.json("calendar", "list", "--provider", "1")
    assert listed["host"] == "127.0.0.1" and "500" in listed["error"] and listed["last_sync"] == NOW


async def test_adding_a_private_address_without_the_setting_exits_2_with_one_line(cli, calendar):
    add = ("calendar", "add", "--provider", "1", "--url")
    code, stdout, stderr = await cli(*add, calendar.url, private=False)
    assert (code, stdout) == (2, "") and len(stderr.strip().splitlines()) == 1
    https = calendar.url.replace("http://", "https://")
    code, stdout, stderr = await cli(*add, https, private=False)
    assert (code, stdout) == (2, "") and "private or local" in stderr
    assert await cli.json("calendar", "list") == []
    assert calendar.answered == []


async def test_unknown_ids_exit_2_and_removing_frees_the_time(cli, calendar):
    code, _out, stderr = await cli("calendar", "add", "--provider", "9", "--url", calendar.url)
    assert code == 2 and "provider 9" in stderr
    await cli.json("calendar", "add", "--provider", "1", "--url", calendar.url)
    await cli.json("calendar", "sync", "--now", NOW)
    assert await cli.json("calendar", "remove", "1") == {"feed_id": 1, "removed": True}
    assert TAKEN <= await slots(cli)
    code, _out, _err = await cli("calendar", "remove", "--feed", "1")
    assert code == 2
    code, _out, stderr = await cli("calendar", "remove")
    assert code == 2 and "one feed id" in stderr
    code, _out, _err = await cli("calendar", "sync", "--provider", "9")
    assert code == 2
