"""The in-memory :class:`core.ports.SubscriptionRepository` of :mod:`tests.unit.fakes`.

Mirrors ``storage/subscriptions.py``: link hashes per provider (one provider per
hash), and the window's bookings with the client's name, the type's name and
kind; the sequence is the one the fake's ``save`` keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.calendar_export import FeedBooking, FeedWindow
from core.model import MAX_APPOINTMENT_LENGTH, AppointmentStatus, Provider

if TYPE_CHECKING:
    from tests.unit.fakes import FakeUnitOfWork


class FakeSubscriptionRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def set_link_hash(self, provider_id: int, token_hash: str) -> bool:
        self._uow.require_write_lock(provider_id)
        data = self._uow.working_state()
        if provider_id not in data.providers:
            return False
        if any(h == token_hash and p != provider_id for p, h in data.feed_links.items()):
            raise AssertionError("ux_providers_calendar_token_hash: two providers, one hash")
        data.feed_links[provider_id] = token_hash
        return True

    async def provider_by_link(self, token_hash: str) -> Provider | None:
        data = self._uow.working_state()
        for provider_id, stored in data.feed_links.items():
            if stored == token_hash:
                return data.providers[provider_id]
        return None

    async def has_link(self, provider_id: int) -> bool:
        return provider_id in self._uow.working_state().feed_links

    async def feed_bookings(self, provider_id: int, window: FeedWindow) -> list[FeedBooking]:
        data = self._uow.working_state()
        found = []
        for a in data.appointments.values():
            if a.provider_id != provider_id or a.end <= window.since:
                continue
            if a.start <= window.since - MAX_APPOINTMENT_LENGTH:  # as the SQL's index bound
                continue
            cancelled = a.status is AppointmentStatus.CANCELLED
            if cancelled and a.cancelled_at is not None and a.cancelled_at < window.cancelled_since:
                continue
            appt_type = data.types[a.type_id]
            found.append(FeedBooking(
                appointment_id=a.id,  # type: ignore[arg-type]
                start=a.start,
                end=a.end,
                status=a.status,
                type_name=appt_type.name,
                sequence=data.sequences.get(a.id, 0),  # type: ignore[arg-type]
                last_modified=a.updated_at or a.created_at,
                client_name=data.clients[a.client_id].name,
                notes=a.notes,
                is_virtual=appt_type.is_virtual,
                cancelled_at=a.cancelled_at,
            ))
        return sorted(found, key=lambda b: (b.start, b.appointment_id))
