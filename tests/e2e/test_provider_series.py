"""Weekly series from the provider's side (issue #14), through the real bot and the stand-in.

The clock stands at Wednesday 2026-11-25 12:00 UTC; Lena works in Europe/Berlin.
"""

from __future__ import annotations

import pytest

from conversations.i18n import texts_for
from tests.e2e.test_provider_journey import lena_with_hours_and_a_type

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")


async def _check_up(bot):
    async with bot.uow() as unit:
        (provider,) = [p for p in await unit.providers.offers() if p.provider.name == "Dr. Lena Vogel"]
    (check_up,) = provider.types
    return check_up


async def test_the_provider_lets_clients_book_a_type_as_a_weekly_series(bot):
    lena = await lena_with_hours_and_a_type(bot)
    assert "Clients may book a weekly series: off" in lena.last.text
    assert not (await _check_up(bot)).allow_series

    await lena.tap("🔁 Allow weekly series")
    assert "Clients may book a weekly series: on" in lena.last.text
    assert (await _check_up(bot)).allow_series

    await lena.tap("✏️ Sessions in a series")
    await lena.send("60")
    assert "not a whole number from 2 to 52" in lena.last.text
    await lena.send("20")
    assert "Maximum sessions in a series: 20" in lena.last.text
    check_up = await _check_up(bot)
    assert (check_up.allow_series, check_up.max_series_occurrences) == (True, 20)

    await lena.tap("🔁 Stop weekly series")
    assert not (await _check_up(bot)).allow_series
