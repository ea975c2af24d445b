"""Read-only rows for ``slotbot export``: plain dicts straight from the tables, oldest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.orm import (
    AppointmentRow,
    AppointmentTypeRow,
    ClientRow,
    ProviderRow,
    WaitlistEntryRow,
)
from storage.unit_of_work import SqlUnitOfWork

TABLES = ("providers", "appointment_types", "appointments", "waitlist")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)  # Decimal prices stay exact as text
    return value


async def snapshot(unit: SqlUnitOfWork, provider_id: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Providers, their appointment types, appointments (with the client's name) and waitlist."""
    session = unit.session

    def mine(column):  # type: ignore[no-untyped-def]
        return True if provider_id is None else column == provider_id

    providers = await session.execute(
        select(
            ProviderRow.id, ProviderRow.name, ProviderRow.type, ProviderRow.timezone, ProviderRow.email,
            ProviderRow.address, ProviderRow.is_active, ProviderRow.created_at,
        ).where(mine(ProviderRow.id)).order_by(ProviderRow.id)
    )
    types = await session.execute(
        select(
            AppointmentTypeRow.id, AppointmentTypeRow.provider_id, AppointmentTypeRow.name,
            AppointmentTypeRow.duration_minutes, AppointmentTypeRow.price, AppointmentTypeRow.currency,
            AppointmentTypeRow.is_virtual, AppointmentTypeRow.max_participants, AppointmentTypeRow.is_active,
            AppointmentTypeRow.allow_series, AppointmentTypeRow.max_series_occurrences,
        ).where(mine(AppointmentTypeRow.provider_id)).order_by(AppointmentTypeRow.id)
    )
    appointments = await session.execute(
        select(
            AppointmentRow.id, AppointmentRow.provider_id, AppointmentRow.type_id, AppointmentRow.client_id,
            ClientRow.name.label("client_name"), AppointmentRow.starts_at, AppointmentRow.ends_at,
            AppointmentRow.status, AppointmentRow.notes, AppointmentRow.created_at,
            AppointmentRow.cancelled_at, AppointmentRow.cancelled_by, AppointmentRow.cancel_reason,
            AppointmentRow.late_cancel, AppointmentRow.series_id,
        )
        .join(ClientRow, ClientRow.id == AppointmentRow.client_id)
        .where(mine(AppointmentRow.provider_id))
        .order_by(AppointmentRow.starts_at, AppointmentRow.id)
    )
    waitlist = await session.execute(
        select(
            WaitlistEntryRow.id, WaitlistEntryRow.provider_id, WaitlistEntryRow.type_id,
            WaitlistEntryRow.client_id, ClientRow.name.label("client_name"), WaitlistEntryRow.date,
            WaitlistEntryRow.zone, WaitlistEntryRow.created_at,
        )
        .join(ClientRow, ClientRow.id == WaitlistEntryRow.client_id)
        .where(mine(WaitlistEntryRow.provider_id))
        .order_by(WaitlistEntryRow.date, WaitlistEntryRow.created_at)
    )
    return {
        name: [{key: _plain(value) for key, value in row._mapping.items()} for row in result]
        for name, result in zip(TABLES, (providers, types, appointments, waitlist), strict=True)
    }
