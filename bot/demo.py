"""The demo clinic the console starts with: three providers, several kinds of visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal

from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderSettings,
    ProviderType,
    WeeklyInterval,
)
from core.ports import UnitOfWork


def _week(days: range | tuple[int, ...], *spans: tuple[str, str]) -> tuple[WeeklyInterval, ...]:
    return tuple(
        WeeklyInterval(day, time.fromisoformat(start), time.fromisoformat(end))
        for day in days
        for start, end in spans
    )


def _type(name: str, minutes: int, price: str, currency: str, **extra: object) -> AppointmentType:
    return AppointmentType(
        None, None, name, minutes, price=Decimal(price), currency=currency, **extra  # type: ignore[arg-type]
    )


DEMO_CLINIC: tuple[NewProvider, ...] = (
    NewProvider(
        provider=Provider(
            None, "Dr. Ana Petrova", ProviderType.DOCTOR, "Europe/Berlin",
            email="ana.petrova@example.org", address="Torstraße 12, 10119 Berlin",
            settings=ProviderSettings(
                buffer_minutes_between_appointments=10, min_notice_hours=2, max_advance_days=30
            ),
        ),
        weekly=_week(range(0, 5), ("09:00", "12:30"), ("14:00", "18:00")),
        appointment_types=(
            _type("Consultation", 30, "60.00", "EUR"),
            _type("Video follow-up", 20, "35.00", "EUR", is_virtual=True),
        ),
    ),
    NewProvider(
        provider=Provider(
            None, "María López", ProviderType.THERAPIST, "Europe/Madrid",
            email="maria.lopez@example.org", address="Calle de Alcalá 45, 28014 Madrid",
            settings=ProviderSettings(min_notice_hours=12, auto_confirm=False),
        ),
        weekly=_week((0, 2, 4), ("10:00", "14:00"), ("16:00", "20:00")),
        appointment_types=(
            _type("Therapy session", 50, "70.00", "EUR", is_virtual=True),
            _type("First visit", 90, "90.00", "EUR"),
        ),
    ),
    NewProvider(
        provider=Provider(
            None, "John Carter", ProviderType.TUTOR, "America/New_York",
            email="john.carter@example.org",
            settings=ProviderSettings(max_advance_days=21),
        ),
        weekly=_week(range(0, 6), ("16:00", "21:00")),
        appointment_types=(
            _type("Maths lesson", 60, "45.00", "USD", is_virtual=True),
            _type("Exam prep group", 90, "20.00", "USD", is_virtual=True, max_participants=5),
        ),
    ),
)


async def link_console_provider(uow: UnitOfWork, telegram_user_id: int) -> Provider:
    """``slotbot console --as provider``: the console's person runs the demo clinic's first
    provider (the one with the lowest id), unless they run one already."""
    async with uow:
        linked = await uow.providers.by_telegram_id(telegram_user_id)
        if linked is not None:
            return linked
        first = min((offer.provider for offer in await uow.providers.offers()),
                    key=lambda provider: provider.id or 0)
        await uow.begin_write(first.id)
        linked = replace(first, telegram_user_id=telegram_user_id)
        await uow.providers.update(linked)
        await uow.commit()
    return linked
