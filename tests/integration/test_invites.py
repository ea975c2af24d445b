"""Invites: single use, expiring, stored only as a hash — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from core.errors import InviteInvalid, NotAuthorised
from core.model import NewProvider, Provider, ProviderType
from core.onboarding import invite_provider, provider_for_user, redeem_invite
from tests.conftest import FIXED_NOW


def lena() -> NewProvider:
    return NewProvider(Provider(None, "Dr. Lena Vogel", ProviderType.DOCTOR, "Europe/Berlin"))


async def test_an_invite_links_once_and_the_same_person_may_tap_it_again(uow):
    provider, token = await invite_provider(uow(), lena(), now=FIXED_NOW)
    linked = await redeem_invite(uow(), token, 42, now=FIXED_NOW, language="ru")
    assert linked.id == provider.id and linked.language == "ru"
    assert (await provider_for_user(uow(), 42)).id == provider.id
    assert (await redeem_invite(uow(), token, 42, now=FIXED_NOW, language=None)).id == provider.id
    with pytest.raises(InviteInvalid) as used:
        await redeem_invite(uow(), token, 43, now=FIXED_NOW, language=None)
    assert used.value.reason == "used"


async def test_expired_and_unknown_invites_are_refused(uow):
    _provider, token = await invite_provider(uow(), lena(), now=FIXED_NOW)
    with pytest.raises(InviteInvalid) as expired:
        await redeem_invite(uow(), token, 42, now=FIXED_NOW + timedelta(days=7), language=None)
    assert expired.value.reason == "expired"
    with pytest.raises(InviteInvalid) as unknown:
        await redeem_invite(uow(), "not-a-token", 42, now=FIXED_NOW, language=None)
    assert unknown.value.reason == "unknown"


async def test_one_account_runs_one_provider(uow):
    _first, token = await invite_provider(uow(), lena(), now=FIXED_NOW)
    _second, other = await invite_provider(uow(), lena(), now=FIXED_NOW)
    await redeem_invite(uow(), token, 42, now=FIXED_NOW, language=None)
    with pytest.raises(NotAuthorised):
        await redeem_invite(uow(), other, 42, now=FIXED_NOW, language=None)


async def test_only_a_hash_of_the_token_is_stored(uow, engine):
    _provider, token = await invite_provider(uow(), lena(), now=FIXED_NOW)
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT token_hash FROM invites"))).scalar_one()
    assert token not in stored and len(stored) == 64
