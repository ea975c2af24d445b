"""The cast of a randomised session, and the provider's onboarding.

The provider is onboarded the way a real one is (/invite by the admin, the link opened,
hours set, a type added through the guided steps, bookings confirmed by hand), with a
name and a type name that need escaping. Every action goes through ``Session.step``,
so it is checked like the rest.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import text

from conversations import callbacks as cb

if TYPE_CHECKING:
    from tests.e2e.sessions import Actor, Session

PROVIDER_ID = 700
PROVIDER_NAME = "Dr. Lena <Vogel> & Söhne"
TYPE_NAME = "Check-up <30 min> & more"
CLIENTS = [
    (701, "Tom", "en"),
    (702, "Иван", "ru"),
    (703, "Lucía", "es"),
    (704, "<b>Eve</b> & Mallory", "en"),
    (705, "\u202eZoë 😀\u200b", None),
]


async def onboard_provider(session: Session, admin: Actor) -> Actor:
    from tests.e2e.sessions import Actor

    token = None
    for name in (PROVIDER_NAME, "Dr. Lena Vogel"):
        await session.send(admin, f"/invite DOCTOR Europe/Berlin {name}")
        found = re.search(r"start=(i[\w-]+)", admin.user.last.text or "")
        if found:
            token = found.group(1)
            break
        session.find("setup", f"/invite with the name {name!r} gave no link")
    provider = Actor(session.bot.user(PROVIDER_ID, "Lena", "en"), "provider", "Lena")  # type: ignore[attr-defined]
    if token is None:
        return provider
    session.hints["invites"].append(f"/start {token}")
    await session.send(provider, f"/start {token}")
    await session.send(provider, "/hours mon-fri 09:00-17:00")
    await session.send(provider, "/types")
    if await tap_first(session, provider, lambda b: isinstance(b, cb.TypeEdit) and b.type_id == 0):
        for answer in (TYPE_NAME, "30", "50 EUR"):
            await session.send(provider, answer)
        await tap_first(session, provider, lambda b: isinstance(b, cb.TypeMode) and not b.virtual)
        await session.send(provider, "1")
        # Clients may book it as a weekly series: Repeat, its preview, swaps and skips.
        await session.send(provider, "/types")
        if await tap_first(session, provider, lambda b: isinstance(b, cb.TypeEntry)):
            await tap_first(session, provider, lambda b: isinstance(b, cb.TypeSeries) and b.allow)
    # Requests wait for her: Confirm and Decline buttons, stale ones too, appear.
    await session.send(provider, "/settings")
    if await tap_first(session, provider, lambda b: isinstance(b, cb.SettingChoices), "confirm"):
        await tap_first(session, provider, lambda b: isinstance(b, cb.SetSetting), "hand")
    # A morning digest, so the timed jobs render her day (type names with "<" and "&").
    if await tap_first(session, provider, lambda b: isinstance(b, cb.SettingChoices), "morning"):
        await tap_first(session, provider, lambda b: isinstance(b, cb.SetSetting), "08:00")
    async with session.engine.connect() as connection:  # type: ignore[attr-defined]
        row = (await connection.execute(text(
            "SELECT p.id, count(t.id) FROM providers p LEFT JOIN appointment_types t "
            "ON t.provider_id = p.id WHERE p.telegram_user_id = :tg GROUP BY p.id"
        ), {"tg": PROVIDER_ID})).first()  # fmt: skip
        series = (await connection.execute(text(
            "SELECT count(*) FROM appointment_types t JOIN providers p ON p.id = t.provider_id "
            "WHERE p.telegram_user_id = :tg AND t.allow_series"
        ), {"tg": PROVIDER_ID})).scalar()  # fmt: skip
    if row is None or row[1] == 0:
        session.find("setup", f"the provider is not onboarded with a type: {row}")
    else:
        session.hints["providers"].append(str(row[0]))
    if not series:
        session.find("setup", "no type of the provider allows a weekly series")
    return provider


async def tap_first(session: Session, actor: Actor, wanted, label_part: str = "") -> bool:  # type: ignore[no-untyped-def]
    """Tap the first button of the actor's latest keyboard whose data ``wanted`` accepts
    (and whose label holds ``label_part``, any case)."""
    for message in reversed(actor.user.bot_messages):
        for row in message.buttons:
            for label, data in row:
                if data and wanted(cb.decode(data)) and label_part.lower() in label.lower():
                    await session.tap(actor, data, message.message_id, f"taps {label!r}")
                    return True
        if message.buttons:
            break
    session.find("setup", f"{actor.role} found no such button on: {actor.user.bot_messages[-1:]}")
    return False
