"""The outbox: messages claimed by a unique key, so each goes out once.

Claiming is one INSERT that does nothing on a conflicting key, and retrying is
one conditional UPDATE: of several processes, exactly one wins each message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.reminders import OutboxStatus
from storage.orm import OutboxRow

QUEUED, SENDING, RETRY, UNSURE = (
    OutboxStatus.QUEUED.value,
    OutboxStatus.SENDING.value,
    OutboxStatus.RETRY.value,
    OutboxStatus.UNSURE.value,
)
#: Ids per IN (...) list: well under SQLite's limit on bound parameters.
_CHUNK = 500


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self, key: str, appointment_id: int | None, chat_id: int, now: datetime, token: str
    ) -> int | None:
        """The new row's id, or ``None`` when the key was claimed before (by anyone)."""
        dialect = self._session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(OutboxRow)
            .values(
                dedup_key=key, appointment_id=appointment_id, chat_id=chat_id, status=QUEUED,
                attempts=0, claimed_at=now, claim_token=token,
            )
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(OutboxRow.id)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def claimed_keys(self, appointment_ids: list[int]) -> set[str]:
        """Keys already in the outbox for these appointments, whatever their state."""
        keys: set[str] = set()
        for first in range(0, len(appointment_ids), _CHUNK):
            chunk = appointment_ids[first : first + _CHUNK]
            keys.update(
                await self._session.scalars(
                    select(OutboxRow.dedup_key).where(OutboxRow.appointment_id.in_(chunk))
                )
            )
        return keys

    async def start(self, outbox_id: int, token: str, now: datetime) -> bool:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id, OutboxRow.status == QUEUED, OutboxRow.claim_token == token)
            .values(status=SENDING, claimed_at=now, attempts=OutboxRow.attempts + 1)
        )
        return result.rowcount == 1

    async def due_retries(self, now: datetime, limit: int) -> list[tuple[int, str, int | None, int]]:
        rows = await self._session.execute(
            select(OutboxRow.id, OutboxRow.dedup_key, OutboxRow.appointment_id, OutboxRow.chat_id)
            .where(OutboxRow.status == RETRY, OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at)
            .limit(limit)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    async def reclaim(self, outbox_id: int, now: datetime, token: str) -> bool:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id, OutboxRow.status == RETRY)
            .values(status=QUEUED, claimed_at=now, claim_token=token)
        )
        return result.rowcount == 1

    async def finish(
        self,
        outbox_id: int,
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                status=status,
                sent_at=now if status == OutboxStatus.SENT.value else None,
                last_error=error,
                next_attempt_at=next_attempt_at,
            )
        )

    async def abandon_stale(self, claimed_before: datetime, now: datetime) -> tuple[int, int]:
        """Claims whose worker died: ``(marked UNSURE, handed back)``.

        A message whose send had begun may or may not have gone out; sending it
        again could double it, so it is marked UNSURE (and logged), never resent.
        One that was only queued was never attempted: it goes back to be sent.
        """
        unsure = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == SENDING, OutboxRow.claimed_at < claimed_before)
            .values(status=UNSURE)
        )
        requeued = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == QUEUED, OutboxRow.claimed_at < claimed_before)
            .values(status=RETRY, next_attempt_at=now)
        )
        return unsure.rowcount, requeued.rowcount

    async def forget_chat(self, chat_id: int) -> None:
        await self._session.execute(delete(OutboxRow).where(OutboxRow.chat_id == chat_id))

    async def attempts(self, outbox_id: int) -> int:
        return await self._session.scalar(select(OutboxRow.attempts).where(OutboxRow.id == outbox_id)) or 0
