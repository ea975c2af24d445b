"""initData as Telegram documents it: what is accepted and every way it is refused."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.webapp_auth import InitDataRefused, dev_init_data, sign_init_data, validate_init_data

TOKEN = "123456:TEST-token"
NOW = datetime(2027, 3, 17, 12, 0, tzinfo=UTC)


def _signed(now: datetime = NOW, user_id: int = 42) -> str:
    return dev_init_data(user_id, "Ann", TOKEN, now, language_code="ru")


def test_a_string_signed_with_the_token_names_its_user():
    user = validate_init_data(_signed(), TOKEN, NOW)
    assert (user.id, user.first_name, user.language_code) == (42, "Ann", "ru")
    assert user.auth_date == NOW


def test_the_signature_is_the_documented_algorithm():
    # Computed here independently of the module, step by step as Telegram's page says.
    fields = {"auth_date": str(int(NOW.timestamp())), "query_id": "AAH",
              "user": '{"id":7,"first_name":"Bo"}'}
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    raw = urlencode({**fields, "hash": digest})
    assert validate_init_data(raw, TOKEN, NOW).id == 7
    assert dict(parse_qsl(sign_init_data({**fields}, TOKEN)))["hash"] == digest


@pytest.mark.parametrize("raw", ["", "   "])
def test_missing_is_refused(raw):
    with pytest.raises(InitDataRefused):
        validate_init_data(raw.strip(), TOKEN, NOW)


@pytest.mark.parametrize("raw", ["garbage", "a=1&&b", "%zz=1", "hash", "user=%FF%FE&hash=ab",
                                 "x" * 9000])
def test_malformed_is_refused(raw):
    with pytest.raises(InitDataRefused):
        validate_init_data(raw, TOKEN, NOW)


def test_forged_with_another_token_is_refused():
    with pytest.raises(InitDataRefused, match="signature"):
        validate_init_data(dev_init_data(42, "Ann", "999:other", NOW), TOKEN, NOW)


def test_tampered_user_is_refused():
    pairs = dict(parse_qsl(_signed()))
    pairs["user"] = pairs["user"].replace("42", "43")
    with pytest.raises(InitDataRefused, match="signature"):
        validate_init_data(urlencode(pairs), TOKEN, NOW)


def test_a_missing_hash_is_refused():
    pairs = dict(parse_qsl(_signed()))
    del pairs["hash"]
    with pytest.raises(InitDataRefused):
        validate_init_data(urlencode(pairs), TOKEN, NOW)


def test_a_repeated_key_is_refused():
    raw = _signed() + "&user=%7B%22id%22%3A1%7D"
    with pytest.raises(InitDataRefused):
        validate_init_data(raw, TOKEN, NOW)


def test_older_than_a_day_is_expired_and_a_day_is_not():
    assert validate_init_data(_signed(NOW - timedelta(hours=24)), TOKEN, NOW).id == 42
    with pytest.raises(InitDataRefused, match="expired"):
        validate_init_data(_signed(NOW - timedelta(hours=24, seconds=1)), TOKEN, NOW)


def test_from_the_future_is_refused_beyond_a_minute():
    assert validate_init_data(_signed(NOW + timedelta(seconds=59)), TOKEN, NOW).id == 42
    with pytest.raises(InitDataRefused, match="future"):
        validate_init_data(_signed(NOW + timedelta(minutes=2)), TOKEN, NOW)


@pytest.mark.parametrize("user", ['{"id":"42"}', '{"id":true}', '{"name":"x"}', "[1]", "not json",
                                  '{"id":-5}'])
def test_a_user_without_an_integer_id_is_refused(user):
    raw = sign_init_data({"auth_date": int(NOW.timestamp()), "user": user}, TOKEN)
    with pytest.raises(InitDataRefused):
        validate_init_data(raw, TOKEN, NOW)


def test_no_auth_date_is_refused():
    raw = sign_init_data({"user": {"id": 1}}, TOKEN)
    with pytest.raises(InitDataRefused):
        validate_init_data(raw, TOKEN, NOW)
