"""Booking under contention: many concurrent bookers racing for few slots.

Run: ``.venv/bin/python -m benchmarks.bench_booking [--quick] [--backend sqlite|postgres]``

50 bookers - asyncio tasks in one process, each call its own unit of work (own
session, own pooled connection) on one shared engine - book through the real
``core.booking.book_appointment``. Rounds:

* "spread": 10 rounds, each over 20 fresh slots. A booker tries the 20 in its
  own random order and stops at its first win or after 3 refusals (a client who
  sees "taken" picks another slot, then gives up). At most 20 can win a round.
* "one slot": all 50 go for the same single slot, once each. Exactly 1 may win.

Afterwards a SQL self-join counts overlapping active appointments of the
provider: a double booking. It must be 0; the benchmark exits 1 otherwise.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_booking.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.common import (
    StatementCounter,
    Stopwatch,
    base_arguments,
    fresh_database,
    over_backends,
    summarise,
)
from core.booking import book_appointment
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from core.slots import get_days_availability
from storage.engine import session_factory
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday morning, before every slot booked
TRIES_PER_BOOKER = 3
UowFactory = Callable[[], SqlUnitOfWork]

# Active appointments of one provider whose times overlap: each pair is a double booking.
DOUBLE_BOOKINGS = text(
    """
    SELECT COUNT(*) FROM appointments a JOIN appointments b
      ON a.provider_id = b.provider_id AND a.id < b.id
     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
     WHERE a.provider_id = :provider
       AND a.status IN ('PENDING', 'CONFIRMED') AND b.status IN ('PENDING', 'CONFIRMED')
    """
)


def provider_data() -> NewProvider:
    weekly = [
        WeeklyInterval(d, s, e)
        for d in range(5)
        for s, e in ((time(9), time(12, 30)), (time(14), time(18)))
    ]
    weekly.append(WeeklyInterval(5, time(10), time(13)))
    return NewProvider(
        provider=Provider(None, "Dr. Busy", ProviderType.DOCTOR, "Europe/Berlin"),
        weekly=tuple(weekly),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),),
    )


@dataclass
class Tally:
    """Outcomes and per-attempt latencies of one kind of round, summed over its rounds."""

    attempts: int = 0
    booked: int = 0
    refused: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    queries: int = 0
    over_capacity: int = 0  # rounds with more winners than slots (must stay 0)


async def booker(
    make_uow: UowFactory, ids: tuple[int, int], client_id: int, slots: list[datetime],
    tries: int, tally: Tally,
) -> bool:
    provider_id, type_id = ids
    for start in slots[:tries]:
        tally.attempts += 1
        with Stopwatch() as watch:
            try:
                await book_appointment(make_uow(), provider_id=provider_id, type_id=type_id,
                                       client_id=client_id, start=start, now=NOW)
                outcome = "booked"
            except SlotNoLongerAvailable:  # includes SlotTaken: the expected way to lose
                outcome = "refused"
            except Exception as exc:  # noqa: BLE001 - counted and shown, never hidden
                outcome = type(exc).__name__
        tally.latencies.append(watch.seconds)
        if outcome == "booked":
            tally.booked += 1
            return True
        if outcome == "refused":
            tally.refused += 1
        else:
            tally.errors[outcome] = tally.errors.get(outcome, 0) + 1
    return False


async def contest(
    make_uow: UowFactory, ids: tuple[int, int], clients: list[int], slots: list[datetime],
    tries: int, tally: Tally, counter: StatementCounter, rng: random.Random,
) -> None:
    """One round: every client at once, each with its own order of the slots."""
    orders = [rng.sample(slots, len(slots)) for _ in clients]
    queries_before = counter.queries
    with Stopwatch() as watch:
        wins = await asyncio.gather(*(
            booker(make_uow, ids, client, order, tries, tally)
            for client, order in zip(clients, orders)
        ))
    tally.wall_seconds += watch.seconds
    tally.queries += counter.queries - queries_before
    if sum(wins) > len(slots):
        tally.over_capacity += 1


async def run_backend(backend: str, quick: bool) -> dict[str, Any]:
    bookers, rounds, per_round = (20, 2, 8) if quick else (50, 10, 20)
    # Every booker holds a connection while it waits for the provider's lock: the
    # pool must fit them all, or the numbers would measure pool queueing instead.
    async with fresh_database(backend, pool_size=bookers + 5) as engine:
        make_uow = unit_of_work_factory(session_factory(engine), lambda: NOW)
        provider, types = await register_provider(make_uow(), provider_data())
        ids = (provider.id, types[0].id)
        clients = [(await get_or_create_client(make_uow(), 5_000 + n)).id for n in range(bookers)]
        days = await get_days_availability(make_uow(), *ids, NOW.date() + timedelta(days=1),
                                           NOW.date() + timedelta(days=40), NOW)
        offered = [start for day in days for start in day.slots]
        needed = rounds * per_round + 1
        if len(offered) < needed:
            raise RuntimeError(f"only {len(offered)} slots offered, {needed} needed")
        rng = random.Random(7)
        spread, single = Tally(), Tally()
        counter = StatementCounter(engine)
        try:
            for r in range(rounds):
                slots = offered[r * per_round:(r + 1) * per_round]
                await contest(make_uow, ids, clients, slots, TRIES_PER_BOOKER, spread, counter, rng)
            await contest(make_uow, ids, clients, [offered[needed - 1]], 1, single, counter, rng)
        finally:
            counter.close()
        doubles = await count_double_bookings(engine, provider.id)
    print(f"{backend}: done ({spread.attempts + single.attempts} attempts)", flush=True)
    return {"backend": backend, "bookers": bookers, "rounds": rounds, "per_round": per_round,
            "spread": spread, "single": single, "doubles": doubles}


async def count_double_bookings(engine: AsyncEngine, provider_id: int) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(DOUBLE_BOOKINGS, {"provider": provider_id})).scalar_one()


def print_table(results: list[dict[str, Any]]) -> None:
    print()
    print("backend  rounds            attempts booked refused errors  wall s  att/s  ok/s"
          "  p50 ms  p95 ms  stmts/att")
    for res in results:
        for label, tally in (
            (f"{res['rounds']}x {res['per_round']} slots", res["spread"]),
            ("1x 1 slot", res["single"]),
        ):
            lat = summarise(tally.latencies)
            errors = sum(tally.errors.values())
            wall = tally.wall_seconds
            print(
                f"{res['backend']:<8} {label:<16} {tally.attempts:9} {tally.booked:6} "
                f"{tally.refused:7} {errors:6} {wall:7.2f} "
                f"{tally.attempts / wall:6.0f} {tally.booked / wall:5.0f} "
                f"{lat.p50_ms:7.1f} {lat.p95_ms:7.1f} {tally.queries / tally.attempts:10.1f}"
            )
            if tally.errors:
                print(f"  errors: {tally.errors}")
            if tally.over_capacity:
                print(f"  !! {tally.over_capacity} round(s) had more winners than slots")
        print(f"  {res['backend']}: double bookings found afterwards: {res['doubles']}"
              f" (bookers per round: {res['bookers']})")


async def main(argv: list[str] | None = None) -> int:
    args = base_arguments(__doc__.splitlines()[0]).parse_args(argv)
    print(f"booking contention benchmark{' (quick)' if args.quick else ''}: now={NOW.isoformat()},"
          f" up to {TRIES_PER_BOOKER} tries per booker in spread rounds")
    results, failed = await over_backends(args, run_backend)
    print_table(results)
    bad = any(
        r["doubles"] or t.errors or t.over_capacity
        for r in results
        for t in (r["spread"], r["single"])
    )
    return 1 if bad or failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
