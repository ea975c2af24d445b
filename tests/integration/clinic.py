"""A small provider set up through the real services, for storage-level tests."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from core.model import (
    AppointmentType,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)
from core.providers import register_provider


def berlin_doctor(**settings: object) -> NewProvider:
    """Mon-Fri 09:00-17:00 Berlin; a 30-minute consultation and a 3-seat group class."""
    return NewProvider(
        provider=Provider(
            id=None,
            name="Dr. Test",
            type=ProviderType.DOCTOR,
            timezone="Europe/Berlin",
            email="dr@example.org",
            settings=ProviderSettings(**settings),  # type: ignore[arg-type]
        ),
        weekly=tuple(WeeklyInterval(day, time(9), time(17)) for day in range(5)),
        overrides=(
            ScheduleOverride(
                date(2026, 12, 24), OverrideKind.UNAVAILABLE
            ),
        ),
        appointment_types=(
            AppointmentType(None, None, "Consultation", 30, price=Decimal("60.00"), currency="EUR"),
            AppointmentType(None, None, "Group", 60, max_participants=3),
        ),
    )


async def register(uow_factory, new: NewProvider | None = None) -> tuple[int, int, int]:
    """Register ``new`` (default: :func:`berlin_doctor`); returns provider, single, group ids."""
    provider, types = await register_provider(uow_factory(), new or berlin_doctor())
    return provider.id, types[0].id, types[1].id
