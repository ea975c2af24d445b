"""The timed calendar feed sync: wired with the other jobs, quiet once the bot stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bot.app import build_application
from conversations.common import Services
from conversations.delivery import STOPPING
from conversations.feed_sync_job import FEED_SYNC_JOB, feed_sync_job
from core.calendar_sync import FeedAccess, add_feed
from core.model import NewProvider, Provider, ProviderType
from core.providers import register_provider
from tests.unit.fakes import FakeUnitOfWorkFactory
from tests.unit.feed_helpers import ScriptedFetch, body, https_only, ics

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TOKEN = "123456:ABC-test-token"


def access(fetch: ScriptedFetch, minutes: int = 10) -> FeedAccess:
    return FeedAccess(https_only, fetch, timedelta(minutes=minutes))


async def one_feed(uows: FakeUnitOfWorkFactory) -> int:
    provider, _types = await register_provider(
        uows(), NewProvider(Provider(None, "Dr. Job", ProviderType.DOCTOR, "Europe/Berlin"))
    )
    url = "https://cal.example.org/a.ics"
    feed = await add_feed(uows(), provider.id, url, now=NOW, check_url=https_only)
    return feed.id  # type: ignore[return-value]


def test_the_sync_job_runs_every_configured_interval_only_when_feeds_are_wired():
    uows = FakeUnitOfWorkFactory()
    feeds = access(ScriptedFetch([]), 7)
    wired = build_application(TOKEN, Services(uows, lambda: NOW, feeds=feeds))
    (job,) = wired.job_queue.get_jobs_by_name(FEED_SYNC_JOB)  # type: ignore[union-attr]
    assert job.job.trigger.interval == timedelta(minutes=7)
    plain = build_application(TOKEN, Services(uows, lambda: NOW))
    assert plain.job_queue.get_jobs_by_name(FEED_SYNC_JOB) == ()  # type: ignore[union-attr]


async def test_the_job_syncs_due_feeds_and_starts_no_fetch_once_the_bot_stops():
    uows = FakeUnitOfWorkFactory()
    feed_id = await one_feed(uows)
    tomorrow = NOW + timedelta(days=1)
    fetch = ScriptedFetch([body(ics(("m", tomorrow, tomorrow + timedelta(hours=1))))])
    services = Services(uows, lambda: NOW, feeds=access(fetch))
    stopping = SimpleNamespace(bot_data={"services": services, STOPPING: 1.0})
    await feed_sync_job(stopping)  # type: ignore[arg-type]
    assert fetch.calls == []
    await feed_sync_job(SimpleNamespace(bot_data={"services": services}))  # type: ignore[arg-type]
    assert len(fetch.calls) == 1
    async with uows() as unit:
        assert len(await unit.feeds.busy(feed_id)) == 1
