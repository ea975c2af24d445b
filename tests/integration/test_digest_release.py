"""A digest Telegram refused is released and claimed again; a later day's claim stays."""

from __future__ import annotations

from datetime import UTC, datetime

from core.digest import claim_due_digests, release_digest
from tests.integration.test_digest_claims import EIGHT_FIVE_BERLIN, _with_digest


async def test_a_released_digest_is_claimed_again_by_the_next_poll(uow):
    await _with_digest(uow)
    (first,) = await claim_due_digests(uow(), EIGHT_FIVE_BERLIN)
    await release_digest(uow(), first)
    (again,) = await claim_due_digests(uow(), EIGHT_FIVE_BERLIN)
    assert again.day == first.day
    assert await claim_due_digests(uow(), EIGHT_FIVE_BERLIN) == []


async def test_releasing_a_past_day_leaves_a_later_days_claim_alone(uow):
    await _with_digest(uow)
    (monday,) = await claim_due_digests(uow(), EIGHT_FIVE_BERLIN)
    (tuesday,) = await claim_due_digests(uow(), datetime(2026, 12, 1, 7, 5, tzinfo=UTC))
    await release_digest(uow(), monday)  # a slow process, a day late
    assert await claim_due_digests(uow(), datetime(2026, 12, 1, 7, 6, tzinfo=UTC)) == []
    assert tuesday.day.isoformat() == "2026-12-01"
