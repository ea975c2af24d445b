"""A calendar busy time over a booking (issue #13): the provider is told once, and decides.

"A new busy interval over an existing booking is never resolved silently." After a
sync of a feed, every future active appointment (PENDING or CONFIRMED) of its
provider that one of the feed's busy intervals overlaps — plain overlap: the buffer
keeps new bookings apart, it is not a clash with the provider's own calendar — and
that was not told before is claimed here and handed to the caller, who tells the
provider with "Keep it" and "Cancel it".

Told once: each (feed, appointment, start) is a row of ``calendar_conflicts``,
inserted by a statement that does nothing when the key exists (as the reminders'
outbox) under the provider's write lock, so restarts and several processes never
tell twice. The start is part of the key because a booking moved since is another
booking time: a busy time over it is news again. A notice that surely never reached
Telegram gives its claim back (:func:`release_conflict`) and is told by the next
sync; one that may have reached it is never repeated.

Deciding goes through the ordinary services: "Cancel it" is the provider's
cancellation (:func:`core.booking.cancel_appointment`), so the freed time goes to
the waitlist as usual and the caller tells the client as for any cancellation.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.booking import cancel_appointment
from core.errors import InvalidTransition, NotFound
from core.feed_failures import feed_label
from core.localtime import require_utc
from core.model import (
    MAX_APPOINTMENT_LENGTH,
    AgendaItem,
    Appointment,
    CalendarConflict,
    CancelledBy,
    Provider,
)
from core.ports import UnitOfWork

if TYPE_CHECKING:  # the feed reader loads icalendar
    from core.calendar_feed import BusyInterval

#: Conflicts told after one sync of one feed; the rest come with its next sync, so that
#: a week's holiday over a full calendar is not 60 messages in one go.
CONFLICTS_PER_SYNC = 20
KEEP, CANCEL = "KEEP", "CANCEL"


@dataclass(frozen=True)
class ConflictNotice:
    """What the provider is told: the booking, and which calendar (by host) is busy then."""

    conflict: CalendarConflict
    provider: Provider
    item: AgendaItem
    host: str


@dataclass(frozen=True)
class ConflictDecided:
    notice: ConflictNotice  # the appointment as it is after the decision
    cancelled: bool


def overlapping(
    appointments: Sequence[Appointment], busy: Sequence[BusyInterval]
) -> list[Appointment]:
    """The appointments some busy interval overlaps (back to back is no overlap), by start."""
    busy = sorted(busy, key=lambda b: b.start)
    starts = [b.start for b in busy]
    found = []
    for appointment in sorted(appointments, key=lambda a: (a.start, a.id or 0)):
        # A stored busy interval is at most MAX_APPOINTMENT_LENGTH long: one that starts
        # earlier than that before the appointment cannot reach it.
        i = bisect_left(starts, appointment.start - MAX_APPOINTMENT_LENGTH)
        while i < len(busy) and busy[i].start < appointment.end:
            if busy[i].end > appointment.start:
                found.append(appointment)
                break
            i += 1
    return found


async def claim_new_conflicts(
    uow: UnitOfWork, feed_id: int, *, now: datetime, limit: int = CONFLICTS_PER_SYNC
) -> list[ConflictNotice]:
    """The bookings the feed's busy times newly fall on, claimed as told (soonest first).

    Nothing for a provider without a linked account: nobody could be told, so nothing
    is claimed, and they hear of it once linked.
    """
    now = require_utc(now, "now")
    async with uow:
        # Every sync of every feed asks; mostly nothing is new, and finding that out
        # takes no write lock.
        if not await _untold(uow, feed_id, now):
            return []
        found = await uow.feeds.get(feed_id)
        assert found is not None
        await uow.begin_write(found.provider_id)
        # Again under the lock (SQLite begins anew there): another sync or claim may
        # have just stored.
        feed, provider = await uow.feeds.get(feed_id), await uow.providers.get(found.provider_id)
        if feed is None or provider is None:
            return []
        notices, label = [], await feed_label(uow, feed)
        for appointment in (await _untold(uow, feed_id, now))[:limit]:
            assert appointment.id is not None
            claimed = await uow.conflicts.claim(CalendarConflict(
                None, feed_id, feed.provider_id, appointment.id, appointment.start, now
            ))
            if claimed is not None:
                item = await _item(uow, appointment)
                notices.append(ConflictNotice(claimed, provider, item, label))
        await uow.commit()
    return notices


async def _untold(uow: UnitOfWork, feed_id: int, now: datetime) -> list[Appointment]:
    """Future active bookings the feed's busy times overlap, not told yet, by start."""
    feed = await uow.feeds.get(feed_id)
    if feed is None:
        return []
    provider = await uow.providers.get(feed.provider_id)
    if provider is None or provider.telegram_user_id is None:
        return []
    busy = await uow.feeds.busy(feed_id)
    if not busy:
        return []
    told = await uow.conflicts.told(feed_id, now)
    until = max(b.end for b in busy)
    candidates = [
        a for a in await uow.appointments.for_provider(feed.provider_id, now, until)
        if a.is_active and a.start > now and (a.id, a.start) not in told
    ]
    return overlapping(candidates, busy)


async def release_conflict(uow: UnitOfWork, conflict: CalendarConflict) -> None:
    """The notice of ``conflict`` surely never left: the next sync tells it again."""
    assert conflict.id is not None
    async with uow:
        await uow.begin_write(conflict.provider_id)
        await uow.conflicts.release(conflict.id)
        await uow.commit()


async def decide_conflict(
    uow: UnitOfWork,
    conflict_id: int,
    *,
    provider_id: int,
    cancel: bool,
    now: datetime,
    reason: str | None = None,
) -> ConflictDecided:
    """Keep the booking, or cancel it as the provider (``reason`` is the client's to read).

    :raises NotFound: no such conflict of this provider (forged, another provider's).
    :raises InvalidTransition: decided already, or the booking was cancelled, moved or
        has begun since the provider was told.
    """
    now = require_utc(now, "now")
    if not cancel:
        async with uow:
            await uow.begin_write(provider_id)
            notice = await _open_conflict(uow, conflict_id, provider_id, now)
            await _decide(uow, notice, KEEP, now)
            await uow.commit()
        return ConflictDecided(notice, cancelled=False)
    async with uow:
        notice = await _open_conflict(uow, conflict_id, provider_id, now)
    # The provider's own cancellation, in its own transaction: the same checks, the
    # waitlist offers; of two taps at once, the second finds it cancelled.
    cancelled = await cancel_appointment(
        uow, notice.conflict.appointment_id, now=now, reason=reason,
        by=CancelledBy.PROVIDER, provider_id=provider_id,
    )
    async with uow:
        await uow.begin_write(provider_id)
        await uow.conflicts.decide(conflict_id, CANCEL, now)
        await uow.commit()
    item = replace(notice.item, appointment=cancelled)
    return ConflictDecided(replace(notice, item=item), cancelled=True)


async def _open_conflict(
    uow: UnitOfWork, conflict_id: int, provider_id: int, now: datetime
) -> ConflictNotice:
    conflict = await uow.conflicts.get(conflict_id)
    if conflict is None or conflict.provider_id != provider_id:
        raise NotFound("calendar conflict", conflict_id)
    appointment = await uow.appointments.get(conflict.appointment_id)
    feed = await uow.feeds.get(conflict.feed_id)
    provider = await uow.providers.get(provider_id)
    assert appointment is not None and feed is not None and provider is not None  # foreign keys
    if (
        conflict.decision is not None
        or not appointment.is_active
        or appointment.start != conflict.start
        or appointment.start <= now
    ):
        raise InvalidTransition(appointment.id, appointment.status.value.lower(), "decide")
    return ConflictNotice(
        conflict, provider, await _item(uow, appointment), await feed_label(uow, feed)
    )


async def _decide(uow: UnitOfWork, notice: ConflictNotice, decision: str, now: datetime) -> None:
    assert notice.conflict.id is not None
    if not await uow.conflicts.decide(notice.conflict.id, decision, now):
        appointment = notice.item.appointment
        raise InvalidTransition(appointment.id, "decided", "decide")


async def _item(uow: UnitOfWork, appointment: Appointment) -> AgendaItem:
    client = await uow.clients.get(appointment.client_id)
    appt_type = await uow.providers.appointment_type(appointment.type_id)
    assert client is not None and appt_type is not None  # foreign keys
    return AgendaItem(appointment, client, appt_type)
