"""SQLAlchemy repository of the provider's calendar subscription: link hash and feed rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import MAX_APPOINTMENT_LENGTH, AppointmentStatus, Provider
from storage import mapping
from storage.orm import AppointmentRow, AppointmentTypeRow, ClientRow, ProviderRow

if TYPE_CHECKING:
    from core.calendar_export import FeedBooking, FeedWindow

_CANCELLED = AppointmentStatus.CANCELLED.value


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_link_hash(self, provider_id: int, token_hash: str) -> bool:
        result = await self._session.execute(
            update(ProviderRow)
            .where(ProviderRow.id == provider_id)
            .values(calendar_token_hash=token_hash)
        )
        return result.rowcount == 1

    async def provider_by_link(self, token_hash: str) -> Provider | None:
        # On the unique index: one row or none, found by equality on the hash.
        row = (
            await self._session.execute(
                select(ProviderRow.__table__).where(ProviderRow.calendar_token_hash == token_hash)
            )
        ).first()
        return None if row is None else mapping.provider(row)  # type: ignore[arg-type]

    async def has_link(self, provider_id: int) -> bool:
        found = await self._session.scalar(
            select(ProviderRow.id).where(
                ProviderRow.id == provider_id, ProviderRow.calendar_token_hash.is_not(None)
            )
        )
        return found is not None

    async def feed_bookings(self, provider_id: int, window: FeedWindow) -> list[FeedBooking]:
        # Here, not at the top: the builder's module loads icalendar (0.2 s), which
        # every other command and every unit of work can do without.
        from core.calendar_export import FeedBooking

        a, c, t = AppointmentRow, ClientRow, AppointmentTypeRow
        # One statement. A UTC range on (provider_id, starts_at): no appointment is
        # longer than MAX_APPOINTMENT_LENGTH, which bounds the index range from below.
        rows = await self._session.execute(
            select(
                a.id, a.starts_at, a.ends_at, a.status, a.sequence, a.created_at, a.updated_at,
                a.cancelled_at, a.notes, c.name, t.name, t.is_virtual,
            )
            .join(c, c.id == a.client_id)
            .join(t, t.id == a.type_id)
            .where(
                a.provider_id == provider_id,
                a.starts_at > window.since - MAX_APPOINTMENT_LENGTH,
                a.ends_at > window.since,
                or_(
                    a.status != _CANCELLED,
                    a.cancelled_at.is_(None),  # the builder decides by last_modified then
                    a.cancelled_at >= window.cancelled_since,
                ),
            )
            .order_by(a.starts_at, a.id)
        )
        return [
            FeedBooking(
                appointment_id=id_,
                start=start,
                end=end,
                status=AppointmentStatus(status),
                type_name=type_name,
                sequence=sequence,
                # Every change the services make stamps updated_at; a row never
                # changed since booking has only its created_at.
                last_modified=updated or created,
                client_name=client_name,
                notes=notes,
                is_virtual=is_virtual,
                cancelled_at=cancelled,
            )
            for (id_, start, end, status, sequence, created, updated, cancelled, notes,
                 client_name, type_name, is_virtual) in rows
        ]
