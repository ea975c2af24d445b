"""What the Telegram side keeps between updates, in the database every bot process shares.

Conversation states, ``user_data`` (as text the caller encodes) and the ids of
updates already taken in. Writes go through :class:`SqlUnitOfWork`'s
``begin_keyed_write``: SQLite's single writer is respected here as everywhere,
and on PostgreSQL these upserts, each decided by its own row's key, take no
global lock (webhook workers write chat state for every update).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.orm import ChatLeaseRow, ConversationStateRow, UpdateSeenRow, UserDataRow
from storage.unit_of_work import SqlUnitOfWork


class TelegramStateStore:
    def __init__(self, uow: Callable[[], SqlUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    def _insert(self, unit: SqlUnitOfWork):  # type: ignore[no-untyped-def]
        return pg_insert if unit.session.bind.dialect.name == "postgresql" else sqlite_insert

    # -- one update's own user and chat, read and written together --------------------

    async def chat_state(
        self, user_id: int, conversations: list[tuple[str, str]]
    ) -> tuple[str | None, dict[tuple[str, str], int]]:
        """The user's stored user_data and the stored states of these (name, key) pairs."""
        async with self._uow() as unit:
            data = await unit.session.scalar(select(UserDataRow.data).where(UserDataRow.user_id == user_id))
            states: dict[tuple[str, str], int] = {}
            if conversations:
                rows = await unit.session.execute(
                    select(
                        ConversationStateRow.name, ConversationStateRow.conversation_key, ConversationStateRow.state
                    ).where(or_(*(
                        (ConversationStateRow.name == name) & (ConversationStateRow.conversation_key == key)
                        for name, key in conversations
                    )))
                )
                states = {(name, key): state for name, key, state in rows}
            return data, states

    async def save_chat_state(
        self,
        user_id: int,
        data: str | None,
        states: list[tuple[str, str, int | None]],
        *,
        user_data: bool = True,
    ) -> None:
        """One write transaction: the user's data (when ``user_data``) and these states."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            if user_data:
                await self._write_user_data(unit, user_id, data)
            for name, key, state in states:
                await self._write_conversation(unit, name, key, state)
            await unit.commit()

    # -- conversations ------------------------------------------------------------------

    async def set_conversation(self, name: str, key: str, state: int | None) -> None:
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            await self._write_conversation(unit, name, key, state)
            await unit.commit()

    async def _write_conversation(self, unit: SqlUnitOfWork, name: str, key: str, state: int | None) -> None:
        if state is None:
            await unit.session.execute(
                delete(ConversationStateRow).where(
                    ConversationStateRow.name == name,
                    ConversationStateRow.conversation_key == key,
                )
            )
            return
        statement = self._insert(unit)(ConversationStateRow).values(
            name=name, conversation_key=key, state=state, updated_at=self._clock()
        )
        await unit.session.execute(
            statement.on_conflict_do_update(
                index_elements=["name", "conversation_key"],
                set_={"state": state, "updated_at": self._clock()},
            )
        )

    # -- user data ----------------------------------------------------------------------

    async def user_data(self, user_id: int) -> str | None:
        async with self._uow() as unit:
            return await unit.session.scalar(
                select(UserDataRow.data).where(UserDataRow.user_id == user_id)
            )

    async def set_user_data(self, user_id: int, data: str | None) -> None:
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            await self._write_user_data(unit, user_id, data)
            await unit.commit()

    async def _write_user_data(self, unit: SqlUnitOfWork, user_id: int, data: str | None) -> None:
        if data is None:
            await unit.session.execute(delete(UserDataRow).where(UserDataRow.user_id == user_id))
            return
        statement = self._insert(unit)(UserDataRow).values(user_id=user_id, data=data, updated_at=self._clock())
        await unit.session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"], set_={"data": data, "updated_at": self._clock()}
            )
        )

    # -- one process per chat at a time -------------------------------------------------

    async def take_chat(self, chat_id: int, holder: str, lease: timedelta) -> bool:
        """Lease the chat to ``holder`` unless another holder's lease is still running."""
        until = self._clock() + lease
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            statement = self._insert(unit)(ChatLeaseRow).values(chat_id=chat_id, holder=holder, expires_at=until)
            statement = statement.on_conflict_do_update(
                index_elements=["chat_id"],
                set_={"holder": holder, "expires_at": until},
                where=ChatLeaseRow.expires_at < self._clock(),
            ).returning(ChatLeaseRow.chat_id)
            taken = (await unit.session.execute(statement)).scalar_one_or_none()
            await unit.commit()
        return taken is not None

    async def release_chat(self, chat_id: int, holder: str) -> None:
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            await unit.session.execute(
                delete(ChatLeaseRow).where(ChatLeaseRow.chat_id == chat_id, ChatLeaseRow.holder == holder)
            )
            await unit.commit()

    # -- updates seen -------------------------------------------------------------------

    async def first_sighting(self, update_id: int) -> bool:
        """``True`` the first time any process asks about ``update_id``, ``False`` after."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            statement = (
                self._insert(unit)(UpdateSeenRow)
                .values(update_id=update_id, seen_at=self._clock())
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(UpdateSeenRow.update_id)
            )
            new = (await unit.session.execute(statement)).scalar_one_or_none()
            await unit.commit()
        return new is not None

    async def forget_update(self, update_id: int) -> None:
        """Processing failed: a redelivery of this update must be processed after all."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            await unit.session.execute(delete(UpdateSeenRow).where(UpdateSeenRow.update_id == update_id))
            await unit.commit()

    async def forget_updates_before(self, moment: datetime) -> int:
        """Telegram gives up redelivering within a day; older ids need not be kept."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            result = await unit.session.execute(
                delete(UpdateSeenRow).where(UpdateSeenRow.seen_at < moment)
            )
            await unit.commit()
        return result.rowcount
