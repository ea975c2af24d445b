"""The secret of a provider's feed URL: only its hash is kept, junk is refused unhashed."""

from __future__ import annotations

import hashlib

import pytest

from core import feed_tokens
from core.feed_tokens import is_feed_token, new_feed_token, token_hash, tokens_match


def test_new_tokens_are_url_safe_and_differ():
    tokens = {new_feed_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 43  # 32 random bytes
        assert is_feed_token(token)
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_stored_hash_is_not_the_token_and_is_sha256_hex():
    token = new_feed_token()
    stored = token_hash(token)
    assert stored != token and token not in stored
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert len(stored) == 64  # fits the String(64) column invites use
    assert token_hash(token) == stored  # storage looks it up: it must be stable


def test_the_right_token_matches_its_hash():
    token = new_feed_token()
    assert tokens_match(token, token_hash(token))


def test_another_token_does_not_match():
    token, other = new_feed_token(), new_feed_token()
    assert not tokens_match(other, token_hash(token))
    assert not tokens_match(token, token_hash(token).upper())  # not what we store
    # one character off
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    assert not tokens_match(flipped, token_hash(token))


def test_the_hash_itself_is_no_key():
    token = new_feed_token()
    assert not tokens_match(token_hash(token), token_hash(token))


def test_no_link_yet_matches_nothing():
    assert not tokens_match(new_feed_token(), None)
    assert not tokens_match(new_feed_token(), "")


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "short",
        "A" * 42,
        "A" * 44,
        "A" * 10_000,
        "A" * 42 + "=",  # padded base64
        "A" * 42 + "+",  # base64, not base64url
        "A" * 42 + "/",
        "../" + "A" * 40,
        "A" * 42 + "%",
        "A" * 42 + "\n",
        "A" * 42 + " ",
        "A" * 42 + "é",
        "Ａ" * 43,  # full-width letters are not ASCII
        None,
        43,
        b"A" * 43,
    ],
)
def test_malformed_tokens_are_refused(presented):
    assert not is_feed_token(presented)
    # refused before any hashing: even a "hash" made from the junk does not match
    stored = hashlib.sha256(str(presented).encode()).hexdigest()
    assert not tokens_match(presented, stored)


def test_a_well_formed_token_we_never_issued_is_just_unknown():
    assert is_feed_token("A" * 43) and is_feed_token("-_" * 21 + "z")
    assert not tokens_match("A" * 43, token_hash("B" * 43))


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []
    real = feed_tokens.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(feed_tokens.hmac, "compare_digest", spy)
    token = new_feed_token()
    assert tokens_match(token, token_hash(token))
    assert calls == [(token_hash(token), token_hash(token))]
