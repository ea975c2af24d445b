"""Providers changing their settings, profile and appointment types."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import time
from typing import Any

from core.errors import InvalidProviderData, NotFound
from core.localtime import UnknownTimeZone, zone
from core.model import AppointmentType, LateCancelPolicy, Provider, ProviderSettings
from core.ports import UnitOfWork
from core.providers import validate_appointment_type

#: Each numeric setting's allowed range (inclusive): what the buttons and checks agree on.
SETTING_RANGES = {
    "buffer_minutes_between_appointments": (0, 240),
    "min_notice_hours": (0, 24 * 14),
    "max_advance_days": (1, 365),
    "reschedule_lock_hours": (0, 24 * 14),
    "max_active_bookings_per_client": (0, 50),
}
_SETTING_NAMES = {f.name for f in fields(ProviderSettings)}
_PROFILE_NAMES = {"name", "timezone", "language", "address", "email"}


def _checked(provider: Provider, changes: dict[str, Any]) -> Provider:
    settings_changes = {k: v for k, v in changes.items() if k in _SETTING_NAMES}
    profile_changes = {k: v for k, v in changes.items() if k in _PROFILE_NAMES}
    unknown = set(changes) - _SETTING_NAMES - _PROFILE_NAMES
    if unknown:
        raise InvalidProviderData(f"unknown settings: {', '.join(sorted(unknown))}")
    for name, value in settings_changes.items():
        if name in SETTING_RANGES:
            low, high = SETTING_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidProviderData(f"{name}: must be a whole number from {low} to {high}")
        elif name in ("auto_confirm", "remind_provider") and not isinstance(value, bool):
            raise InvalidProviderData(f"{name}: must be true or false")
        elif name == "late_cancel_policy":
            try:
                settings_changes[name] = LateCancelPolicy(value)
            except ValueError:
                raise InvalidProviderData(f"{name}: must be ALLOW or REFUSE") from None
        elif name == "digest_time" and value is not None and not isinstance(value, time):
            raise InvalidProviderData(f"{name}: must be a time of day or nothing")
        elif name == "late_cancel_message" and value is not None and not isinstance(value, str):
            raise InvalidProviderData(f"{name}: must be text")
    if "timezone" in profile_changes:
        try:
            zone(profile_changes["timezone"])
        except UnknownTimeZone:
            raise InvalidProviderData(f"timezone: {profile_changes['timezone']!r} unknown") from None
    if "name" in profile_changes and not str(profile_changes["name"]).strip():
        raise InvalidProviderData("name: must not be empty")
    return replace(provider, settings=replace(provider.settings, **settings_changes), **profile_changes)


async def update_provider(uow: UnitOfWork, provider_id: int, **changes: Any) -> Provider:
    """Change settings (buffer, notice, policies …) or profile (zone, language …)."""
    async with uow:
        await uow.begin_write(provider_id)
        provider = await uow.providers.get(provider_id)
        if provider is None:
            raise NotFound("provider", provider_id)
        updated = _checked(provider, changes)
        await uow.providers.update(updated)
        await uow.commit()
    return updated


async def provider_types(uow: UnitOfWork, provider_id: int) -> list[AppointmentType]:
    async with uow:
        return await uow.providers.types(provider_id)


async def add_appointment_type(
    uow: UnitOfWork, provider_id: int, appt_type: AppointmentType
) -> AppointmentType:
    appt_type = replace(appt_type, id=None, provider_id=provider_id)
    validate_appointment_type(appt_type)
    async with uow:
        await uow.begin_write(provider_id)
        added = await uow.providers.add_type(appt_type)
        await uow.commit()
    return added


async def update_appointment_type(
    uow: UnitOfWork, provider_id: int, type_id: int, **changes: Any
) -> AppointmentType:
    """Edit one of the provider's own types (``is_active=False`` deactivates it)."""
    fixed = {"id", "provider_id"} & set(changes)
    if fixed:
        raise InvalidProviderData(f"{', '.join(sorted(fixed))}: cannot be changed")
    async with uow:
        await uow.begin_write(provider_id)
        current = await uow.providers.appointment_type(type_id)
        if current is None or current.provider_id != provider_id:
            raise NotFound("appointment type", type_id)
        updated = replace(current, **changes)
        validate_appointment_type(updated)
        await uow.providers.update_type(updated)
        await uow.commit()
    return updated
