"""Reading appointments as their client sees them; every read checks ownership."""

from __future__ import annotations

from datetime import datetime

from core.booking import is_late_cancellation
from core.errors import NotFound
from core.localtime import require_utc
from core.model import Appointment, AppointmentDetails
from core.ports import UnitOfWork


async def details_of(uow: UnitOfWork, appointment: Appointment) -> AppointmentDetails:
    provider = await uow.providers.get(appointment.provider_id)
    appt_type = await uow.providers.appointment_type(appointment.type_id)
    assert provider is not None and appt_type is not None  # foreign keys
    return AppointmentDetails(appointment, provider, appt_type)


async def client_appointment(
    uow: UnitOfWork, appointment_id: int, client_id: int
) -> AppointmentDetails:
    """The client's own appointment; another client's is reported as not found."""
    async with uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None or appointment.client_id != client_id:
            raise NotFound("appointment", appointment_id)
        return await details_of(uow, appointment)


async def upcoming_for_client(
    uow: UnitOfWork, client_id: int, now: datetime
) -> list[AppointmentDetails]:
    """Active appointments that have not ended yet, soonest first."""
    now = require_utc(now, "now")
    async with uow:
        appointments = await uow.appointments.for_client(client_id, since=now)
        return [await details_of(uow, a) for a in appointments if a.is_active]


def would_be_late_cancel(details: AppointmentDetails, now: datetime) -> bool:
    """Whether cancelling now would be a late cancellation (rule 9), to warn first."""
    return is_late_cancellation(details.appointment.start, now, details.provider.settings)
