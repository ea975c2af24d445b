"""Webhook mode: updates POSTed by the stand-in, the secret token, repeats, health and metrics."""

from __future__ import annotations


import aiohttp
import pytest

from bot.app import build_application
from bot.demo import DEMO_CLINIC
from bot.standin import BotApiStandIn
from bot.telegram_run import serving
from conversations.common import Services
from conversations.i18n import texts_for
from core.providers import register_provider
from storage.engine import create_engine, session_factory
from storage.schema import upgrade_schema
from storage.unit_of_work import unit_of_work_factory
from tests.e2e.conftest import fast_rate_limiter, free_port
from tests.e2e.test_client_journey import open_day

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
EN = texts_for("en")
SECRET = "s3cret-token_for-tests"



async def demo_bot(engine, clock):  # type: ignore[no-untyped-def]
    """The demo clinic, a started stand-in and an application for it (not yet serving)."""
    uow = unit_of_work_factory(session_factory(engine), clock)
    for provider in DEMO_CLINIC:
        await register_provider(uow(), provider)
    standin = BotApiStandIn()
    await standin.start()
    application = build_application(
        standin.token, Services(uow, clock), api_url=standin.base_url, poll_jobs=False,
        rate_limiter=fast_rate_limiter(),
    )
    return standin, application


def webhook_serving(application, engine, port):  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{port}/telegram"
    return serving(application, engine, host="127.0.0.1", port=port, webhook=(url, SECRET))


@pytest.fixture
async def webhook_bot(engine, clock):
    standin, application = await demo_bot(engine, clock)
    port = free_port()
    try:
        async with webhook_serving(application, engine, port):
            yield standin, f"http://127.0.0.1:{port}"
    finally:
        await standin.stop()


async def test_updates_arrive_by_webhook_and_get_answers(webhook_bot):
    standin, _ = webhook_bot
    assert standin.webhook.url.endswith("/telegram") and standin.webhook.secret == SECRET
    ana = standin.user(1, "Ana")
    await ana.send("/book")
    assert ana.last.text == EN._("Whom would you like to see?")
    await ana.tap("Dr. Ana Petrova")
    assert "Consultation" in ana.last.button_texts


@pytest.mark.parametrize("header", [None, "wrong", SECRET + "x"])
async def test_a_request_without_the_secret_token_is_refused(webhook_bot, header):
    standin, base = webhook_bot
    update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                            "from": {"id": 5, "is_bot": False, "first_name": "Eve"}, "text": "/book"}}
    headers = {} if header is None else {"X-Telegram-Bot-Api-Secret-Token": header}
    async with aiohttp.ClientSession() as session, session.post(f"{base}/telegram", json=update, headers=headers) as r:
        assert r.status == 403
    assert standin.calls_to("sendMessage") == []  # nothing was processed


async def test_a_repeated_delivery_is_processed_once(webhook_bot):
    standin, base = webhook_bot
    ana = standin.user(2, "Ana")
    await ana.send("/book")
    update_id = max(standin.updates.log)
    sent = len(standin.calls_to("sendMessage"))
    await standin.redeliver(update_id)  # Telegram did not hear our answer in time
    statuses = [d.status for d in standin.webhook.deliveries if d.update_id == update_id]
    assert statuses == [200, 200]  # acknowledged both times ...
    assert len(standin.calls_to("sendMessage")) == sent  # ... answered once
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as r:
        assert "slotbot_duplicate_updates_total" in await r.text()


async def test_health_says_whether_the_database_answers(webhook_bot, tmp_path):
    _, base = webhook_bot
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as r:
            assert r.status == 200 and (await r.json())["database"] == "up"
        async with session.get(f"{base}/metrics") as r:
            body = await r.text()
    assert r.status == 200 and "slotbot_update_seconds" in body


async def test_health_is_503_when_the_database_is_gone(tmp_path, database_url):
    from bot.http_server import http_app, start_http

    engine = create_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    await upgrade_schema(engine)
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # the file is now a directory: SQLite cannot open it
    port = free_port()
    runner = await start_http(http_app(engine), "127.0.0.1", port)
    try:
        await engine.dispose()
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 503 and (await r.json())["database"] == "down"
    finally:
        await runner.cleanup()
        await engine.dispose()


async def test_metrics_count_bookings_cancellations_and_update_latency(webhook_bot):
    from prometheus_client import REGISTRY

    def sample(name, **labels):  # type: ignore[no-untyped-def]
        return REGISTRY.get_sample_value(name, labels) or 0.0

    standin, _ = webhook_bot
    before = (sample("slotbot_bookings_total", via="book"), sample("slotbot_cancellations_total", by="client"),
              sample("slotbot_update_seconds_count"))
    ana = standin.user(3, "Ana")
    await open_day(ana)
    await ana.tap(0)
    await ana.tap("✅ " + EN._("Confirm"))
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap("❌ " + EN._("Cancel"))
    await ana.tap(EN._("Yes, cancel it"))
    after = (sample("slotbot_bookings_total", via="book"), sample("slotbot_cancellations_total", by="client"),
             sample("slotbot_update_seconds_count"))
    assert after[0] - before[0] == 1 and after[1] - before[1] == 1
    assert after[2] - before[2] == 10  # every update timed


async def test_a_failing_handler_is_logged_with_ids_and_without_the_users_text(webhook_bot, caplog):
    from prometheus_client import REGISTRY

    def api_errors() -> float:
        return REGISTRY.get_sample_value("slotbot_bot_api_errors_total", {"error": "NetworkError"}) or 0.0

    standin, _ = webhook_bot
    before = api_errors()
    ana = standin.user(4, "Ana")
    standin.fail_next("sendMessage", error_code=500, description="Internal Server Error", retry_after=None)
    with caplog.at_level("ERROR"):
        await ana.send("/book my secret words")
    (record,) = [r for r in caplog.records if r.name == "bot.app"]
    assert record.getMessage().startswith(f"update {max(standin.updates.log)} (user 4) failed")
    assert "secret words" not in caplog.text
    assert api_errors() - before == 1  # the Bot API's 500, counted once


async def test_shutdown_lets_a_booking_under_way_finish(engine, clock):
    """SIGTERM's path: no new updates are taken, the one being handled completes, then the stop."""
    import asyncio
    import contextlib

    standin, application = await demo_bot(engine, clock)
    port = free_port()
    stack = contextlib.AsyncExitStack()
    await stack.enter_async_context(webhook_serving(application, engine, port))
    try:
        ana = standin.user(9, "Ana")
        await open_day(ana)
        await ana.tap(0)
        slow = standin.hold_next("answerCallbackQuery")  # Telegram is slow to take our answer
        confirm = asyncio.create_task(ana.tap("✅ " + EN._("Confirm")))
        await slow.started.wait()  # the booking's handler is under way
        stopping = asyncio.create_task(stack.aclose())
        async with aiohttp.ClientSession() as session:
            for _ in range(200):  # the server stops listening first: new requests are refused
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz"):
                        pass
                except aiohttp.ClientConnectionError:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the server kept listening during shutdown")
        assert not stopping.done()  # still waiting for the booking
        slow.release()
        await confirm
        await stopping
    finally:
        await standin.stop()
    assert EN._("✅ Booked and confirmed!") in ana.last.text
    async with engine.connect() as connection:
        from sqlalchemy import text

        assert (await connection.execute(text("SELECT status FROM appointments"))).scalars().all() == ["CONFIRMED"]
    assert not application.running
