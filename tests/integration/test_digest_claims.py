"""The morning digest is claimed once per provider and day, however many processes poll."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time

from core.digest import claim_due_digests
from core.provider_admin import update_provider
from tests.integration.clinic import register

EIGHT_FIVE_BERLIN = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)


async def _with_digest(uow) -> int:
    provider_id, _single, _group = await register(uow)
    async with uow() as unit:
        await unit.begin_write(provider_id)
        provider = await unit.providers.get(provider_id)
        await unit.providers.update(replace(provider, telegram_user_id=555))
        await unit.commit()
    await update_provider(uow(), provider_id, digest_time=time(8, 0))
    return provider_id


async def test_concurrent_pollers_claim_each_digest_once(uow):
    await _with_digest(uow)
    results = await asyncio.gather(*(claim_due_digests(uow(), EIGHT_FIVE_BERLIN) for _ in range(6)))
    assert sum(len(r) for r in results) == 1


async def test_digest_is_not_due_before_its_time_and_is_due_again_the_next_day(uow):
    await _with_digest(uow)
    assert await claim_due_digests(uow(), datetime(2026, 11, 30, 6, 59, tzinfo=UTC)) == []
    (first,) = await claim_due_digests(uow(), EIGHT_FIVE_BERLIN)
    assert first.day == date(2026, 11, 30)
    assert await claim_due_digests(uow(), EIGHT_FIVE_BERLIN) == []
    (next_day,) = await claim_due_digests(uow(), datetime(2026, 12, 1, 7, 5, tzinfo=UTC))
    assert next_day.day == date(2026, 12, 1)
