"""The provider's morning digest: today's agenda and the requests still waiting.

The database is the schedule: a provider's digest is due once their local clock
passes the chosen time, and it is claimed with one conditional UPDATE, so that
several bot processes (or a restart) never send it twice or skip a day. A digest
Telegram refused (so surely not delivered) is released, to be claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.agenda import agenda
from core.localtime import local_date, require_utc, zone
from core.model import AgendaItem, AppointmentStatus, Provider
from core.ports import UnitOfWork


@dataclass(frozen=True)
class Digest:
    provider: Provider
    day: date
    today: list[AgendaItem]
    pending: list[AgendaItem]  # requests for any day still waiting for the provider


def is_due(provider: Provider, now: datetime) -> bool:
    chosen = provider.settings.digest_time
    if chosen is None or provider.telegram_user_id is None:
        return False
    local_now = require_utc(now, "now").astimezone(zone(provider.timezone))
    return local_now.time() >= chosen


async def claim_due_digests(uow: UnitOfWork, now: datetime) -> list[Digest]:
    """Digests due now that this process won the right to send (each at most once a day)."""
    now = require_utc(now, "now")
    async with uow:
        candidates = [p for p in await uow.providers.with_digest() if is_due(p, now)]
    digests = []
    for provider in candidates:
        day = local_date(now, zone(provider.timezone))
        async with uow:
            await uow.begin_write(provider.id)
            won = await uow.providers.claim_digest(provider.id, day)  # type: ignore[arg-type]
            await uow.commit()
        if not won:
            continue
        items = await agenda(uow, provider.id, day, day)  # type: ignore[arg-type]
        ahead = await agenda(uow, provider.id, day, day + timedelta(days=provider.settings.max_advance_days))  # type: ignore[arg-type]
        pending = [i for i in ahead if i.appointment.status is AppointmentStatus.PENDING and i.appointment.start > now]
        digests.append(Digest(provider, day, items, pending))
    return digests


async def release_digest(uow: UnitOfWork, digest: Digest) -> None:
    """Give back the claim of a digest that surely was not delivered: a later poll sends it.

    Only for a refusal (Telegram answered no); after a timeout the message may have
    arrived, and a digest twice is worse than none.
    """
    async with uow:
        await uow.begin_write(digest.provider.id)  # type: ignore[arg-type]
        await uow.providers.release_digest(digest.provider.id, digest.day)  # type: ignore[arg-type]
        await uow.commit()
