"""Series booked at the same instant as other series and single bookings, on SQLite and
PostgreSQL (issue #14): real races on separate connections, and in separate processes.

Whatever the interleaving: no two active bookings overlap, and what each booker was
told it got is exactly what the database holds for it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import text

from core.booking import book_appointment
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    SeriesBookedBy,
    WeeklyInterval,
)
from core.providers import register_provider
from core.series import SeriesRequest
from core.series_booking import SeriesChanged, book_series, plan_for_booking
from storage.engine import create_engine, session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import FIXED_NOW
from tests.integration.test_concurrency import OVERLAPS

TUESDAY_NINE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 Berlin
WEEK, HALF_HOUR = timedelta(weeks=1), timedelta(minutes=30)

ACTIVE_ROWS = text(
    "SELECT id, client_id FROM appointments"
    " WHERE provider_id = :provider AND status IN ('PENDING', 'CONFIRMED')"
)


def tuesday_tutor() -> NewProvider:
    """Tuesdays 09:00-13:00 Berlin; a 60-minute lesson clients may book as a series."""
    return NewProvider(
        provider=Provider(
            None, "Race", ProviderType.TUTOR, "Europe/Berlin",
            settings=ProviderSettings(max_advance_days=120),
        ),
        weekly=(WeeklyInterval(1, time(9), time(13)),),
        appointment_types=(
            AppointmentType(None, None, "Lesson", 60, allow_series=True, max_series_occurrences=12),
        ),
    )


async def _setup(uow) -> tuple[int, int]:
    provider, (lesson,) = await register_provider(uow(), tuesday_tutor())
    return provider.id, lesson.id


async def _clients(uow, first: int, n: int) -> list[int]:
    return [(await get_or_create_client(uow(), first + k)).id for k in range(n)]


async def _overlaps(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(OVERLAPS)).scalar_one()


async def _held(engine, provider_id: int) -> dict[int, set[int]]:
    """Active appointment ids by client."""
    async with engine.connect() as connection:
        rows = (await connection.execute(ACTIVE_ROWS, {"provider": provider_id})).all()
    held: dict[int, set[int]] = {}
    for appointment_id, client_id in rows:
        held.setdefault(client_id, set()).add(appointment_id)
    return held


def _series(uow, provider_id, type_id, client_id, first, count, *, chosen=None):
    return book_series(
        uow(), provider_id=provider_id, type_id=type_id, client_id=client_id,
        request=SeriesRequest(first, 1, count=count), now=FIXED_NOW,
        by=SeriesBookedBy.CLIENT, chosen=chosen,
    )


async def test_overlapping_series_of_many_clients_at_once_never_double_book(engine, uow):
    provider_id, lesson = await _setup(uow)
    clients = await _clients(uow, 7000, 8)
    # Each from another Tuesday and hour, four weeks long: neighbours overlap by weeks.
    asks = [
        (c, TUESDAY_NINE + (n % 4) * WEEK + (n // 4) * 2 * HALF_HOUR) for n, c in enumerate(clients)
    ]

    outcomes = await asyncio.gather(
        *(_series(uow, provider_id, lesson, c, first, 4) for c, first in asks)
    )

    assert await _overlaps(engine) == 0
    held = await _held(engine, provider_id)
    for (client, _first), outcome in zip(asks, outcomes, strict=True):
        told = {a.id for a in outcome.appointments}
        assert told == held.get(client, set()), client
        assert len(told) + len(outcome.skipped) == 4
        assert {s.reason for s in outcome.skipped} <= {"TAKEN"}
        assert all(a.client_id == client for a in outcome.appointments)
    # Two hours a Tuesday, seven Tuesdays asked: every one of the 14 slots went to somebody.
    assert sum(len(ids) for ids in held.values()) == 14


async def test_two_confirmed_previews_of_the_same_times_one_books_the_other_nothing(engine, uow):
    provider_id, lesson = await _setup(uow)
    first, second = await _clients(uow, 7100, 2)
    request = SeriesRequest(TUESDAY_NINE, 1, count=6)
    plan = await plan_for_booking(
        uow(), provider_id=provider_id, type_id=lesson, request=request, now=FIXED_NOW
    )
    chosen = [o.start for o in plan.occurrences]

    async def confirm(client_id: int) -> int | None:
        try:
            outcome = await _series(
                uow, provider_id, lesson, client_id, TUESDAY_NINE, 6, chosen=chosen
            )
        except SeriesChanged as changed:
            assert all(o.state.value == "TAKEN" for o in changed.plan)
            return None
        assert len(outcome.appointments) == 6
        return outcome.series.id

    won = await asyncio.gather(confirm(first), confirm(second))

    assert sorted(w is None for w in won) == [False, True]
    held = await _held(engine, provider_id)
    winner = first if won[0] is not None else second
    assert set(held) == {winner} and len(held[winner]) == 6
    assert await _overlaps(engine) == 0


async def test_a_series_against_many_single_bookings_at_once(engine, uow):
    provider_id, lesson = await _setup(uow)
    series_client, *singles = await _clients(uow, 7200, 13)
    starts = [TUESDAY_NINE + n * WEEK for n in range(6)]
    # Two single bookers for each of the series' six times, one for the hour after.
    targets = [starts[n % 6] for n in range(12)]
    targets[-1] = starts[0] + 2 * HALF_HOUR

    async def single(client_id: int, start: datetime) -> int | None:
        try:
            return (await book_appointment(
                uow(), provider_id=provider_id, type_id=lesson, client_id=client_id,
                start=start, now=FIXED_NOW,
            )).id
        except SlotNoLongerAvailable:
            return None

    outcome, *won = await asyncio.gather(
        _series(uow, provider_id, lesson, series_client, starts[0], 6),
        *(single(c, s) for c, s in zip(singles, targets, strict=True)),
    )

    assert await _overlaps(engine) == 0
    held = await _held(engine, provider_id)
    assert {a.id for a in outcome.appointments} == held.get(series_client, set())
    for client, appointment_id in zip(singles, won, strict=True):
        assert held.get(client, set()) == ({appointment_id} if appointment_id else set())
    # Each of the six times is held exactly once: by the series or by one single booker.
    by_series = {a.start for a in outcome.appointments}
    by_singles = [t for t, w in zip(targets, won, strict=True) if w and t in starts]
    assert sorted([*by_series, *by_singles]) == starts
    assert {s.start for s in outcome.skipped} == set(by_singles)
    assert won[-1] is not None  # the hour after was nobody else's


async def test_a_double_tap_books_one_series(engine, uow):
    provider_id, lesson = await _setup(uow)
    (client,) = await _clients(uow, 7300, 1)

    outcomes = await asyncio.gather(
        *(_series(uow, provider_id, lesson, client, TUESDAY_NINE, 5) for _ in range(6))
    )

    assert len({o.series.id for o in outcomes}) == 1
    assert sum(o.created for o in outcomes) == 1
    assert len({tuple(a.id for a in o.appointments) for o in outcomes}) == 1
    async with engine.connect() as connection:
        count = text("SELECT COUNT(*) FROM appointment_series")
        series = (await connection.execute(count)).scalar_one()
    assert series == 1
    assert len((await _held(engine, provider_id))[client]) == 5


def _process_series(url: str, provider_id: int, type_id: int, first_client: int) -> list:
    """Three clients of one process each book a four-week series; (client, ids told)."""

    async def run() -> list:
        engine = create_engine(url)
        make = unit_of_work_factory(session_factory(engine), lambda: FIXED_NOW)
        try:
            clients = await _clients(make, first_client, 3)
            firsts = [TUESDAY_NINE + (first_client // 100 % 3 + k) * WEEK for k in range(3)]
            asks = list(zip(clients, firsts, strict=True))
            outcomes = await asyncio.gather(
                *(_series(make, provider_id, type_id, c, f, 4) for c, f in asks)
            )
            return [
                (c, sorted(a.id for a in o.appointments))
                for (c, _f), o in zip(asks, outcomes, strict=True)
            ]
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def test_series_from_separate_processes_never_double_book(engine, uow, database_url):
    provider_id, lesson = await _setup(uow)
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with context.Pool(3) as pool:
        jobs = [
            pool.apply_async(_process_series, (database_url, provider_id, lesson, 20_000 + 100 * p))
            for p in range(3)
        ]
        results = await loop.run_in_executor(None, lambda: [j.get(timeout=120) for j in jobs])

    assert await _overlaps(engine) == 0
    held = await _held(engine, provider_id)
    told = {client: set(ids) for batch in results for client, ids in batch}
    assert {c: ids for c, ids in told.items() if ids} == held
    # Nine four-week series from the first to the fifth Tuesday at 09:00: all eight
    # 09:00 hours they ask for went to somebody.
    assert sum(len(ids) for ids in held.values()) == 8
