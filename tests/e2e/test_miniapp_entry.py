"""Opening the Mini App from the chat: /agenda's web_app button and the menu button set
when a provider links, only when the bot has a public HTTPS address."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import running_demo_bot
from tests.e2e.test_provider_journey import onboard

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
OPEN = "🗓 Open my week"


def _menu(bot, user_id):
    button = bot.standin.menu_buttons.get(user_id)
    return json.loads(button) if isinstance(button, str) else button


async def test_a_linked_provider_gets_the_menu_button_and_agendas_button(engine, clock):
    async with running_demo_bot(engine, clock, public_url="https://bot.example.org") as bot:
        lena, _token = await onboard(bot)
        menu = _menu(bot, lena.id)
        assert menu["type"] == "web_app" and menu["text"] == OPEN
        assert menu["web_app"]["url"] == "https://bot.example.org/app/"
        await lena.send("/agenda week")
        assert OPEN in lena.last.button_texts


async def test_without_a_public_https_address_there_is_no_button(engine, clock):
    async with running_demo_bot(engine, clock) as bot:
        lena, _token = await onboard(bot)
        assert _menu(bot, lena.id) is None
        await lena.send("/agenda week")
        assert OPEN not in lena.last.button_texts
