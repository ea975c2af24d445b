"""What a provider types into /types' steps: prices, minutes, seats, sessions, names.

Pure parsing (no Telegram): each returns the value, or ``None``/a ``ParseError`` saying
what was wrong, for ``provider_types.py`` to ask again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

from conversations.provider_parsing import ParseError
from core.model import MAX_APPOINTMENT_MINUTES, MAX_SERIES_OCCURRENCES, AppointmentType
from core.series import MIN_OCCURRENCES

NAME_MAX_CHARS = 80
MIN_MINUTES, MAX_MINUTES = 5, MAX_APPOINTMENT_MINUTES
MAX_SEATS = 100

Price = tuple[Decimal | None, str | None]  # (amount, ISO 4217 code); (None, None) is free
FREE: Price = (None, None)
FREE_WORDS = frozenset({"free", "0", "бесплатно", "gratis", "gratuito"})
CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "₽": "RUB"}
_AMOUNT = r"([0-9]{1,7}(?:[.,][0-9]{1,2})?)"  # "1,000" is no price: too ambiguous
_CODE = r"([A-Za-z]{3}|[€£₽])"
_AMOUNT_FIRST = re.compile(rf"^{_AMOUNT}\s*{_CODE}?$")
_CODE_FIRST = re.compile(rf"^{_CODE}\s*{_AMOUNT}$")
_MINUTES = re.compile(r"^([0-9]{1,4})\s*(?:m|min|mins|minutes?|minutos?|мин|минут[аы]?)?\.?$")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_price(
    text: str, default_currency: str | None = None, free_words: frozenset[str] = FREE_WORDS
) -> Price | ParseError:
    """``60 EUR``, ``35,50 eur``, ``EUR 60``, ``60€`` → (amount, code); free or zero → FREE.

    A bare number takes ``default_currency``. ``ParseError.code``: "form" (not a price),
    "no_currency" (bare number, no default), "currency" (not ISO 4217), "decimals" (9.5 JPY).
    """
    raw = " ".join(text.split())
    if raw.casefold() in free_words:
        return FREE
    if match := _AMOUNT_FIRST.match(raw):
        amount_text, code = match.group(1), match.group(2)
    elif match := _CODE_FIRST.match(raw):
        code, amount_text = match.group(1), match.group(2)
    else:
        return ParseError("form", raw)
    amount = Decimal(amount_text.replace(",", "."))
    currency = CURRENCY_SIGNS.get(code, code.upper()) if code else default_currency
    if currency and currency not in _currencies():
        return ParseError("currency", currency)
    if amount == 0:
        return FREE
    if not currency:
        return ParseError("no_currency", amount_text)
    if amount % (Decimal(10) ** -get_currency_precision(currency)):
        return ParseError("decimals", currency)
    return amount, currency


def parse_minutes(text: str) -> int | None:
    """A whole number of minutes from 5 to 1440 ("45", "45 min"); ``None`` otherwise."""
    match = _MINUTES.match(" ".join(text.split()).casefold())
    minutes = int(match.group(1)) if match else 0
    return minutes if MIN_MINUTES <= minutes <= MAX_MINUTES else None


def parse_seats(text: str) -> int | None:
    """How many clients at once: a whole number from 1 to 100; ``None`` otherwise."""
    text = text.strip()
    seats = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    return seats if 1 <= seats <= MAX_SEATS else None


def parse_sessions(text: str) -> int | None:
    """The most sessions a weekly series may have: a whole number from 2 to 52."""
    text = text.strip()
    sessions = int(text) if text.isascii() and text.isdigit() and len(text) <= 2 else 0
    return sessions if MIN_OCCURRENCES <= sessions <= MAX_SERIES_OCCURRENCES else None


def clean_name(text: str) -> str | None:
    """A type's name with its spaces tidied, 1 to 80 characters; ``None`` otherwise."""
    name = " ".join(text.split())
    return name if 1 <= len(name) <= NAME_MAX_CHARS else None


def default_currency(types: list[AppointmentType], type_id: int | None = None) -> str | None:
    """What a bare number means: type ``type_id``'s currency, else the latest priced type's."""
    priced = sorted((a for a in types if a.currency and a.price is not None),
                    key=lambda a: a.id or 0)
    chosen = [a for a in priced if a.id == type_id] or priced
    return chosen[-1].currency if chosen else None
