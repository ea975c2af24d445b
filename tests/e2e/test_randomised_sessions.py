"""A seeded randomised session through the real bot: odd people must break nothing.

An admin, a provider onboarded by /invite and five clients (hostile names among them)
take turns at random: any role's commands with odd arguments, odd texts at whatever
prompt is pending, latest, stale, foreign and forged buttons, locations, the clock
moving, the timed jobs. After every step: nobody is told "something went wrong",
nothing is logged as an error, Telegram refuses no request, every tap is answered once,
no provider has overlapping active appointments, and no appointment changes without
its own confirming tap; at the end a new client still books. A failure prints every
finding with the steps before it; ``scripts/fuzz-sessions`` runs longer and other seeds.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from conversations import callbacks as cb
from tests.e2e.session_checks import Move, Row, overlaps, unexplained
from tests.e2e.sessions import Session

SEED = 20261125
STEPS = int(os.environ.get("SLOTBOT_SESSION_STEPS", "2000"))  # ~40 s alone here


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_randomised_session_breaks_nothing(bot, engine) -> None:
    session = Session(bot, engine, SEED)
    findings = await session.run(STEPS)
    print(session.report(findings, STEPS))
    assert not findings, session.report(findings, STEPS)


# The status rule itself, on plain rows: a checker that passes everything finds nothing.

def _row(status: str = "PENDING", client: int = 701, provider: int | None = 700, **extra) -> Row:
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    fields = {"id": 1, "provider_id": 4, "client_tg": client, "provider_tg": provider,
              "client_id": 1, "start": start, "end": start + timedelta(minutes=30),
              "status": status, "seat_group": None}
    return Row(**{**fields, **extra})


def test_the_status_rule_wants_the_appointments_own_tap_by_someone_allowed() -> None:
    before, after = {1: _row()}, {1: _row("CANCELLED")}
    provider_text = Move(700, False, typed=True)
    assert unexplained(before, after, provider_text)  # "Berlin" typed after /timezone
    assert not unexplained(before, after, Move(700, False, typed=True, reason_for=("provider", 1)))
    assert unexplained(before, after, Move(700, False, typed=True, reason_for=("provider", 2)))
    assert not unexplained(before, after, Move(700, False, button=cb.ProviderDecline(1)))
    assert unexplained(before, after, Move(701, False, button=cb.ProviderDecline(1)))  # a client
    assert not unexplained(before, after, Move(9000, True, button=cb.ProviderDecline(1)))  # admin
    assert unexplained(before, after, Move(702, False, button=cb.ConfirmCancel(1)))  # not hers
    assert not unexplained(before, after, Move(701, False, button=cb.ConfirmCancel(1)))
    assert unexplained({}, {1: _row()}, Move(702, False, button=cb.ConfirmBooking(4, 1, _row().start)))
    assert unexplained(before, {}, Move(701, False, button=cb.ForgetMe(False)))


def test_the_status_rule_knows_the_providers_series_actions() -> None:
    booked = {2: _row(id=2, series_id=5), 3: _row(id=3, series_id=5)}
    assert not unexplained({}, booked, Move(700, False, button=cb.SeriesBook(1, 1, _row().start, 1, 2, "x")))
    assert unexplained({}, booked, Move(702, False, button=cb.SeriesBook(1, 1, _row().start, 1, 2, "x")))
    assert unexplained({}, booked, Move(700, False, button=cb.SeriesBook(9, 1, _row().start, 1, 2, "x")))
    gone = {i: _row("CANCELLED", id=i, series_id=5) for i in (2, 3)}
    assert not unexplained(booked, gone, Move(700, False, button=cb.SeriesCancelNow(2)))
    assert not unexplained(booked, gone, Move(700, False, typed=True, reason_for=("series", 3)))
    assert unexplained(booked, gone, Move(700, False, typed=True, reason_for=("provider", 3)))
    assert unexplained(booked, gone, Move(701, False, button=cb.SeriesCancelNow(2)))  # the client
    assert not unexplained(booked, gone, Move(700, False, button=cb.SeriesDecision(5, False)))
    assert unexplained(booked, gone, Move(700, False, button=cb.SeriesDecision(6, False)))


def test_overlaps_are_active_appointments_of_one_provider_outside_a_seat_group() -> None:
    a, later = _row(), _row(id=2, start=_row().start + timedelta(minutes=15))
    assert overlaps({1: a, 2: later})
    assert not overlaps({1: a, 2: _row(id=2, status="CANCELLED", start=later.start)})
    assert not overlaps({1: a, 2: _row(id=2, provider_id=5, start=later.start)})
    assert not overlaps({1: a, 2: _row(id=2, start=a.end)})  # back to back
    grouped = {1: _row(seat_group="g"), 2: _row(id=2, seat_group="g")}
    assert not overlaps(grouped)
