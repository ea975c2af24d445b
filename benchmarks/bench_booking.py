"""Booking under contention: many concurrent bookers racing for few slots.

Run: ``.venv/bin/python -m benchmarks.bench_booking [--quick] [--backend sqlite|postgres]``

Bookers - asyncio tasks in one process, each call its own unit of work (own
session, own pooled connection) on one shared engine - book through the real
``core.booking.book_appointment``. Rounds:

* "spread": 10 rounds, each over 20 fresh slots, 50 bookers. A booker tries the
  20 in its own random order and stops at its first win or after 3 refusals (a
  client who sees "taken" picks another slot, then gives up). At most 20 can win.
* "one slot": all 50 go for the same single slot, once each. Exactly 1 may win.
* "own slots": 8 bookers (pgbench's 8 clients), each booking 25 slots nobody
  else wants, one after another: every attempt succeeds, as every transaction
  of the raw anchor does. The like-for-like throughput.

Afterwards a SQL self-join counts overlapping active appointments of the
provider: a double booking. It must be 0; the benchmark exits 1 otherwise.

Around the rounds it runs the raw anchor (``benchmarks.booking_anchors``) before
and after, and the anchor's SQL through our unit of work (the floor), and prints
ours as a share of both.
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

from benchmarks.booking_anchors import (
    RawAnchor,
    floor_per_second,
    mean_anchor,
    raw_anchor_path,
    run_raw_anchor,
)
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
from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    WeeklyInterval,
)
from core.providers import register_provider
from core.slots import get_days_availability
from storage.engine import session_factory
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday morning, before every slot booked
TRIES_PER_BOOKER = 3
HORIZON_DAYS = 90  # room for the spread, one-slot and own-slot rounds
#: Where the floor's raw transactions go: far from every slot the rounds book.
FLOOR_FROM = datetime(2030, 1, 1, tzinfo=UTC)
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
        provider=Provider(None, "Dr. Busy", ProviderType.DOCTOR, "Europe/Berlin",
                          settings=ProviderSettings(max_advance_days=HORIZON_DAYS)),
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
    begins: int = 0  # SQLite's BEGIN / BEGIN IMMEDIATE, counted apart (see README)
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
    queries_before, begins_before = counter.queries, counter.transactions
    with Stopwatch() as watch:
        wins = await asyncio.gather(*(
            booker(make_uow, ids, client, order, tries, tally)
            for client, order in zip(clients, orders)
        ))
    tally.wall_seconds += watch.seconds
    tally.queries += counter.queries - queries_before
    tally.begins += counter.transactions - begins_before
    if sum(wins) > len(slots):
        tally.over_capacity += 1


async def own_slots(
    make_uow: UowFactory, ids: tuple[int, int], clients: list[int], slots: list[datetime],
    tally: Tally, counter: StatementCounter,
) -> None:
    """Each client books its own share of ``slots``, one after another: all must succeed."""
    shares = [slots[n::len(clients)] for n in range(len(clients))]

    async def book_share(client: int, share: list[datetime]) -> None:
        for start in share:
            await booker(make_uow, ids, client, [start], 1, tally)

    queries_before, begins_before = counter.queries, counter.transactions
    with Stopwatch() as watch:
        await asyncio.gather(*(book_share(c, share) for c, share in zip(clients, shares)))
    tally.wall_seconds += watch.seconds
    tally.queries += counter.queries - queries_before
    tally.begins += counter.transactions - begins_before


async def run_backend(backend: str, quick: bool) -> dict[str, Any]:
    bookers, rounds, per_round = (20, 2, 8) if quick else (50, 10, 20)
    own_bookers, own_each = (4, 5) if quick else (8, 25)
    # Every booker holds a connection while it waits for the provider's lock: the
    # pool must fit them all, or the numbers would measure pool queueing instead.
    async with fresh_database(backend, pool_size=bookers + 5) as engine:
        make_uow = unit_of_work_factory(session_factory(engine), lambda: NOW)
        provider, types = await register_provider(make_uow(), provider_data())
        ids = (provider.id, types[0].id)
        clients = [(await get_or_create_client(make_uow(), 5_000 + n)).id for n in range(bookers)]
        days = await get_days_availability(make_uow(), *ids, NOW.date() + timedelta(days=1),
                                           NOW.date() + timedelta(days=HORIZON_DAYS), NOW)
        offered = [start for day in days for start in day.slots]
        needed = rounds * per_round + 1
        if len(offered) < needed + own_bookers * own_each:
            raise RuntimeError(f"only {len(offered)} slots offered, more needed")
        rng = random.Random(7)
        spread, single, own = Tally(), Tally(), Tally()
        counter = StatementCounter(engine)
        try:
            for r in range(rounds):
                slots = offered[r * per_round:(r + 1) * per_round]
                await contest(make_uow, ids, clients, slots, TRIES_PER_BOOKER, spread, counter, rng)
            await contest(make_uow, ids, clients, [offered[needed - 1]], 1, single, counter, rng)
            mine = offered[needed:needed + own_bookers * own_each]
            await own_slots(make_uow, ids, clients[:own_bookers], mine, own, counter)
        finally:
            counter.close()
        doubles = await count_double_bookings(engine, provider.id)
        floor_provider, floor_types = await register_provider(make_uow(), provider_data())
        # Like each raw anchor: pgbench's 8 clients; one sqlite3 client in a loop.
        floor_clients = 8 if backend == "postgres" else 1
        floor = await floor_per_second(
            make_uow, (floor_provider.id, clients[0], floor_types[0].id),
            clients=floor_clients, per_client=(40 if quick else 400) // floor_clients,
            far=FLOOR_FROM,
        )
    print(f"{backend}: done ({spread.attempts + single.attempts + own.attempts} attempts)",
          flush=True)
    return {"backend": backend, "bookers": bookers, "rounds": rounds, "per_round": per_round,
            "own_bookers": own_bookers, "own_each": own_each,
            "spread": spread, "single": single, "own": own, "doubles": doubles, "floor": floor}


async def count_double_bookings(engine: AsyncEngine, provider_id: int) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(DOUBLE_BOOKINGS, {"provider": provider_id})).scalar_one()


def _rounds(res: dict[str, Any]) -> list[tuple[str, Tally]]:
    return [
        (f"{res['rounds']}x {res['per_round']} slots", res["spread"]),
        ("1x 1 slot", res["single"]),
        (f"{res['own_bookers']}x {res['own_each']} own", res["own"]),
    ]


def print_table(results: list[dict[str, Any]]) -> None:
    print()
    print("backend  rounds            attempts booked refused errors  wall s  att/s  ok/s"
          "  p50 ms  p95 ms  stmts/att  BEGIN/att")
    for res in results:
        for label, tally in _rounds(res):
            lat = summarise(tally.latencies)
            errors = sum(tally.errors.values())
            wall = tally.wall_seconds
            print(
                f"{res['backend']:<8} {label:<16} {tally.attempts:9} {tally.booked:6} "
                f"{tally.refused:7} {errors:6} {wall:7.2f} "
                f"{tally.attempts / wall:6.0f} {tally.booked / wall:5.0f} "
                f"{lat.p50_ms:7.1f} {lat.p95_ms:7.1f} {tally.queries / tally.attempts:10.1f}"
                f" {tally.begins / tally.attempts:10.1f}"
            )
            if tally.errors:
                print(f"  errors: {tally.errors}")
            if tally.over_capacity:
                print(f"  !! {tally.over_capacity} round(s) had more winners than slots")
        print(f"  {res['backend']}: double bookings found afterwards: {res['doubles']}"
              f" (bookers per round: {res['bookers']})")


def print_comparison(results: list[dict[str, Any]], anchors: list[RawAnchor], note: str) -> None:
    """Ours as a share of the raw anchor (and of the floor), per backend."""
    print()
    if note:
        print(note)
    raw = mean_anchor(anchors) if anchors else None
    if anchors:
        runs = " / ".join(
            f"pg 50 providers {a.pg_many or 0:.0f}, pg 1 provider {a.pg_one or 0:.0f},"
            f" sqlite {a.sqlite or 0:.0f} tx/s" for a in anchors
        )
        print(f"raw anchor (before / after): {runs}")
    print("backend  measure                                       per s   of raw  of floor")
    for res in results:
        backend, floor = res["backend"], res["floor"]
        anchor = raw.for_backend(backend) if raw else None
        rows = [("raw anchor transaction" + (" (1 provider)" if backend == "postgres" else ""),
                 anchor), ("floor: its SQL through our unit of work", floor)]
        for label, tally in _rounds(res):
            per_second = (tally.booked if tally is res["own"] else tally.attempts) / tally.wall_seconds
            rows.append((f"{'bookings' if tally is res['own'] else 'attempts'}, {label}", per_second))
        for label, per_second in rows:
            if per_second is None:
                continue
            share = f"{100 * per_second / anchor:6.0f} %" if anchor else "       -"
            print(f"{backend:<8} {label:<44} {per_second:6.0f} {share} {100 * per_second / floor:7.0f} %")
        own = res["own"]
        if own.booked == own.attempts:
            begins = f" + {own.begins / own.attempts:.1f} BEGIN" if own.begins else ""
            print(f"  {backend}: SQL statements per successful booking:"
                  f" {own.queries / own.attempts:.1f}{begins} (own-slot round, every attempt won)")
        else:
            print(f"  {backend}: !! {own.attempts - own.booked} own-slot attempt(s) did not book")


def arguments(argv: list[str] | None):  # type: ignore[no-untyped-def]
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--raw-anchor", metavar="PATH",
                        help="raw_booking.sh to compare with (default: $SLOTBOT_RAW_BOOKING,"
                             " else ../shared/bench/raw_booking.sh beside the repository)")
    parser.add_argument("--no-raw-anchor", action="store_true",
                        help="do not run the raw anchor (--quick skips it unless --raw-anchor)")
    return parser.parse_args(argv)


def raw_anchor(args) -> tuple[RawAnchor | None, str]:  # type: ignore[no-untyped-def]
    if args.no_raw_anchor or (args.quick and not args.raw_anchor):
        return None, "raw anchor not run (--no-raw-anchor or --quick)"
    path = raw_anchor_path(args.raw_anchor)
    print(f"running the raw anchor {path} ...", flush=True)
    found = run_raw_anchor(path)
    return (found, "") if isinstance(found, RawAnchor) else (None, found)


async def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    print(f"booking contention benchmark{' (quick)' if args.quick else ''}: now={NOW.isoformat()},"
          f" up to {TRIES_PER_BOOKER} tries per booker in spread rounds")
    # Before and after the rounds, in the same sitting: the machine's speed drifts.
    before, note = raw_anchor(args)
    results, failed = await over_backends(args, run_backend)
    after, _ = raw_anchor(args) if before else (None, "")
    print_table(results)
    print_comparison(results, [a for a in (before, after) if a], note)
    bad = any(
        r["doubles"] or t.errors or t.over_capacity or r["own"].booked != r["own"].attempts
        for r in results
        for t in (r["spread"], r["single"], r["own"])
    )
    return 1 if bad or failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
