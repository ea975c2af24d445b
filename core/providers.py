"""Registering providers with their hours, overrides and appointment types."""

from __future__ import annotations

from core.errors import InvalidProviderData
from core.localtime import UnknownTimeZone, zone
from core.model import (
    MAX_APPOINTMENT_MINUTES,
    MAX_SERIES_OCCURRENCES,
    AppointmentType,
    NewProvider,
    OverrideKind,
    Provider,
)
from core.ports import UnitOfWork
from core.series import MIN_OCCURRENCES as MIN_SERIES


def validate_new_provider(new: NewProvider) -> None:
    """Refuse data that would make availability meaningless; say what is wrong."""
    provider = new.provider
    if not provider.name.strip():
        raise InvalidProviderData("name: must not be empty")
    try:
        zone(provider.timezone)
    except UnknownTimeZone:
        raise InvalidProviderData(
            f"timezone: {provider.timezone!r} is not an IANA time zone (e.g. Europe/Berlin)"
        ) from None
    settings = provider.settings
    if settings.buffer_minutes_between_appointments < 0:
        raise InvalidProviderData("settings.buffer_minutes_between_appointments: must be >= 0")
    if settings.min_notice_hours < 0:
        raise InvalidProviderData("settings.min_notice_hours: must be >= 0")
    if settings.max_advance_days < 0:
        raise InvalidProviderData("settings.max_advance_days: must be >= 0")
    for n, interval in enumerate(new.weekly):
        if not 0 <= interval.day_of_week <= 6:
            raise InvalidProviderData(
                f"schedules[{n}].day_of_week: must be 0 (Monday) to 6 (Sunday)"
            )
    for n, override in enumerate(new.overrides):
        if (override.start is None) != (override.end is None):
            raise InvalidProviderData(
                f"overrides[{n}]: give both start_time and end_time, or neither"
            )
        if override.kind is OverrideKind.SPECIAL_HOURS and override.start is None:
            raise InvalidProviderData(
                f"overrides[{n}]: SPECIAL_HOURS needs start_time and end_time"
            )
    for n, appt_type in enumerate(new.appointment_types):
        validate_appointment_type(appt_type, f"appointment_types[{n}]")


def validate_appointment_type(appt_type: AppointmentType, where: str = "type") -> None:
    if not appt_type.name.strip():
        raise InvalidProviderData(f"{where}.name: must not be empty")
    if not 0 < appt_type.duration_minutes <= MAX_APPOINTMENT_MINUTES:
        raise InvalidProviderData(
            f"{where}.duration_minutes: must be between 1 and {MAX_APPOINTMENT_MINUTES}"
        )
    if appt_type.max_participants < 1:
        raise InvalidProviderData(f"{where}.max_participants: must be at least 1")
    if appt_type.price is not None:
        if appt_type.price < 0:
            raise InvalidProviderData(f"{where}.price: must not be negative")
        if not appt_type.currency:
            raise InvalidProviderData(f"{where}.currency: needed with a price (e.g. EUR)")
    if not isinstance(appt_type.allow_series, bool):
        raise InvalidProviderData(f"{where}.allow_series: must be true or false")
    most = appt_type.max_series_occurrences
    if isinstance(most, bool) or not isinstance(most, int) or not MIN_SERIES <= most <= MAX_SERIES_OCCURRENCES:
        raise InvalidProviderData(
            f"{where}.max_series_occurrences: must be a whole number from {MIN_SERIES} to "
            f"{MAX_SERIES_OCCURRENCES}"
        )


async def register_provider(
    uow: UnitOfWork, new: NewProvider
) -> tuple[Provider, list[AppointmentType]]:
    """Store a provider with its calendar and types in one transaction."""
    validate_new_provider(new)
    async with uow:
        await uow.begin_write()
        provider, types = await uow.providers.add(new)
        await uow.commit()
    return provider, types
