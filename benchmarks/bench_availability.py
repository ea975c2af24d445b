"""Availability read path: one day and one month of slots, ours against the seed's way.

Run: ``.venv/bin/python -m benchmarks.bench_availability [--quick] [--backend sqlite|postgres]``

A provider with 10,000 appointments over two years (plus two other providers'
rows in the same table) is queried through the real use cases
(``core.slots.get_available_slots`` / ``get_month_availability``), and through a
BASELINE that reproduces the seed's one-query-per-day month view (see
:func:`baseline_day`). Both run on the same database, alternately, and must return
the same availability (checked).
"""

from __future__ import annotations

import asyncio
import calendar as month_calendar
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_availability.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.common import (
    StatementCounter,
    Stopwatch,
    base_arguments,
    fresh_database,
    over_backends,
    summarise,
)
from benchmarks.dataset import FIRST_DAY, LAST_DAY, NOW, TZ, UowFactory, seed
from core.availability import DayAvailability, availability_for_dates
from core.model import ACTIVE_STATUSES, BusyPeriod
from core.slots import get_available_slots, get_month_availability, load_bookable
from storage.engine import session_factory
from storage.orm import AppointmentRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
Query = Callable[[Any], Awaitable[Any]]


async def baseline_day(
    uow: SqlUnitOfWork, provider_id: int, type_id: int, day: date, now: datetime
) -> DayAvailability:
    """The seed's per-day slot lookup, which its month view called once per date.

    One unit of work (transaction) per date: the calendar and the type are loaded
    again (4 statements: provider, weekly hours, overrides, type), then ONE query
    for that date's active appointments by ``DATE(starts_at) = :day`` - the UTC
    date (SQLite ``date()``, PostgreSQL ``CAST(... AS DATE)`` in the session time
    zone, UTC here), which also defeats the ``starts_at`` part of the index - and
    ``availability_for_dates`` for that single date. For this provider (Berlin,
    daytime hours, no buffer) the UTC date and the local date agree, so the
    results equal ours; for late hours or other zones the seed's way is wrong.
    """
    async with uow as work:
        calendar, appt_type = await load_bookable(work, provider_id, type_id)
        starts = AppointmentRow.starts_at
        sqlite = work.session.bind.dialect.name == "sqlite"
        day_of = func.date(starts) if sqlite else cast(starts, Date)
        rows = await work.session.execute(
            select(starts, AppointmentRow.ends_at, AppointmentRow.type_id).where(
                AppointmentRow.provider_id == provider_id,
                AppointmentRow.status.in_(_ACTIVE),
                day_of == day,
            )
        )
        busy = [BusyPeriod(s, e, t) for s, e, t in rows]
    (only,) = availability_for_dates(calendar, appt_type, busy, [day], now)
    return only


async def baseline_month(
    make_uow: UowFactory, provider_id: int, type_id: int, year: int, month: int, now: datetime
) -> list[DayAvailability]:
    days = month_calendar.monthrange(year, month)[1]
    return [
        await baseline_day(make_uow(), provider_id, type_id, date(year, month, d), now)
        for d in range(1, days + 1)
    ]


async def compare(
    engine: AsyncEngine, label: str, arguments: list[Any], ours: Query, baseline: Query
) -> dict[str, Any]:
    """Runs ours and the baseline alternately on each argument (fair to drift and caches)."""
    counter = StatementCounter(engine)
    result: dict[str, Any] = {"query": label, "reps": len(arguments), "identical": True}
    try:
        for warm in arguments[:2]:  # first connections, statement caches, dialect setup
            await ours(warm)
            await baseline(warm)
        times: dict[str, list[float]] = {"ours": [], "base": []}
        counts = {"ours": [0, 0], "base": [0, 0]}
        for argument in arguments:
            answers = []
            for name, run in (("ours", ours), ("base", baseline)):
                before = (counter.queries, counter.transactions)
                with Stopwatch() as watch:
                    answers.append(await run(argument))
                times[name].append(watch.seconds)
                counts[name][0] += counter.queries - before[0]
                counts[name][1] += counter.transactions - before[1]
            result["identical"] &= _same(*answers)
        for name in ("ours", "base"):
            result[name] = summarise(times[name])
            result[name + "_stmts"] = counts[name][0] / len(arguments)
            result[name + "_tx"] = counts[name][1] / len(arguments)
    finally:
        counter.close()
    return result


def _same(ours: Any, baseline: Any) -> bool:
    if isinstance(baseline, DayAvailability):  # a day: ours is its list of slots
        return ours == list(baseline.slots)
    return [(d.date, d.status, d.slots) for d in ours] == [
        (d.date, d.status, d.slots) for d in baseline
    ]


async def run_backend(backend: str, quick: bool) -> list[dict[str, Any]]:
    main_rows, other_rows = (1_500, 300) if quick else (10_000, 2_000)
    day_reps, month_reps = (5, 3) if quick else (50, 20)
    async with fresh_database(backend) as engine:
        with Stopwatch() as watch:
            provider_id, type_id = await seed(engine, main_rows, other_rows)
        print(f"{backend}: seeded {main_rows:,} + 2 x {other_rows:,} appointments "
              f"in {watch.seconds:.1f} s", flush=True)
        make_uow = unit_of_work_factory(session_factory(engine), lambda: NOW)
        first = NOW.date() + timedelta(days=1)
        days = [first + timedelta(days=5 * n) for n in range(day_reps)]  # mixed weekdays
        months = [(2025 + (5 + n) // 12, (5 + n) % 12 + 1) for n in range(13)]  # 2025-06..2026-06
        months = [months[n % len(months)] for n in range(month_reps)]
        rows = [
            await compare(
                engine, "day", days,
                lambda d: get_available_slots(make_uow(), provider_id, type_id, d, NOW),
                lambda d: baseline_day(make_uow(), provider_id, type_id, d, NOW),
            ),
            await compare(
                engine, "month", months,
                lambda m: get_month_availability(make_uow(), provider_id, type_id, *m, NOW),
                lambda m: baseline_month(make_uow, provider_id, type_id, *m, NOW),
            ),
        ]
    for row in rows:
        row["backend"] = backend
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print()
    print("                       |        ours (ms)       |      baseline (ms)     |"
          " baseline/ours")
    print("backend  query    reps |   p50    p95  stmts/q |   p50    p95  stmts/q |"
          "   p50  stmts  same")
    for r in rows:
        ours, base = r["ours"], r["base"]
        print(
            f"{r['backend']:<8} {r['query']:<6} {r['reps']:>6} |"
            f" {ours.p50_ms:5.1f} {ours.p95_ms:6.1f} {r['ours_stmts']:8.1f} |"
            f" {base.p50_ms:5.1f} {base.p95_ms:6.1f} {r['base_stmts']:8.1f} |"
            f" {base.p50_ms / ours.p50_ms:5.1f}x {r['base_stmts'] / r['ours_stmts']:5.1f}x"
            f"  {'yes' if r['identical'] else 'NO'}"
        )
    for r in rows:
        if r["ours_tx"] or r["base_tx"]:
            print(f"  {r['backend']} {r['query']}: plus BEGIN statements per query: "
                  f"ours {r['ours_tx']:.1f}, baseline {r['base_tx']:.1f}")


async def main(argv: list[str] | None = None) -> int:
    args = base_arguments(__doc__.splitlines()[0]).parse_args(argv)
    print(f"availability benchmark{' (quick)' if args.quick else ''}: now={NOW.isoformat()}, "
          f"rows {FIRST_DAY}..{LAST_DAY}, type 30 min, {TZ}")
    results, failed = await over_backends(args, run_backend)
    rows = [row for backend_rows in results for row in backend_rows]
    print_table(rows)
    return 0 if all(r["identical"] for r in rows) and not failed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
