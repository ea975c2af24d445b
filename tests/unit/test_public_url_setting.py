"""SLOTBOT_PUBLIC_URL: the base of the providers' feed links, and the host of every event UID."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from core.feed_urls import host_label


@pytest.mark.parametrize(("given", "kept"), [
    ("https://bot.example.org", "https://bot.example.org"),
    ("  https://Bot.Example.org/  ", "https://Bot.Example.org"),
    ("https://example.org:8443/slotbot/", "https://example.org:8443/slotbot"),
    ("http://localhost:8080", "http://localhost:8080"),  # trying it out on one's own machine
    ("", None),
])
def test_a_usable_base_is_kept_without_its_trailing_slash(given, kept):
    assert Settings(public_url=given).public_url == kept


@pytest.mark.parametrize("given", [
    "http://bot.example.org",  # the secret would cross the network in the clear
    "bot.example.org",
    "ftp://bot.example.org",
    "https://user:pw@bot.example.org",
    "https://bot.example.org/?x=1",
    "https://bot.example.org/#top",
    "https://[2001:db8::1]/",  # no host name to put in UIDs
    "https://bad_host.example.org",
])
def test_anything_else_is_refused_at_start(given):
    with pytest.raises(ValidationError, match="public_url"):
        Settings(public_url=given)


def test_the_uid_host_is_the_bases_host_in_lower_case(monkeypatch):
    monkeypatch.delenv("SLOTBOT_PUBLIC_URL", raising=False)
    given = Settings(public_url="https://Bot.Example.org:8443/x").public_url
    assert host_label(given) == "bot.example.org"
    assert host_label(Settings().public_url) == "slotbot"
