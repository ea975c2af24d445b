"""The load benchmark's figures, its targets, and the verdicts it prints.

Two kinds of verdict: *failures* (an error answer, a Bot API 4xx, an update left
unanswered, a booking lost, a double booking) always make the benchmark exit 1;
*targets* (latency, throughput, memory, logged errors) are marked PASS/FAIL per
row and fail the exit code only with ``--strict``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.common import percentile
from benchmarks.load_bot import LogSummary, Memory
from benchmarks.load_clients import ERROR_TEXTS, Crowd, Step
from benchmarks.load_data import Bookings
from bot.standin import ApiCall, BotApiStandIn

RSS_TARGET_MB = 150


@dataclass
class Traffic:
    """What the people saw of one bot in one run, measured at the stand-in."""

    updates: int
    answered: int
    unanswered: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    answered_p50_ms: float  # of the answered updates only: how slow the answers that came were
    answered_p95_ms: float
    error_answers: int  # "Sorry, something went wrong" in any language
    api_4xx: Counter[str]  # Bot API error answers the stand-in gave the bot, by description
    wanted: int
    booked: int
    taken: int
    restarts: int
    cut_off: int
    gave_up: Counter[str]
    #: CPU the bot process(es) spent per update while the people booked: unlike the
    #: rates, it hardly moves when something else shares the machine.
    cpu_ms_per_update: float = math.nan


def _percentile(values: Sequence[float], fraction: float) -> float:
    """common.percentile, where any infinite value the rank touches makes it infinite."""
    finite = [min(v, 1e18) for v in values]
    found = percentile(finite, fraction)
    return math.inf if found >= 1e18 * 0.5 else found


def api_4xx(calls: Sequence[ApiCall]) -> Counter[str]:
    """Bot API 4xx answers among ``calls``, by method and description.

    Take it when the run ends: a long poll still open then is answered 409 only
    when the bot stops, which is no answer the run gave.
    """
    return Counter(
        f"{c.method}: {c.error.description[:90]}"
        for c in calls
        if c.error is not None and 400 <= c.error.error_code < 500
    )


def measure(
    standin: BotApiStandIn,
    steps: Sequence[Step],
    rejected: Counter[str],
    crowd: Crowd,
    timeout: float,
    cpu_seconds: float = math.nan,
) -> Traffic:
    times = [s.seconds(timeout) for s in steps]
    answered = [t * 1000 for t in times if t is not None]
    # An update never answered took longer than any answered one: it counts in the
    # percentiles as infinitely slow, so a run that answered little cannot look fast.
    every = answered + [math.inf] * (len(times) - len(answered))
    # Over the whole run, waits for answers that never came included.
    span = (crowd.finished - min(s.queued for s in steps)) if steps else math.nan
    chats = {p.id for p in crowd.people}
    errors = sum(
        1
        for chat in chats
        for m in standin.chats[chat].messages
        if m.from_bot and any(e in (m.text or m.caption or "") for e in ERROR_TEXTS)
    )
    outcomes = [p.outcome for p in crowd.people]
    return Traffic(
        updates=len(steps),
        answered=len(answered),
        unanswered=len(steps) - len(answered),
        per_second=len(answered) / span if span and span > 0 else math.nan,
        p50_ms=_percentile(every, 0.50),
        p95_ms=_percentile(every, 0.95),
        p99_ms=_percentile(every, 0.99),
        answered_p50_ms=percentile(answered, 0.50),
        answered_p95_ms=percentile(answered, 0.95),
        error_answers=errors,
        api_4xx=rejected,
        wanted=sum(o.wanted for o in outcomes),
        booked=sum(o.booked for o in outcomes),
        taken=sum(o.taken for o in outcomes),
        restarts=sum(o.restarts for o in outcomes),
        cut_off=crowd.cut_off,
        gave_up=Counter(o.gave_up for o in outcomes if o.gave_up),
        cpu_ms_per_update=1000 * cpu_seconds / len(steps) if steps else math.nan,
    )


@dataclass
class Result:
    scenario: str
    backend: str
    mode: str
    clients: int
    traffic: Traffic
    memory: Memory
    log: LogSummary
    bookings: Bookings
    big_data: bool
    bare: Traffic | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        if self.bare is None or not self.bare.per_second:
            return math.nan
        return self.traffic.per_second / self.bare.per_second

    def failures(self) -> list[str]:
        """What makes the benchmark exit 1, strict or not."""
        t, b, why = self.traffic, self.bookings, []
        if t.error_answers:
            why.append(f"{t.error_answers} error answers")
        if t.api_4xx:
            why.append(f"{sum(t.api_4xx.values())} Bot API 4xx answers")
        if t.unanswered:
            why.append(f"{t.unanswered} updates unanswered within the timeout")
        lost = t.wanted - t.booked
        if lost and b.free_left:
            why.append(f"{lost} bookings lost ({b.free_left} free times remained)")
        if b.double:
            why.append(f"{b.double} double bookings")
        if b.active < t.booked:
            why.append(f"{t.booked} seen booked but {b.active} in the database")
        return why

    def targets(self) -> list[tuple[str, bool]]:
        """(target with the figure, met) for this row's scenario."""
        t, checks = self.traffic, []
        if self.scenario in ("pause", "saturation"):
            checks.append((f"booked {t.booked}/{t.wanted}", t.booked == t.wanted))
        if self.scenario == "pause":
            checks.append((f"error answers {t.error_answers} = 0", t.error_answers == 0))
            checks.append((f"errors logged {self.log.errors} = 0", self.log.errors == 0))
            checks.append((f"p95 {_ms(t.p95_ms)} ms ≤ 1000 ms", t.p95_ms <= 1000))
        if self.scenario == "saturation":
            checks.append((f"{self.ratio:.2f}× bare ≥ 0.5×", self.ratio >= 0.5))
        if self.scenario == "single":
            checks.append((f"p50 {_ms(t.p50_ms)} ms ≤ 100 ms", t.p50_ms <= 100))
        if self.scenario == "crowd":
            checks.append((f"error answers {t.error_answers} = 0", t.error_answers == 0))
            checks.append((f"unanswered {t.unanswered} = 0", t.unanswered == 0))
        if self.big_data and self.clients >= 100 and self.scenario in ("pause", "saturation"):
            # Per process: a supervisor and its workers are separate bots' worth of memory.
            mb = self.memory.largest_rss_mb
            checks.append((f"RSS {mb:.0f} MB ≤ {RSS_TARGET_MB} MB", mb <= RSS_TARGET_MB))
        return checks

    @property
    def passed(self) -> bool:
        return not self.failures() and all(ok for _, ok in self.targets())


def _ms(value: float) -> str:
    if math.isinf(value):
        return "∞"  # the rank falls on updates that were never answered
    return "—" if math.isnan(value) else f"{value:.0f}"


def print_result(r: Result) -> None:
    t, m = r.traffic, r.memory
    print(
        f"\n== {r.scenario} · {r.backend} · {r.mode} · {r.clients} clients"
        f"{' · big data' if r.big_data else ''}",
        flush=True,
    )
    print(
        f"  updates {t.updates}, answered {t.answered}, unanswered {t.unanswered}; "
        f"{t.per_second:.1f} updates/s; step p50 {_ms(t.p50_ms)} ms, p95 {_ms(t.p95_ms)} ms, "
        f"p99 {_ms(t.p99_ms)} ms"
        + (
            f" (answered ones: p50 {_ms(t.answered_p50_ms)} ms, p95 {_ms(t.answered_p95_ms)} ms)"
            if t.unanswered
            else ""
        )
    )
    print(
        f"  booked {t.booked}/{t.wanted} (in the database: {r.bookings.active} active, "
        f"{r.bookings.double} double; {r.bookings.free_left} times still free); "
        f"told 'taken' {t.taken}×, restarts {t.restarts}, cut off {t.cut_off}"
    )
    if t.gave_up:
        print("  gave up: " + ", ".join(f"{why} ×{n}" for why, n in t.gave_up.most_common()))
    print(
        f"  error answers {t.error_answers}; Bot API 4xx {sum(t.api_4xx.values())}"
        + "".join(f"\n    {n}× {what}" for what, n in t.api_4xx.most_common(5))
    )
    summed = f" (sum of {m.processes} processes)" if m.processes > 1 else ""
    print(f"  bot RSS peak {m.peak_mb:.0f} MB, end {m.rss_mb:.0f} MB{summed}")
    print(f"  bot CPU {t.cpu_ms_per_update:.1f} ms per update")
    print(
        f"  bot log: {r.log.errors} ERROR lines, {r.log.tracebacks} tracebacks"
        + "".join(f"\n    {n}× {line}" for line, n in r.log.top)
    )
    if r.bare is not None:
        b = r.bare
        print(
            f"  bare PTB bot, same updates: {b.per_second:.1f} updates/s, p50 {_ms(b.p50_ms)} ms, "
            f"p95 {_ms(b.p95_ms)} ms, unanswered {b.unanswered}; Slotbot/bare = {r.ratio:.2f}; "
            f"CPU {b.cpu_ms_per_update:.1f} ms per update (Slotbot/bare "
            f"{r.traffic.cpu_ms_per_update / b.cpu_ms_per_update:.1f}×)"
        )
    for note in r.notes:
        print(f"  note: {note}")
    for why in r.failures():
        print(f"  FAILED: {why}")


def print_table(results: Sequence[Result]) -> None:
    print(
        "\n| scenario | backend | mode | clients | booked | updates/s | p50 ms | p95 ms | p99 ms "
        "| errors | 4xx | unanswered | RSS peak/end MB | log errors | vs bare | targets | verdict |"
    )
    print("| --- " * 17 + "|")
    for r in results:
        t, m = r.traffic, r.memory
        targets = "; ".join(f"{what} {'✓' if ok else '✗'}" for what, ok in r.targets())
        ratio = "—" if r.bare is None else f"{r.ratio:.2f}×"
        print(
            f"| {r.scenario} | {r.backend} | {r.mode} | {r.clients} | {t.booked}/{t.wanted} "
            f"| {t.per_second:.1f} | {_ms(t.p50_ms)} | {_ms(t.p95_ms)} | {_ms(t.p99_ms)} "
            f"| {t.error_answers} | {sum(t.api_4xx.values())} | {t.unanswered} "
            f"| {m.peak_mb:.0f}/{m.rss_mb:.0f} | {r.log.errors} | {ratio} | {targets} "
            f"| {'PASS' if r.passed else 'FAIL'} |"
        )
