"""Helping a client set their time zone without knowing what an IANA id is.

Three easy ways in, all pure (no Telegram, no database):

* :func:`zone_for_location` - the client shares a location; an offline polygon lookup
  (``timezonefinder``) names the zone.
* :func:`find_zones` - the client types something: an id, a city, a city in Russian or
  Spanish, "UTC". Matched against the tz database's ids and CLDR's exemplar cities.
* :func:`suggested_zones` - buttons to tap, led by the provider's own zone.

:func:`utc_offset_label` renders "UTC+05:30" for showing any of them, which matters most
for the ``Etc/GMT±N`` zones whose sign is inverted (``Etc/GMT+3`` is UTC-03:00).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import UnknownLocaleError, get_global

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

# Ordered by how many people they serve at distinct offsets, so that truncating the
# list (suggested_zones keeps 8) drops the zones most likely duplicated by a language pick:
# Mexico City and Madrid come back first for Spanish speakers.
COMMON_ZONES: tuple[str, ...] = (
    "Europe/London", "Europe/Berlin", "Europe/Moscow", "America/New_York", "America/Sao_Paulo",
    "Asia/Dubai", "Asia/Kolkata", "Australia/Sydney", "America/Mexico_City", "Europe/Madrid",
)
MAX_SUGGESTIONS = 8

# A language says little about where someone is, so only a nudge: these go right after
# the provider's zone. Keyed by the primary subtag of Telegram's ``language_code``.
_LANGUAGE_ZONES: dict[str, tuple[str, ...]] = {
    "ru": ("Europe/Moscow",),
    "uk": ("Europe/Kyiv",),
    "es": ("Europe/Madrid", "America/Mexico_City"),
    "pt": ("America/Sao_Paulo", "Europe/Lisbon"),
    "de": ("Europe/Berlin",),
    "en": ("Europe/London", "America/New_York"),
}

# Names always indexed; a request in another language adds that language's names too.
_INDEX_LOCALES = ("en", "ru", "es")
# Ids offered by search: "Area/City" in these areas and not an alias. Everything else
# (Etc/GMT+5, US/Pacific, CET, ...) is found only when typed exactly.
_AREAS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
                    "Australia", "Europe", "Indian", "Pacific"})
# Old spellings (Kiev, Calcutta, Saigon, Montreal, Tel_Aviv) stay searchable as names of
# the zone that replaced them - except these, whose last part is no city's name.
_ALIAS_NAMES_SKIPPED = frozenset({"Australia/" + n for n in (
    "ACT", "LHI", "NSW", "North", "Queensland", "South", "Tasmania", "Victoria", "West",
    "Yancowinna")} | {"Pacific/Samoa"})
_NOT_TYPEABLE = frozenset({"localtime", "Factory", "posixrules"})  # host-dependent / junk



@cache
def _finder() -> TimezoneFinder:
    # Importing and building take ~0.1 s each (memory-maps the polygon data): do it on
    # first use, once per process, and share the instance (lookups are read-only).
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_for_location(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point, or ``None`` for coordinates that are not a point on earth.

    Uses ``TimezoneFinder.timezone_at``, which per the v9 docs always matches a zone with
    the packaged data: over the open ocean that is a nautical ``Etc/GMT±N`` zone (a fixed
    offset; mind the inverted sign - show :func:`utc_offset_label`, not the id). We keep
    it rather than answer ``None``: it is the right clock on a ship. ``certain_timezone_at``
    is not used - with the packaged data it differs only on polygon edges (poles,
    antimeridian), where it answers ``None`` for no benefit.
    """
    lat = _coordinate(latitude, 90.0)
    lng = _coordinate(longitude, 180.0)
    if lat is None or lng is None:
        return None
    finder = _finder()  # outside the try: missing data is a deployment bug, not bad input
    try:
        name = finder.timezone_at(lng=lng, lat=lat)
    except (ValueError, TypeError):  # the library's own range/type checks
        return None
    return name if name and _loadable(name) else None


def _coordinate(value: object, bound: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


@lru_cache(maxsize=1024)
def _loadable(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: "Europe" is a directory
        return False
    return True


_SEPARATORS = re.compile(r"[\W_]+")  # anything but letters and digits, underscores too
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")  # "St. John’s" ~ "st johns"


def _normalise(text: str) -> str:
    """Case-, accent- and punctuation-blind form: "São_Paulo" and "sao paulo" agree."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(filter(None, _SEPARATORS.split(bare.translate(_APOSTROPHES))))


@cache
def _searchable_zones() -> frozenset[str]:
    aliases = get_global("zone_aliases")
    return frozenset(
        z for z in available_timezones()
        if "/" in z and z.split("/", 1)[0] in _AREAS and z not in aliases
    )


@cache
def _typeable_ids() -> dict[str, str]:
    return {
        z.casefold(): z for z in available_timezones()
        if z not in _NOT_TYPEABLE and not z.startswith(("posix/", "right/"))
    }


@lru_cache(maxsize=16)
def _city_names(locale: str) -> frozenset[tuple[str, str]]:
    """(normalised exemplar city, zone) from CLDR, e.g. ("москва", "Europe/Moscow")."""
    # CLDR keys some zones by old ids (Asia/Calcutta, Europe/Kiev) and Babel's
    # get_timezone_location does not bridge the two; zone_aliases maps them to the
    # current ids, so read Locale.time_zones directly.
    aliases = get_global("zone_aliases")
    zones = _searchable_zones()
    return frozenset(
        (_normalise(data["city"]), aliases.get(key, key))
        for key, data in Locale.parse(locale).time_zones.items()
        if "city" in data and aliases.get(key, key) in zones
    )


@cache
def _base_index() -> tuple[tuple[str, str], ...]:
    """(normalised name, zone) pairs: ids, their last parts, old spellings, en/ru/es cities."""
    zones = _searchable_zones()
    pairs = {(_normalise(z), z) for z in zones}  # "europe berlin"
    pairs |= {(_normalise(z.rsplit("/", 1)[1]), z) for z in zones}  # "berlin"
    pairs |= {
        (_normalise(alias.rsplit("/", 1)[1]), zone)
        for alias, zone in get_global("zone_aliases").items()
        if zone in zones and alias.split("/", 1)[0] == zone.split("/", 1)[0]
        and alias not in _ALIAS_NAMES_SKIPPED
    }
    for locale in _INDEX_LOCALES:
        pairs |= _city_names(locale)
    return tuple(sorted(pairs))


@lru_cache(maxsize=32)
def _index(locale: str) -> tuple[tuple[str, str], ...]:
    try:
        parsed = Locale.parse(str(locale).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):  # an odd locale: base names only
        return _base_index()
    if parsed.language in _INDEX_LOCALES:
        return _base_index()
    return _base_index() + tuple(sorted(_city_names(str(parsed))))


def find_zones(query: str, locale: str = "en", limit: int = 6) -> list[str]:
    """Zones matching what a person typed, best first, at most ``limit``, no duplicates.

    An exact id (any case; legacy ids like "US/Pacific" only this way) comes first, then
    names equal to the query, then names starting with it, then (from 3 characters)
    names containing it. Ties: common zones first, then the shorter name, then the id.
    ``locale`` adds that language's CLDR city names to the always-indexed en/ru/es ones.
    """
    if not isinstance(query, str) or not isinstance(limit, int) or limit <= 0:
        return []
    locale = locale if isinstance(locale, str) else "en"
    best: dict[str, tuple[object, ...]] = {}
    typed_id = _typeable_ids().get(query.strip().casefold())
    if typed_id:
        best[typed_id] = (-1,)
    needle = _normalise(query)
    if needle:
        for name, zone in _index(locale):
            if name == needle:
                tier = 0
            elif name.startswith(needle):
                tier = 1
            elif len(needle) >= 3 and needle in name:
                tier = 2
            else:
                continue
            key = (tier, zone not in COMMON_ZONES, len(name), zone)
            if zone not in best or key < best[zone]:
                best[zone] = key
    return sorted(best, key=best.__getitem__)[:limit]


def suggested_zones(language_code: str | None, provider_zone: str | None) -> list[str]:
    """Up to 8 zones to offer: the provider's (when valid), the language's, the common ones."""
    picks: list[str] = []
    if isinstance(provider_zone, str) and _loadable(provider_zone):
        picks.append(provider_zone)
    if isinstance(language_code, str):
        language = language_code.replace("_", "-").split("-", 1)[0].casefold()
        picks.extend(_LANGUAGE_ZONES.get(language, ()))
    picks.extend(COMMON_ZONES)
    return list(dict.fromkeys(picks))[:MAX_SUGGESTIONS]


def utc_offset_label(zone: str, at: datetime) -> str:
    """The offset of ``zone`` at the instant ``at``: "UTC+01:00", "UTC+05:30", "UTC-03:00".

    ASCII '-' rather than U+2212: it survives copy-paste, search and every Telegram font,
    and matches ISO 8601. Seconds appear only for historical offsets that have them.
    ``at`` must be aware (a naive time would be a guess); an unknown zone is a ValueError.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware, got naive {at!r}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {zone!r}") from exc
    offset = at.astimezone(tz).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    label = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{label}:{secs:02d}" if secs else label
