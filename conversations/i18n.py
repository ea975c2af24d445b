"""Internationalisation: translated texts and locale-aware formatting, all through Babel.

Locales are ``SUPPORTED_LOCALES``; anything else falls back to English. The locale
is resolved once per update (:func:`resolve_locale`) and handlers get a cached
:class:`Texts` for it (:func:`texts_for`), which translates (gettext) and formats
dates, times, prices, durations and zone names the way that locale writes them.

Catalogs are ``<locales dir>/<lang>/LC_MESSAGES/messages.po``, compiled in memory
when a locale is first used (no ``.mo`` files, no build step; fuzzy entries are
ignored). The locales dir is ``$SLOTBOT_LOCALES_DIR`` when set, else the catalogs
shipped with the code: ``locales/`` at the repository root in a checkout, the same
files as ``conversations/locales/`` in an installed package (``pip install .``).
A missing catalog means English (with a warning in the log).

Adding or changing a message: ``scripts/update-catalogs``, then translate the new
entries; ``tests/i18n/test_catalogs.py`` fails until every catalog is complete.
"""

from __future__ import annotations

import gettext as _gettext
import logging
import os
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global
from babel.dates import format_date as _babel_format_date
from babel.dates import format_skeleton, get_timezone_gmt
from babel.dates import format_time as _babel_format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.units import format_unit

log = logging.getLogger(__name__)

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ru", "es")
DEFAULT_LOCALE = "en"
LOCALES_DIR_ENV = "SLOTBOT_LOCALES_DIR"
DOMAIN = "messages"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Each language's name in that language, for the language picker: "Русский".
LOCALE_NAMES: dict[str, str] = {
    code: _capitalised(Locale.parse(code).get_display_name(code)) for code in SUPPORTED_LOCALES
}


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it (translate later with ``t._``)."""
    return msgid


# ---------------------------------------------------------------------------- locale choice


def _supported_language(code: str | None) -> str | None:
    if not code:
        return None
    language = code.strip().replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def resolve_locale(saved: str | None, telegram_code: str | None) -> str:
    """The locale to speak: the saved choice, else Telegram's language, else English.

    Only the language part counts ("es-ES" → "es"); unsupported ones ("pt-BR")
    fall through to the next source.
    """
    return _supported_language(saved) or _supported_language(telegram_code) or DEFAULT_LOCALE


# ---------------------------------------------------------------------------- catalogs


def locales_dir() -> Path:
    """Where catalogs live: ``$SLOTBOT_LOCALES_DIR``, else the ones this code came with.

    An installed package has them in ``conversations/locales/`` (pyproject.toml maps
    the checkout's ``locales/`` there); a checkout, or an editable install of one,
    has only the top-level ``locales/`` beside ``conversations/``.
    """
    override = os.environ.get(LOCALES_DIR_ENV)
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "locales"
    return packaged if packaged.is_dir() else here.parent / "locales"


def catalog_path(locale: str, directory: Path | None = None) -> Path:
    return (directory or locales_dir()) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale: str, directory: Path | None = None) -> _gettext.NullTranslations:
    """``locale``'s catalog; untranslated or fuzzy entries give the msgid.

    A compiled ``messages.mo`` beside the ``.po`` (the Docker image has one) is
    used when it is at least as new; otherwise the ``.po`` is compiled in memory.
    """
    path = catalog_path(locale, directory)
    compiled_file = path.with_suffix(".mo")
    if compiled_file.is_file() and (
        not path.is_file() or compiled_file.stat().st_mtime >= path.stat().st_mtime
    ):
        with compiled_file.open("rb") as mo:
            return _gettext.GNUTranslations(mo)
    if not path.is_file():
        log.warning("no catalog %s: %r texts will be in English", path, locale)
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


@lru_cache(maxsize=None)
def _texts(locale: str) -> Texts:
    translations = load_translations(locale)
    if locale != DEFAULT_LOCALE:
        translations.add_fallback(_texts(DEFAULT_LOCALE)._translations)
    return Texts(locale, translations)


def texts_for(locale: str | None) -> Texts:
    """The (cached) :class:`Texts` for ``locale``; unsupported codes get English."""
    return _texts(resolve_locale(locale, None))


def preload_catalogs() -> None:
    """Compile every catalog now (at start-up) rather than on first use."""
    for locale in SUPPORTED_LOCALES:
        texts_for(locale)


def reload_catalogs() -> None:
    """Forget compiled catalogs (after editing .po files, or in tests)."""
    _texts.cache_clear()


# ---------------------------------------------------------------------------- formatting


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _aware(instant: datetime) -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"expected an aware datetime, got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: pass an aware instant and a zone name")
    return instant


@lru_cache(maxsize=512)
def _cldr_zone_keys(tz: str) -> tuple[str, ...]:
    """``tz`` and its aliases: CLDR names zones by old ids ("Asia/Calcutta" for Kolkata)."""
    aliases: dict[str, str] = get_global("zone_aliases")
    canonical = aliases.get(tz, tz)
    keys = [tz, canonical, *(old for old, new in aliases.items() if new == canonical)]
    return tuple(dict.fromkeys(keys))


_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
                        "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0",
                        "Etc/GMT-0", "Etc/Greenwich", "Greenwich", "GMT0", "GMT+0", "GMT-0"})


class Texts:
    """Everything a handler needs to speak one locale: translations and formatters.

    Formatters take *aware* instants plus the IANA zone to show them in; a date
    is a calendar date already in the right zone.
    """

    __slots__ = ("locale", "_babel", "_translations")

    def __init__(self, locale: str, translations: _gettext.NullTranslations | None = None):
        self.locale = locale
        self._babel = Locale.parse(locale)
        if translations is None:
            translations = _gettext.NullTranslations()
        self._translations = translations

    def __repr__(self) -> str:
        return f"Texts({self.locale!r})"

    # -- translation ------------------------------------------------------------------

    def gettext(self, msgid: str) -> str:
        """``msgid`` translated (the msgid itself when there is no translation)."""
        return self._translations.gettext(msgid)

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a countable message that fits ``n`` (Russian has three)."""
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, msgid: str) -> str:
        """``msgid`` translated in ``context`` (same English, different meanings)."""
        return self._translations.pgettext(context, msgid)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._translations.npgettext(context, singular, plural, n)

    # -- dates and times --------------------------------------------------------------

    def format_date(self, day: date, format: str = "full") -> str:
        """A calendar date: "full" → "Friday, December 4, 2026" / "пятница, 4 декабря 2026 г."."""
        if isinstance(day, datetime):
            raise TypeError(
                "format_date takes a date; for an instant use format_day_header(instant, zone)"
            )
        return _babel_format_date(day, format, locale=self._babel)

    def format_time(self, instant: datetime, tz: str) -> str:
        """Hours and minutes in zone ``tz``, 12- or 24-hour as the locale writes them."""
        return _babel_format_time(_aware(instant), "short", tzinfo=_zone(tz), locale=self._babel)

    def format_datetime(self, instant: datetime, tz: str, format: str = "medium") -> str:
        """Date (in ``format``) and short time in zone ``tz``: "Dec 4, 2026, 1:00 PM"."""
        local = _aware(instant).astimezone(_zone(tz))
        pattern = str(self._babel.datetime_formats[format]).replace("'", "")
        return pattern.replace("{0}", self.format_time(instant, tz)).replace(
            "{1}", _babel_format_date(local.date(), format, locale=self._babel)
        )

    def format_day_header(self, when: date | datetime, tz: str) -> str:
        """The full date of ``when`` (an instant is taken in zone ``tz``)."""
        if isinstance(when, datetime):
            when = _aware(when).astimezone(_zone(tz)).date()
        return self.format_date(when, "full")

    def month_year(self, year: int, month: int) -> str:
        """A calendar heading: "December 2026" / "декабрь 2026 г." / "diciembre de 2026"."""
        return format_skeleton("yMMMM", date(year, month, 1), locale=self._babel)

    def weekday_abbreviations(self, width: str = "abbreviated") -> list[str]:
        """Stand-alone weekday names, Monday first: Mon…Sun / пн…вс / lun…dom."""
        names = self._babel.days["stand-alone"][width]
        return [names[i] for i in range(7)]

    # -- numbers --------------------------------------------------------------------------

    def format_price(self, amount: Decimal | int, currency: str) -> str:
        """An amount of ``currency`` (ISO 4217): "€45.00" / "45,00 €"."""
        return format_currency(amount, currency, locale=self._babel)

    def format_duration(self, minutes: int) -> str:
        """A length of time in words: "30 minutes", "1 hour and 30 minutes", "2 часа"."""
        if minutes < 0:
            raise ValueError(f"negative duration: {minutes}")
        hours, rest = divmod(minutes, 60)
        parts = []
        if hours:
            parts.append(format_unit(hours, "duration-hour", locale=self._babel))
        if rest or not hours:
            parts.append(format_unit(rest, "duration-minute", locale=self._babel))
        return format_list(parts, style="standard", locale=self._babel)

    # -- time zones -----------------------------------------------------------------------

    def zone_name(self, tz: str) -> str:
        """A short readable name for zone ``tz``: its city ("Berlin" / "Берлин"), or "UTC"."""
        if tz in _UTC_NAMES:
            return "UTC"
        zones = self._babel.time_zones
        for key in _cldr_zone_keys(tz):
            city = zones.get(key, {}).get("city")
            if city:
                return city
        if tz.startswith("Etc/"):  # fixed offsets; note Etc/GMT+3 is three hours *behind*
            return get_timezone_gmt(datetime.now(_zone(tz)), "long", locale=self._babel)
        return tz.rsplit("/", 1)[-1].replace("_", " ")

    def zone_offset(self, tz: str, instant: datetime) -> str:
        """Zone ``tz``'s UTC offset at ``instant`` as the locale writes it: "GMT+01:00"."""
        local = _aware(instant).astimezone(_zone(tz))
        return get_timezone_gmt(local, "long", locale=self._babel)

    def zone_label(self, tz: str, instant: datetime) -> str:
        """Name and offset at ``instant``, for zone pickers: "Berlin (GMT+01:00)"."""
        name, offset = self.zone_name(tz), self.zone_offset(tz, instant)
        return name if name == offset else f"{name} ({offset})"
