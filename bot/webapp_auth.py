"""Who is calling the Mini App's API: Telegram's signed ``initData``, checked as documented.

Telegram hands the page a query string (``initData``) signed with the bot's token
("Validating data received via the Mini App", core.telegram.org/bots/webapps):

* take ``hash`` out; the other ``key=value`` pairs, sorted by key and joined by
  ``"\\n"``, are the data-check-string;
* secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token);
* the hash is hex(HMAC_SHA256(key=secret_key, msg=data_check_string)).

The comparison is constant-time. ``auth_date`` older than ``max_age`` (24 h by
default) or more than a minute in the future is refused, so a copied string stops
working. ``user`` is JSON with an integer ``id``. ``initDataUnsafe`` (what the page
reads without checking) is never trusted here.

:func:`sign_init_data` builds such a string: tests and the console's development
sign-in use it; ``run`` never does (Telegram signs for real users).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=24)
#: Clocks differ a little; more than this in the future is a forged or broken date.
CLOCK_SKEW = timedelta(minutes=1)
#: Telegram's strings are a few hundred bytes; anything far larger is not one.
MAX_LENGTH = 8192


class InitDataRefused(Exception):
    """The string is missing, malformed, not signed with our token, or too old."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(pairs: dict[str, str]) -> str:
    return "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs))


def _signature(pairs: dict[str, str], bot_token: str) -> str:
    return hmac.new(_secret_key(bot_token), _check_string(pairs).encode(), hashlib.sha256).hexdigest()


def _pairs(raw: str) -> dict[str, str]:
    if not raw or len(raw) > MAX_LENGTH:
        raise InitDataRefused("missing" if not raw else "too long")
    try:
        items = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InitDataRefused("malformed") from None
    pairs = dict(items)
    if len(pairs) != len(items):
        raise InitDataRefused("malformed: a key appears twice")
    return pairs


def validate_init_data(
    raw: str, bot_token: str, now: datetime, max_age: timedelta = MAX_AGE
) -> WebAppUser:
    """The user ``raw`` speaks for, or :class:`InitDataRefused`."""
    pairs = _pairs(raw)
    given = pairs.pop("hash", None)
    if not given:
        raise InitDataRefused("no hash")
    if not hmac.compare_digest(given.encode(), _signature(pairs, bot_token).encode()):
        raise InitDataRefused("bad signature")
    try:
        signed_at = datetime.fromtimestamp(int(pairs["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InitDataRefused("no auth_date") from None
    if signed_at < now - max_age:
        raise InitDataRefused("expired")
    if signed_at > now + CLOCK_SKEW:
        raise InitDataRefused("auth_date in the future")
    try:
        user = json.loads(pairs["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError):
        raise InitDataRefused("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataRefused("no user id")
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name") or ""),
        language_code=language if isinstance(language, str) else None,
        auth_date=signed_at,
    )


def sign_init_data(fields: dict[str, object], bot_token: str) -> str:
    """``fields`` as Telegram would send them, signed with ``bot_token``.

    A dict or list value (``user``) is written as compact JSON, as Telegram does.
    """
    pairs = {
        key: json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if isinstance(value, (dict, list)) else str(value)
        for key, value in fields.items()
    }
    return urlencode({**pairs, "hash": _signature(pairs, bot_token)})


def dev_init_data(user_id: int, first_name: str, bot_token: str, now: datetime,
                  language_code: str = "en") -> str:
    """A signed string for ``user_id`` as of ``now`` (tests, the console's sign-in)."""
    return sign_init_data(
        {
            "auth_date": int(now.timestamp()),
            "query_id": "dev",
            "user": {"id": user_id, "first_name": first_name, "language_code": language_code},
        },
        bot_token,
    )
