"""A provider's weekly series (issue #14): where an occurrence stands in its series, what
"cancel from this date" would cancel, the client card, and deciding a pending series at once.

Every service takes the acting provider's id and treats someone else's series, appointment
or client exactly like a missing one (:class:`NotFound`). Pure: no Telegram, no SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.errors import InvalidTransition, NotFound
from core.localtime import local_date, local_midnight, require_utc, zone
from core.model import (
    AgendaItem,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    CancelledBy,
    Client,
)
from core.ports import UnitOfWork
from core.waitlist import offer_freed_time


@dataclass(frozen=True)
class SeriesPosition:
    """An occurrence is the ``number``-th of the ``booked`` sessions of its series."""

    number: int
    booked: int


def position_in_series(appointment: Appointment, occurrences: list[Appointment]) -> SeriesPosition | None:
    """Its place among every session booked in the series (cancelled ones too: the
    numbering a provider and client agreed on does not shift when one is called off)."""
    ordered = sorted(occurrences, key=lambda a: (a.start, a.id or 0))
    ids = [a.id for a in ordered]
    if appointment.id not in ids:
        return None
    return SeriesPosition(ids.index(appointment.id) + 1, len(ordered))


async def series_position(uow: UnitOfWork, provider_id: int, appointment_id: int) -> SeriesPosition | None:
    """Where the provider's appointment stands in its series; None when it has none."""
    async with uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None or appointment.provider_id != provider_id:
            raise NotFound("appointment", appointment_id)
        if appointment.series_id is None:
            return None
        return position_in_series(appointment, await uow.series.occurrences(appointment.series_id))


@dataclass(frozen=True)
class SeriesRest:
    """What "cancel the series from this date" on ``item`` would cancel now."""

    item: AgendaItem
    from_start: datetime  # the first instant of the item's date, in the provider's zone
    starts: tuple[datetime, ...]  # the active occurrences from then on that have not started


async def series_rest(uow: UnitOfWork, provider_id: int, appointment_id: int, now: datetime) -> SeriesRest:
    """The question before cancelling: which sessions would go (none: InvalidTransition)."""
    now = require_utc(now, "now")
    async with uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None or appointment.provider_id != provider_id:
            raise NotFound("appointment", appointment_id)
        if appointment.series_id is None:
            raise InvalidTransition(appointment_id, "not part of a series", "cancel the series")
        provider = await uow.providers.get(provider_id)
        client = await uow.clients.get(appointment.client_id)
        appt_type = await uow.providers.appointment_type(appointment.type_id)
        assert provider is not None and client is not None and appt_type is not None  # foreign keys
        tz = zone(provider.timezone)  # "from this date on": the date's first instant there
        since = local_midnight(local_date(appointment.start, tz), tz)
        starts = tuple(
            a.start for a in await uow.series.occurrences(appointment.series_id)
            if a.is_active and a.start >= since and a.start > now
        )
    if not starts:
        raise InvalidTransition(appointment_id, "past or cancelled, as are the later ones", "cancel the series")
    return SeriesRest(AgendaItem(appointment, client, appt_type), since, starts)


async def client_card(uow: UnitOfWork, provider_id: int, client_id: int) -> tuple[Client, bool]:
    """A client who booked with the provider before, and whether they are blocked; anyone
    else is not found (a provider sees only their own clients)."""
    async with uow:
        clients = {c.id: c for c in await uow.clients.of_provider(provider_id)}
        if client_id not in clients:
            raise NotFound("client", client_id)
        blocked = client_id in await uow.providers.blocked_client_ids(provider_id)
    return clients[client_id], blocked


def fingerprint(starts: Sequence[datetime | None]) -> str:
    """A short digest of the starts a preview offers to book (None: not booked), carried
    by its button: the tap books only if the series still offers exactly these."""
    text = ";".join("-" if s is None else require_utc(s, "start").isoformat() for s in starts)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


async def _pending_series(
    uow: UnitOfWork, series_id: int, provider_id: int, now: datetime
) -> tuple[AppointmentSeries, list[Appointment]]:
    series = await uow.series.get(series_id)
    if series is None or series.provider_id != provider_id:
        raise NotFound("series", series_id)
    await uow.begin_write(provider_id)
    pending = [
        a for a in await uow.series.occurrences(series_id)
        if a.status is AppointmentStatus.PENDING and a.start > now
    ]
    if not pending:
        raise InvalidTransition(series_id, "nothing waiting for confirmation", "decide the series")
    return series, pending


async def confirm_series(uow: UnitOfWork, series_id: int, *, provider_id: int, now: datetime) -> list[Appointment]:
    """Confirm every PENDING occurrence of the provider's series that has not started, in
    one transaction under the provider's lock (as :func:`core.booking.confirm_appointment`
    does one). Returns them by start; none left: :class:`InvalidTransition`."""
    now = require_utc(now, "now")
    async with uow:
        _series, pending = await _pending_series(uow, series_id, provider_id, now)
        for appointment in pending:
            appointment.status = AppointmentStatus.CONFIRMED
            appointment.updated_at = now
            await uow.appointments.save(appointment)
        await uow.commit()
    return sorted(pending, key=lambda a: a.start)


async def decline_series(
    uow: UnitOfWork, series_id: int, *, provider_id: int, now: datetime, reason: str | None = None
) -> list[Appointment]:
    """Decline every PENDING occurrence of the provider's series that has not started, in
    one transaction (as :func:`core.booking.decline_appointment` does one): each is
    cancelled by the provider and its time offered to the waitlist."""
    now = require_utc(now, "now")
    async with uow:
        _series, pending = await _pending_series(uow, series_id, provider_id, now)
        for appointment in pending:
            appointment.cancel(now, CancelledBy.PROVIDER, reason)
            await uow.appointments.save(appointment)
        for appointment in pending:
            await offer_freed_time(uow, appointment.provider_id, appointment.start, appointment.end, now)
        await uow.commit()
    return sorted(pending, key=lambda a: a.start)


__all__ = [
    "SeriesPosition",
    "SeriesRest",
    "client_card",
    "confirm_series",
    "decline_series",
    "fingerprint",
    "position_in_series",
    "series_position",
    "series_rest",
]
