"""The bot under load as a process: starting it, knowing it is ready, its memory, its log.

Slotbot runs as the real ``python -m bot run`` (polling, ``--webhook``, or
``--webhook --workers N``); the baseline as ``python -m benchmarks.bare_bot``.
Both talk to the Bot API stand-in of the benchmark process over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.standin import BotApiStandIn

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-benchmark-secret"
START_TIMEOUT = 120.0  # a cold start migrates the schema; with --big-data on PostgreSQL too
STOP_TIMEOUT = 30.0
_LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


@dataclass(frozen=True)
class Memory:
    """From /proc/PID/status, in MB; several processes (a supervisor and its workers) summed."""

    rss_mb: float  # VmRSS now, summed
    peak_mb: float  # VmHWM (each process's own high-water mark), summed
    largest_rss_mb: float  # VmRSS of the largest single process
    processes: int


@dataclass(frozen=True)
class LogSummary:
    errors: int  # ERROR / CRITICAL lines
    tracebacks: int
    top: list[tuple[str, int]]  # the most frequent distinct messages


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the workers of ``run --workers``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, p in parents.items() if p == parent]
        found += kids
        frontier += kids
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _listeners(port: int) -> int:
    """How many sockets listen on ``port`` (SO_REUSEPORT: one per worker)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path, port: int, workers: int):
        self.process, self.log, self.port, self.workers = process, log, port, workers

    @classmethod
    async def slotbot(
        cls, url: str, standin: BotApiStandIn, log: Path, *, webhook: bool, workers: int
    ) -> BotProcess:
        port = free_port() if webhook else 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}
        env.update(
            SLOTBOT_DATABASE_URL=url,
            SLOTBOT_TELEGRAM_TOKEN=standin.token,
            SLOTBOT_TELEGRAM_API_URL=standin.base_url,
            SLOTBOT_LOG_LEVEL="WARNING",
            SLOTBOT_LOCALES_DIR=str(ROOT / "locales"),
            SLOTBOT_HTTP_HOST="127.0.0.1",
            SLOTBOT_HTTP_PORT=str(port),  # 0 when polling: no health server needed
        )
        command = [sys.executable, "-m", "bot", "run"]
        if webhook:
            command.append("--webhook")
            env.update(
                SLOTBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                SLOTBOT_WEBHOOK_SECRET=SECRET,
            )
            if workers > 1:
                command += ["--workers", str(workers)]
        return await cls._start(command, env, log, port, workers if webhook else 0)

    @classmethod
    async def bare(cls, standin: BotApiStandIn, log: Path, *, webhook: bool) -> BotProcess:
        port = free_port() if webhook else 0
        env = {
            **os.environ,
            "BARE_TOKEN": standin.token,
            "BARE_API_URL": standin.base_url,
            "BARE_WEBHOOK_PORT": str(port),
            "BARE_WEBHOOK_SECRET": SECRET,
        }
        command = [sys.executable, "-m", "benchmarks.bare_bot"]
        return await cls._start(command, env, log, port, 1 if webhook else 0)

    @classmethod
    async def _start(
        cls, command: list[str], env: dict, log: Path, port: int, workers: int
    ) -> BotProcess:
        with log.open("ab") as sink:  # the child keeps its own descriptor
            process = await asyncio.create_subprocess_exec(
                *command,
                env=env,
                cwd=ROOT,
                stdout=sink,
                stderr=asyncio.subprocess.STDOUT,
            )
        return cls(process, log, port, workers)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def ready(self, standin: BotApiStandIn) -> None:
        """Polling: parked in a long poll. Webhook: every worker registered and listening."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.returncode is not None:
                raise RuntimeError(f"the bot exited with {self.process.returncode}: {self.tail()}")
            if self.workers == 0 and standin.waiting_polls > 0:
                return
            if (
                self.workers
                and len(standin.calls_to("setWebhook")) >= self.workers
                and _listeners(self.port) >= self.workers
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the bot was not ready within {START_TIMEOUT:.0f} s: {self.tail()}"
                )
            await asyncio.sleep(0.1)  # watching another process start: nothing to await

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the bot and its workers so far, from /proc/PID/stat."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.pid, *_children(self.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def memory(self) -> Memory:
        pids = [self.pid, *_children(self.pid)]
        rss = [_status_kb(p, "VmRSS") for p in pids]
        peak = [_status_kb(p, "VmHWM") for p in pids]
        return Memory(sum(rss) / 1024, sum(peak) / 1024, max(rss) / 1024, len(pids))

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL (workers too) if it does not stop in time."""
        if self.process.returncode is None:
            children = _children(self.pid)
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                for pid in [self.pid, *children]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                await self.process.wait()
        return self.process.returncode

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


_LEVEL = re.compile(r"^(ERROR|CRITICAL)\b|\"level\": \"(ERROR|CRITICAL)\"")
_NUMBERS = re.compile(r"\d+")


def scan_log(log: Path, top: int = 5) -> LogSummary:
    """ERROR lines and tracebacks in the bot's stderr, the frequent ones first."""
    errors, tracebacks, distinct = 0, 0, Counter[str]()
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            tracebacks += 1
        elif _LEVEL.search(line):
            errors += 1
            # Ids and counts differ from line to line; the message is what repeats.
            distinct[_NUMBERS.sub("N", line)[:160]] += 1
    return LogSummary(errors, tracebacks, distinct.most_common(top))


class Profiler:
    """py-spy recording the bot (and its workers) while a scenario runs."""

    def __init__(self, process: asyncio.subprocess.Process, path: Path) -> None:
        self.process, self.path = process, path

    @classmethod
    async def attach(cls, pid: int, path: Path) -> Profiler:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(spy).exists():
            raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
        fmt = "flamegraph" if path.suffix == ".svg" else "speedscope"
        process = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "-o",
            str(path),
            "--pid",
            str(pid),
            "--format",
            fmt,
            "--subprocesses",
            "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process, path)

    async def finish(self) -> str:
        """Stop recording (SIGINT makes py-spy write its file); what it said if it failed."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = await asyncio.wait_for(self.process.communicate(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return "py-spy did not stop; killed"
        if not self.path.exists():
            return f"py-spy wrote nothing: {err.decode(errors='replace').strip()[-300:]}"
        return f"profile written to {self.path}"
