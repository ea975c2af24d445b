"""The fake unit of work's :class:`core.model.BookingSnapshot`: as little as the port promises.

The SQL read may return more (overrides of more dates, bookings further away);
this one returns exactly the minimum the contract allows, so that a core that
relied on anything more would fail its unit tests.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from core.model import ACTIVE_STATUSES, BookingSnapshot, ProviderCalendar

# The dates around the start the snapshot covers (see BookingSnapshot).
_DATES_AROUND = timedelta(days=2)


def booking_snapshot(
    data, *, provider_id: int, type_id: int, client_id: int, start: datetime, now: datetime
) -> BookingSnapshot:
    """``data``: a fake unit of work's working state."""
    provider = data.providers.get(provider_id)
    if provider is None:
        return BookingSnapshot(None, None, False, False, None, 0, (), ())
    first, last = start.date() - _DATES_AROUND, start.date() + _DATES_AROUND
    calendar = ProviderCalendar(
        provider=provider,
        weekly=tuple(sorted(data.weekly[provider_id], key=lambda w: (w.day_of_week, w.start))),
        overrides=tuple(
            sorted((o for o in data.overrides[provider_id] if first <= o.date <= last),
                   key=lambda o: o.date)
        ),
    )
    appt_type = data.types.get(type_id)
    active = [
        a for a in data.appointments.values()
        if a.provider_id == provider_id and a.status in ACTIVE_STATUSES
    ]
    mine = [a for a in active if a.client_id == client_id]
    held = next((a for a in mine if a.type_id == type_id and a.start == start), None)
    busy = ()
    if appt_type is not None:
        # Exactly what can collide with [start, start + duration), buffers included.
        buffer = provider.settings.buffer
        reach_from, reach_to = start - buffer, start + appt_type.duration + buffer
        busy = tuple(a.as_busy() for a in active if a.end > reach_from and a.start < reach_to)
        busy += tuple(data.calendar.busy_of_provider(provider_id, reach_from, reach_to))
    return BookingSnapshot(
        calendar=calendar,
        appt_type=appt_type,
        client_known=client_id in data.clients,
        client_blocked=(provider_id, client_id) in data.blocked,
        held=None if held is None else copy.copy(held),
        active_future=sum(1 for a in mine if a.start > now),
        busy=busy,
        waiting=tuple(sorted(
            (e for e in data.waitlist.values()
             if (e.client_id, e.provider_id, e.type_id) == (client_id, provider_id, type_id)
             and first <= e.date <= last),
            key=lambda e: (e.date, e.id),
        )),
    )
