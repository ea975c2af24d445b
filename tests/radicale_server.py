"""A real CalDAV server for the tests: Radicale, started on a free port of 127.0.0.1.

One server a test session (``radicale`` fixture, imported by the modules that use
it), users with plain htpasswd passwords, storage in a temporary folder; each test
makes calendars of its own (:meth:`Radicale.new_calendar`), so tests never see each
other's events. Started with ``python -m radicale`` and polled until it answers
(no blind sleeps), stopped at the end of the session.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import caldav
import icalendar
import niquests
import pytest

USERS = {"ana": "ana-app-password", "ben": "ben-app-password"}
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Radicale:
    url: str  # http://127.0.0.1:<port>/

    def client(self, user: str, password: str | None = None) -> caldav.DAVClient:
        return caldav.DAVClient(
            url=self.url, username=user, password=password or USERS[user], enable_rfc6764=False
        )

    def new_calendar(self, user: str = "ana", name: str = "Work") -> str:
        """A fresh calendar of ``user``'s; its URL."""
        with self.client(user) as client:
            principal = client.principal()
            calendar = principal.make_calendar(name=name, cal_id=uuid.uuid4().hex)
            return str(calendar.url)

    def objects(self, calendar_url: str, user: str = "ana") -> list[icalendar.Calendar]:
        with self.client(user) as client:
            found = client.calendar(url=calendar_url).get_events()
            return [icalendar.Calendar.from_ical(item.data) for item in found]

    def events(self, calendar_url: str, user: str = "ana") -> dict[str, icalendar.Event]:
        """Every event in the calendar by UID; two events of one UID fail the test."""
        found: dict[str, icalendar.Event] = {}
        for calendar in self.objects(calendar_url, user):
            for event in calendar.walk("VEVENT"):
                uid = str(event["UID"])
                assert uid not in found, f"two events with the UID {uid}"
                found[uid] = event
        return found

    def add_event(self, calendar_url: str, ics: str, user: str = "ana") -> None:
        """An event made in the calendar by someone else (a phone, a web calendar)."""
        with self.client(user) as client:
            client.calendar(url=calendar_url).add_event(ics)


def _answers(url: str) -> bool:
    try:
        return niquests.get(url, timeout=1).status_code < 500
    except niquests.exceptions.RequestException:
        return False


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    folder: Path = tmp_path_factory.mktemp("radicale")
    users = folder / "users"
    users.write_text("".join(f"{name}:{password}\n" for name, password in USERS.items()))
    port = free_port()
    log = (folder / "radicale.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "radicale",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(folder / "collections"),
            "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", str(users),
            "--auth-htpasswd-encryption", "plain",
            "--auth-delay", "0",  # a wrong password is answered at once
            "--logging-level", "warning",
        ],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_SECONDS
    try:
        while not _answers(url):
            if process.poll() is not None:
                pytest.fail(f"Radicale exited with {process.returncode}: "
                            f"{(folder / 'radicale.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"Radicale did not answer at {url} within {START_SECONDS} s")
            time.sleep(0.05)
        yield Radicale(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
