"""No database connection is held while the bot waits for Telegram.

A handler that kept its unit of work open across a Bot API call would hold a
pooled connection (on SQLite, maybe the write lock) for a network round trip:
under load the pool runs dry. With one person acting at a time and no jobs,
every connection checked out when a Bot API request arrives is such a leak.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_provider_journey import onboard

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def watch_connections(bot, engine) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    methods = bot.standin._methods

    def watched(name, impl):  # type: ignore[no-untyped-def]
        def call(standin, params, files):  # type: ignore[no-untyped-def]
            seen.append((name, engine.pool.checkedout()))
            return impl(standin, params, files)
        return call

    for key, (name, impl) in list(methods.items()):
        # getUpdates is the poller's, running beside the handlers: not theirs to answer for.
        if impl is not None and name != "getUpdates":
            methods[key] = (name, watched(name, impl))
    return seen


async def test_no_handler_holds_a_connection_while_telegram_answers(bot, engine):
    lena, _ = await onboard(bot)
    seen = watch_connections(bot, engine)
    await lena.send("/hours mon-fri 09:00-12:00")
    await lena.send("/settings")
    tom = bot.user(731, "Tom")
    await tom.send("/start")
    await tom.send("Berlin")
    await tom.send("/book")
    await tom.tap("Dr. Ana Petrova")
    await tom.tap("Consultation")
    await tom.tap("30")
    await tom.tap("9:00\u202fAM")
    await tom.tap("✅ Confirm")
    await tom.send("/my")
    await tom.tap(0)
    await lena.send("/agenda week")
    await tom.send("/language")
    assert len(seen) > 10
    assert [call for call in seen if call[1]] == []
