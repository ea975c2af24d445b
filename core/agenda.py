"""The provider's view: the agenda, and which clients may book."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.errors import NotFound
from core.localtime import local_midnight, require_utc, zone
from core.model import AgendaItem, CancelledBy, Client
from core.ports import UnitOfWork
from core.waitlist import offer_freed_time, withdraw_client


async def agenda(uow: UnitOfWork, provider_id: int, first: date, last: date) -> list[AgendaItem]:
    """Appointments starting on the provider's local dates ``first``..``last``, by time."""
    async with uow:
        provider = await uow.providers.get(provider_id)
        if provider is None:
            raise NotFound("provider", provider_id)
        tz = zone(provider.timezone)
        start, end = local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)
        return await agenda_items(uow, provider_id, start, end)


async def agenda_items(uow: UnitOfWork, provider_id: int, start: datetime, end: datetime) -> list[AgendaItem]:
    """Inside an open unit of work: the provider's appointments starting in ``[start, end)``
    with their clients and types, by time."""
    items = []
    for appointment in await uow.appointments.for_provider(provider_id, start, end):
        client = await uow.clients.get(appointment.client_id)
        appt_type = await uow.providers.appointment_type(appointment.type_id)
        assert client is not None and appt_type is not None  # foreign keys
        items.append(AgendaItem(appointment, client, appt_type))
    return items


async def waiting_count(uow: UnitOfWork, provider_id: int, first: date, last: date) -> int:
    """How many waitlist entries the provider has for the dates ``first``..``last``."""
    async with uow:
        return len(await uow.waitlist.waiting(provider_id, first, last))


async def agenda_item(uow: UnitOfWork, provider_id: int, appointment_id: int) -> AgendaItem:
    """One of the provider's own appointments; another provider's reads as not found."""
    async with uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None or appointment.provider_id != provider_id:
            raise NotFound("appointment", appointment_id)
        client = await uow.clients.get(appointment.client_id)
        appt_type = await uow.providers.appointment_type(appointment.type_id)
        assert client is not None and appt_type is not None  # foreign keys
        return AgendaItem(appointment, client, appt_type)


async def clients_of(uow: UnitOfWork, provider_id: int) -> list[tuple[Client, bool]]:
    """Everyone who ever booked with the provider, and whether they are blocked."""
    async with uow:
        clients = await uow.clients.of_provider(provider_id)
        blocked = await uow.providers.blocked_client_ids(provider_id)
    return [(c, c.id in blocked) for c in clients]


async def set_client_blocked(
    uow: UnitOfWork, provider_id: int, client_id: int, *, blocked: bool, now: datetime
) -> list[AgendaItem]:
    """Block (or unblock) a client; blocking cancels their future bookings with the provider.

    Returns the cancelled appointments, so the caller can tell the client.
    """
    now = require_utc(now, "now")
    async with uow:
        await uow.begin_write(provider_id)
        client = await uow.clients.get(client_id)
        if client is None or client.id not in {c.id for c in await uow.clients.of_provider(provider_id)}:
            raise NotFound("client", client_id)
        await uow.providers.set_client_blocked(provider_id, client_id, blocked)
        if blocked:
            await withdraw_client(uow, provider_id, client_id)
        cancelled = []
        if blocked:
            for appointment in await uow.appointments.for_client(client_id, since=now):
                if appointment.provider_id != provider_id or not appointment.is_active:
                    continue
                if appointment.start <= now:
                    continue
                appointment.cancel(now, CancelledBy.PROVIDER)
                await uow.appointments.save(appointment)
                await offer_freed_time(uow, provider_id, appointment.start, appointment.end, now)
                appt_type = await uow.providers.appointment_type(appointment.type_id)
                assert appt_type is not None
                cancelled.append(AgendaItem(appointment, client, appt_type))
        await uow.commit()
    return cancelled
