"""The fake unit of work's calendar conflicts (:class:`core.ports.CalendarConflictRepository`).

Kept like ``storage/calendar_conflicts.py``: one row per (feed, appointment, start), a
second claim of a key does nothing, and a decision is recorded only once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.model import CalendarConflict

if TYPE_CHECKING:
    from tests.unit.fakes import FakeUnitOfWork


class FakeCalendarConflictRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[int, CalendarConflict]:
        return self._uow.working_state().conflicts

    async def told(self, feed_id: int, since: datetime) -> set[tuple[int, datetime]]:
        return {
            (c.appointment_id, c.start) for c in self._rows.values()
            if c.feed_id == feed_id and c.start >= since
        }

    async def claim(self, conflict: CalendarConflict) -> CalendarConflict | None:
        self._uow.require_write_lock(conflict.provider_id)
        data = self._uow.working_state()
        if conflict.feed_id not in data.calendar.feeds:
            raise AssertionError(f"no calendar feed {conflict.feed_id}")
        if conflict.appointment_id not in data.appointments:
            raise AssertionError(f"no appointment {conflict.appointment_id}")
        key = (conflict.feed_id, conflict.appointment_id, conflict.start)
        if any((c.feed_id, c.appointment_id, c.start) == key for c in self._rows.values()):
            return None
        claimed = replace(conflict, id=self._uow.store.next_id("calendar_conflicts"))
        self._rows[claimed.id] = claimed  # type: ignore[index]
        return claimed

    async def get(self, conflict_id: int) -> CalendarConflict | None:
        conflict = self._rows.get(conflict_id)
        # The feed's removal cascades to its conflicts, as the foreign key does.
        if conflict is None or conflict.feed_id not in self._uow.working_state().calendar.feeds:
            return None
        return conflict

    async def release(self, conflict_id: int) -> None:
        conflict = self._rows.get(conflict_id)
        if conflict is not None:
            self._uow.require_write_lock(conflict.provider_id)
            del self._rows[conflict_id]

    async def decide(self, conflict_id: int, decision: str, now: datetime) -> bool:
        conflict = self._rows.get(conflict_id)
        if conflict is None or conflict.decision is not None:
            return False
        self._uow.require_write_lock(conflict.provider_id)
        self._rows[conflict_id] = replace(conflict, decision=decision, decided_at=now)
        return True
