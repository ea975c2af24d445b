"""SQLAlchemy repository of the waitlist: entries and the offers of freed slots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import OfferStatus, WaitlistEntry, WaitlistOffer
from storage.orm import WaitlistEntryRow, WaitlistOfferRow

OPEN = OfferStatus.OPEN.value


def _entry(row: WaitlistEntryRow) -> WaitlistEntry:
    return WaitlistEntry(
        id=row.id, provider_id=row.provider_id, type_id=row.type_id, client_id=row.client_id,
        date=row.date, zone=row.zone, created_at=row.created_at,
    )


def _offer(row: WaitlistOfferRow) -> WaitlistOffer:
    return WaitlistOffer(
        id=row.id, entry_id=row.entry_id, provider_id=row.provider_id, type_id=row.type_id,
        client_id=row.client_id, start=row.starts_at, created_at=row.created_at,
        expires_at=row.expires_at, status=OfferStatus(row.status), notified_at=row.notified_at,
        chat_id=row.chat_id, message_id=row.message_id,
    )


class SqlWaitlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_entry(self, entry: WaitlistEntry) -> WaitlistEntry:
        row = WaitlistEntryRow(
            provider_id=entry.provider_id, type_id=entry.type_id, client_id=entry.client_id,
            date=entry.date, zone=entry.zone, created_at=entry.created_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _entry(row)

    async def entry(self, entry_id: int) -> WaitlistEntry | None:
        row = await self._session.get(WaitlistEntryRow, entry_id, populate_existing=True)
        return None if row is None else _entry(row)

    async def find_entry(
        self, client_id: int, provider_id: int, type_id: int, day: date
    ) -> WaitlistEntry | None:
        row = await self._session.scalar(
            select(WaitlistEntryRow).where(
                WaitlistEntryRow.client_id == client_id,
                WaitlistEntryRow.provider_id == provider_id,
                WaitlistEntryRow.type_id == type_id,
                WaitlistEntryRow.date == day,
            )
        )
        return None if row is None else _entry(row)

    async def remove_entry(self, entry_id: int) -> None:
        await self._session.execute(delete(WaitlistEntryRow).where(WaitlistEntryRow.id == entry_id))

    async def entries_of_client(self, client_id: int, from_day: date) -> list[WaitlistEntry]:
        rows = await self._session.scalars(
            select(WaitlistEntryRow)
            .where(WaitlistEntryRow.client_id == client_id, WaitlistEntryRow.date >= from_day)
            .order_by(WaitlistEntryRow.date, WaitlistEntryRow.id)
        )
        return [_entry(r) for r in rows]

    async def waiting(self, provider_id: int, first: date, last: date) -> list[WaitlistEntry]:
        rows = await self._session.scalars(
            select(WaitlistEntryRow)
            .where(
                WaitlistEntryRow.provider_id == provider_id,
                WaitlistEntryRow.date >= first,
                WaitlistEntryRow.date <= last,
            )
            .order_by(WaitlistEntryRow.created_at, WaitlistEntryRow.id)
        )
        return [_entry(r) for r in rows]

    async def remove_client_entries(self, client_id: int, provider_id: int) -> list[int]:
        ids = list(
            await self._session.scalars(
                select(WaitlistEntryRow.id).where(
                    WaitlistEntryRow.client_id == client_id,
                    WaitlistEntryRow.provider_id == provider_id,
                )
            )
        )
        if ids:
            await self._session.execute(delete(WaitlistEntryRow).where(WaitlistEntryRow.id.in_(ids)))
        return ids

    async def remove_lapsed(self, before: date) -> int:
        result = await self._session.execute(
            delete(WaitlistEntryRow).where(WaitlistEntryRow.date < before)
        )
        return result.rowcount

    async def add_offer(self, offer: WaitlistOffer) -> WaitlistOffer | None:
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(WaitlistOfferRow)
            .values(
                entry_id=offer.entry_id, provider_id=offer.provider_id, type_id=offer.type_id,
                client_id=offer.client_id, starts_at=offer.start, created_at=offer.created_at,
                expires_at=offer.expires_at, status=offer.status.value,
            )
            .on_conflict_do_nothing(index_elements=["client_id", "provider_id", "starts_at"])
            .returning(WaitlistOfferRow.id)
        )
        new_id = (await self._session.execute(statement)).scalar_one_or_none()
        if new_id is None:
            return None
        offer.id = new_id
        return offer

    async def offer(self, offer_id: int) -> WaitlistOffer | None:
        row = await self._session.get(WaitlistOfferRow, offer_id, populate_existing=True)
        return None if row is None else _offer(row)

    async def offered_client_ids(self, provider_id: int, start: datetime) -> set[int]:
        rows = await self._session.scalars(
            select(WaitlistOfferRow.client_id).where(
                WaitlistOfferRow.provider_id == provider_id, WaitlistOfferRow.starts_at == start
            )
        )
        return set(rows)

    async def open_offers(self, provider_id: int | None = None) -> list[WaitlistOffer]:
        query = select(WaitlistOfferRow).where(WaitlistOfferRow.status == OPEN)
        if provider_id is not None:
            query = query.where(WaitlistOfferRow.provider_id == provider_id)
        rows = await self._session.scalars(query.order_by(WaitlistOfferRow.id))
        return [_offer(r) for r in rows]

    async def offers_starting(
        self, provider_id: int, start: datetime, end: datetime
    ) -> list[WaitlistOffer]:
        rows = await self._session.scalars(
            select(WaitlistOfferRow)
            .where(
                WaitlistOfferRow.provider_id == provider_id,
                WaitlistOfferRow.starts_at >= start,
                WaitlistOfferRow.starts_at < end,
            )
            .order_by(WaitlistOfferRow.id)
        )
        return [_offer(r) for r in rows]

    async def providers_with_open_offers(self) -> list[int]:
        rows = await self._session.scalars(
            select(WaitlistOfferRow.provider_id).where(WaitlistOfferRow.status == OPEN).distinct()
        )
        return sorted(rows)

    async def move_offer(self, offer_id: int, to: OfferStatus) -> bool:
        result = await self._session.execute(
            update(WaitlistOfferRow)
            .where(WaitlistOfferRow.id == offer_id, WaitlistOfferRow.status == OPEN)
            .values(status=to.value)
        )
        return result.rowcount == 1

    async def claim_unsent(self, now: datetime, limit: int) -> list[WaitlistOffer]:
        candidates = list(
            await self._session.scalars(
                select(WaitlistOfferRow.id)
                .where(WaitlistOfferRow.status == OPEN, WaitlistOfferRow.notified_at.is_(None))
                .order_by(WaitlistOfferRow.id)
                .limit(limit)
            )
        )
        claimed = []
        for offer_id in candidates:
            result = await self._session.execute(
                update(WaitlistOfferRow)
                .where(WaitlistOfferRow.id == offer_id, WaitlistOfferRow.notified_at.is_(None))
                .values(notified_at=now)
            )
            if result.rowcount == 1:
                found = await self.offer(offer_id)
                if found is not None:
                    claimed.append(found)
        return claimed

    async def release_unsent(self, offer_id: int) -> None:
        await self._session.execute(
            update(WaitlistOfferRow).where(WaitlistOfferRow.id == offer_id).values(notified_at=None)
        )

    async def set_message(self, offer_id: int, chat_id: int, message_id: int) -> None:
        await self._session.execute(
            update(WaitlistOfferRow)
            .where(WaitlistOfferRow.id == offer_id)
            .values(chat_id=chat_id, message_id=message_id)
        )
