"""SQLAlchemy repository of calendar conflicts: bookings a provider was told a busy time
of their own calendar falls on (see migration 0009)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import CalendarConflict
from storage.orm import CalendarConflictRow

_ROW = CalendarConflictRow
_KEY = ["feed_id", "appointment_id", "starts_at"]
_NO_SYNC = {"synchronize_session": False}


def _conflict(row: Any) -> CalendarConflict:
    return CalendarConflict(
        id=row.id, feed_id=row.feed_id, provider_id=row.provider_id,
        appointment_id=row.appointment_id, start=row.starts_at, told_at=row.told_at,
        decision=row.decision, decided_at=row.decided_at,
    )


class SqlCalendarConflictRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def told(self, feed_id: int, since: datetime) -> set[tuple[int, datetime]]:
        rows = await self._session.execute(
            select(_ROW.appointment_id, _ROW.starts_at).where(
                _ROW.feed_id == feed_id, _ROW.starts_at >= since
            )
        )
        return {(appointment_id, start) for appointment_id, start in rows}

    async def claim(self, conflict: CalendarConflict) -> CalendarConflict | None:
        # One INSERT that does nothing on an existing key: whoever inserted first tells.
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(_ROW)
            .values(
                feed_id=conflict.feed_id, provider_id=conflict.provider_id,
                appointment_id=conflict.appointment_id, starts_at=conflict.start,
                told_at=conflict.told_at,
            )
            .on_conflict_do_nothing(index_elements=_KEY)
            .returning(_ROW.id)
        )
        new_id = (await self._session.execute(statement)).scalar_one_or_none()
        return None if new_id is None else CalendarConflict(
            new_id, conflict.feed_id, conflict.provider_id, conflict.appointment_id,
            conflict.start, conflict.told_at,
        )

    async def get(self, conflict_id: int) -> CalendarConflict | None:
        row = (
            await self._session.execute(select(_ROW.__table__).where(_ROW.id == conflict_id))
        ).first()
        return None if row is None else _conflict(row)

    async def release(self, conflict_id: int) -> None:
        await self._session.execute(
            delete(_ROW).where(_ROW.id == conflict_id), execution_options=_NO_SYNC
        )

    async def decide(self, conflict_id: int, decision: str, now: datetime) -> bool:
        result = await self._session.execute(
            update(_ROW)
            .where(_ROW.id == conflict_id, _ROW.decision.is_(None))
            .values(decision=decision, decided_at=now),
            execution_options=_NO_SYNC,
        )
        return bool(result.rowcount == 1)
