"""Load: many people book whole journeys at once through the real ``slotbot run``.

Run: ``.venv/bin/python -m benchmarks.bench_load [--quick] [--backend sqlite|postgres|all]
[--mode polling|webhook|all] [--scenarios pause,saturation,single,crowd] [--clients N]
[--pause] [--big-data] [--py-spy FILE] [--keep-log DIR] [--strict]``

Each run gets a fresh database with 10 providers, starts ``python -m bot run``
(polling, ``--webhook``, and on PostgreSQL also ``--webhook --workers 2``)
against the Bot API stand-in served by this process, and lets simulated people
(``benchmarks/load_clients.py``) book: /start, the time-zone question answered
"Later", /book, a provider, a type, a free day of the calendar, a free time,
Confirm — reading each screen and choosing among what it shows (seeded), so two
may race for one time; whoever is told it was taken picks another.

Scenarios: ``pause`` (100 people reading 1-3 s before each step), ``saturation``
(100 without pauses, then a bare PTB bot — ``benchmarks/bare_bot.py`` — given
the same updates, for the ratio), ``single`` (one person, three journeys) and
``crowd`` (300 with pauses). Step = from the update queued at the stand-in to
the bot's first answer to that chat (both timed in this process). Afterwards the
database is checked: active appointments and double bookings (bench_booking's
self-join).

Exit 1 on any error answer or Bot API 4xx, an update unanswered within
``--timeout``, a lost or double booking; targets (latency, throughput, memory)
are marked PASS/FAIL, and fail the exit code only with ``--strict``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_load.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import BACKENDS, base_arguments, fresh_database, over_backends
from benchmarks.load_bot import BotProcess, Profiler, scan_log
from benchmarks.load_clients import LANGUAGES, AnswerClock, Crowd, Person, Step
from benchmarks.load_data import RunData, check_bookings, seed_big_data, seed_run_providers
from benchmarks.load_report import Result, Traffic, api_4xx, measure, print_result, print_table
from bot.standin import BotApiStandIn

FIRST_PERSON = 700_000  # Telegram ids of the simulated people
SCENARIO_NAMES = ("pause", "saturation", "single", "crowd")


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    journeys: int  # each person's bookings, one after the other
    pause: bool
    bare: bool  # also drive the bare PTB bot with the same updates


@dataclass(frozen=True)
class Setup:
    backend: str
    mode: str  # label: "polling", "webhook", "webhook×2"
    webhook: bool
    workers: int


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    every = {
        "pause": Scenario("pause", args.clients, 1, pause=True, bare=False),
        "saturation": Scenario("saturation", args.clients, 1, pause=args.pause, bare=True),
        "single": Scenario("single", 1, args.journeys, pause=args.pause, bare=False),
        "crowd": Scenario("crowd", args.crowd, 1, pause=True, bare=False),
    }
    return [every[name] for name in args.scenarios]


def setups(args: argparse.Namespace, backend: str) -> list[Setup]:
    chosen = []
    for mode in ("polling", "webhook") if args.mode == "all" else (args.mode,):
        if mode == "polling":
            chosen.append(Setup(backend, "polling", False, 0))
            continue
        counts = [args.workers] if args.workers else [1, 2] if backend == "postgres" else [1]
        chosen += [Setup(backend, "webhook" if n == 1 else f"webhook×{n}", True, n) for n in counts]
    return chosen


def crowd_of(
    standin: BotApiStandIn, clock: AnswerClock, scenario: Scenario, args: argparse.Namespace
) -> Crowd:
    crowd = Crowd()
    for n in range(scenario.clients):
        language = LANGUAGES[n % len(LANGUAGES)]
        standin.user(FIRST_PERSON + n, f"Client {n}", language)
        rng = random.Random(f"{args.seed}:{scenario.name}:{n}")  # the same choices every run
        crowd.people.append(
            Person(
                standin,
                clock,
                FIRST_PERSON + n,
                language,
                rng,
                pause=scenario.pause,
                timeout=args.timeout,
            )
        )
    return crowd


class Run:
    """One scenario on one backend and mode: Slotbot, then (saturation) the bare bot."""

    def __init__(
        self, args: argparse.Namespace, setup: Setup, scenario: Scenario, workdir: Path, runs: int
    ):
        self.args, self.setup, self.scenario, self.workdir = args, setup, scenario, workdir
        self.name = f"{scenario.name}-{setup.backend}-{setup.mode.replace('×', 'x')}"
        self.spy = spy_path(args, self.name, runs)

    async def slotbot(self) -> Result:
        args, setup, scenario = self.args, self.setup, self.scenario
        log = self.workdir / f"slotbot-{self.name}.log"
        notes: list[str] = []
        async with fresh_database(setup.backend) as engine:
            data = await seed_run_providers(engine)
            if args.big_data:
                started = time.monotonic()
                await seed_big_data(engine, datetime.now(UTC))
                notes.append(f"big data seeded in {time.monotonic() - started:.1f} s")
            standin = BotApiStandIn()
            clock = AnswerClock(standin)
            crowd = crowd_of(standin, clock, scenario, args)
            await standin.start()
            try:
                bot = await BotProcess.slotbot(
                    engine.url.render_as_string(hide_password=False),
                    standin,
                    log,
                    webhook=setup.webhook,
                    workers=setup.workers,
                )
                try:
                    await bot.ready(standin)
                    profiler = await Profiler.attach(bot.pid, self.spy) if self.spy else None
                    first_call, cpu = len(standin.calls), bot.cpu_seconds()
                    await crowd.run(lambda p: self._journeys(p, data), args.deadline)
                    cpu = bot.cpu_seconds() - cpu
                    rejected = api_4xx(standin.calls[first_call:])
                    memory = bot.memory()  # before stopping: the end of the run, not of the process
                    if profiler is not None:
                        notes.append(await profiler.finish())
                finally:
                    code = await bot.stop()
            finally:
                await standin.stop()
            if code not in (0, None):
                notes.append(f"the bot exited with status {code}")
            traffic = measure(standin, clock.steps, rejected, crowd, args.timeout, cpu)
            bookings = await check_bookings(engine, data)
        result = Result(
            scenario.name,
            setup.backend,
            setup.mode,
            scenario.clients,
            traffic,
            memory,
            scan_log(log),
            bookings,
            args.big_data,
            notes=notes,
        )
        if scenario.bare:
            by_person: dict[int, list[Step]] = {}
            for step in clock.steps:
                by_person.setdefault(step.chat, []).append(step)
            try:
                result.bare = await self.bare(by_person)
            except RuntimeError as exc:  # no baseline: the ratio stays unknown (and FAILs)
                notes.append(f"the bare bot did not run: {exc}")
            bare = result.bare
            if bare is not None and (bare.unanswered or bare.error_answers or bare.api_4xx):
                notes.append(
                    "the bare bot did not answer everything: its rate is not a fair baseline"
                )
        return result

    async def _journeys(self, person: Person, data: RunData) -> None:
        names = data.catalogue.provider_names
        n = person.id - FIRST_PERSON
        for journey in range(self.scenario.journeys):  # spread over the providers
            await person.journey(names[(n + journey) % len(names)], data.catalogue)

    async def bare(self, steps: dict[int, list[Step]]) -> Traffic:
        standin = BotApiStandIn()
        clock = AnswerClock(standin)
        crowd = crowd_of(standin, clock, self.scenario, self.args)
        await standin.start()
        try:
            bot = await BotProcess.bare(
                standin, self.workdir / f"bare-{self.name}.log", webhook=self.setup.webhook
            )
            try:
                await bot.ready(standin)
                first_call, cpu = len(standin.calls), bot.cpu_seconds()
                await crowd.run(lambda p: p.replay(steps.get(p.id, [])), self.args.deadline)
                cpu = bot.cpu_seconds() - cpu
                rejected = api_4xx(standin.calls[first_call:])
            finally:
                await bot.stop()
        finally:
            await standin.stop()
        return measure(standin, clock.steps, rejected, crowd, self.args.timeout, cpu)


def spy_path(args: argparse.Namespace, name: str, runs: int) -> Path | None:
    if args.py_spy is None:
        return None
    path = Path(args.py_spy).resolve()
    return path if runs == 1 else path.with_name(f"{path.stem}-{name}{path.suffix}")


async def run_backend(
    args: argparse.Namespace, backend: str, workdir: Path, total_runs: int
) -> list[Result | str]:
    results: list[Result | str] = []
    for setup in setups(args, backend):
        for scenario in scenarios(args):
            run = Run(args, setup, scenario, workdir, total_runs)
            print(
                f"-- {run.name}: {scenario.clients} clients × {scenario.journeys} journeys"
                f"{', pausing 1-3 s' if scenario.pause else ''} ...",
                flush=True,
            )
            try:
                result = await run.slotbot()
            except (RuntimeError, OSError) as exc:  # the bot did not start, py-spy missing...
                print(f"FAILED {run.name}: could not run: {exc}", flush=True)
                results.append(f"{run.name}: {exc}")
                continue
            print_result(result)
            results.append(result)
    return results


def arguments() -> argparse.Namespace:
    parser = base_arguments(__doc__.splitlines()[0])
    # Polling by default keeps a full run near 10 minutes; "all" is about 25 today.
    parser.add_argument(
        "--mode",
        choices=("polling", "webhook", "all"),
        default="polling",
        help="how the bot gets updates (default polling; webhook: also --workers 2 on PostgreSQL)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="webhook worker processes (default: 1, and 2 on PostgreSQL)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIO_NAMES),
        help=f"comma-separated, among {', '.join(SCENARIO_NAMES)} (default: all)",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=None,
        help="people in pause and saturation (default 100; quick 20)",
    )
    parser.add_argument("--crowd", type=int, default=300, help="people in crowd (default 300)")
    parser.add_argument(
        "--journeys", type=int, default=3, help="bookings of the single person (default 3)"
    )
    parser.add_argument(
        "--pause", action="store_true", help="pause 1-3 s before every step in every scenario"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds an update may wait for its answer"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=None,
        help="seconds a scenario may run before the rest is cut off (default 240; quick 60)",
    )
    parser.add_argument(
        "--big-data",
        action="store_true",
        help="seed 100,000 appointments, 20,000 clients, 200 providers first",
    )
    parser.add_argument(
        "--py-spy", metavar="FILE", help="profile the bot (speedscope; .svg: flame graph)"
    )
    parser.add_argument("--keep-log", metavar="DIR", help="keep the bots' stderr logs there")
    parser.add_argument("--strict", action="store_true", help="missed targets also exit 1")
    parser.add_argument("--seed", default="1", help="seed of the people's choices")
    args = parser.parse_args()
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIO_NAMES)
    if unknown or not args.scenarios:
        parser.error(
            f"unknown scenario(s) {sorted(unknown)}; choose among {', '.join(SCENARIO_NAMES)}"
        )
    if args.quick:  # the CI smoke run: small, one scenario, one backend, one mode
        args.backend, args.mode, args.pause, args.scenarios = (
            "sqlite",
            "polling",
            False,
            ["saturation"],
        )
    args.clients = args.clients or (20 if args.quick else 100)
    args.deadline = args.deadline or (60.0 if args.quick else 240.0)
    return args


async def main_async(args: argparse.Namespace) -> int:
    started = time.monotonic()
    backends = list(BACKENDS) if args.backend == "all" else [args.backend]
    total_runs = sum(len(setups(args, b)) for b in backends) * len(args.scenarios)
    keep = Path(args.keep_log) if args.keep_log else None
    with tempfile.TemporaryDirectory(prefix="slotbot_load_") as directory:
        workdir = Path(directory)
        try:
            runs, missing = await over_backends(
                args, lambda b, _quick: run_backend(args, b, workdir, total_runs)
            )
        finally:
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                for log in workdir.glob("*.log"):
                    shutil.copy(log, keep / log.name)
    results = [r for rs in runs for r in rs if isinstance(r, Result)]
    crashed = [r for rs in runs for r in rs if isinstance(r, str)]
    print_table(results)
    failed = [r for r in results if r.failures()]
    missed = [r for r in results if not r.passed]
    print(
        f"\n{len(results)} runs in {time.monotonic() - started:.0f} s; "
        f"{len(results) - len(missed)} PASS, {len(missed)} FAIL",
        flush=True,
    )
    for r in failed:
        print(f"FAILED {r.scenario} · {r.backend} · {r.mode}: {'; '.join(r.failures())}")
    for why in crashed:
        print(f"FAILED (did not run) {why}")
    if missing:
        print("FAILED: a required backend was unreachable")
    if args.strict and missed and not failed:
        print(
            "FAILED (--strict): targets missed in "
            + ", ".join(f"{r.scenario} · {r.backend} · {r.mode}" for r in missed)
        )
    return 1 if failed or crashed or missing or (args.strict and missed) else 0


def main() -> int:
    return asyncio.run(main_async(arguments()))


if __name__ == "__main__":
    sys.exit(main())
