"""The one path from what a person typed or named to a Telegram message or button.

Messages are sent with ``parse_mode=HTML``: every ``<``, ``>`` and ``&`` a person typed
must be escaped, or Telegram answers 400 "can't parse entities" and the message is lost.
Button labels are the opposite: Telegram shows them as plain text, so escaping them
would show ``&amp;`` to the user. Hence two functions for the two destinations:

* :func:`escape` — a typed or named value going into HTML text (names, notes, reasons,
  type names, addresses, cities);
* :func:`label` — any text going onto a button (plain, one line, short).

Both cut overlong values on grapheme boundaries (an emoji ZWJ sequence or a letter with
its accents is never split) *before* escaping, so an entity is never cut in half.
:func:`fit` is the last guard for a whole message: it cuts built HTML to Telegram's
limit without cutting inside a tag or an entity, and closes the tags it left open.

Telegram counts lengths in UTF-16 code units (an emoji outside the BMP counts two).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

MESSAGE_LIMIT = 4096  # a message's text, after its markup is parsed
CAPTION_LIMIT = 1024  # a document's caption
ANSWER_LIMIT = 200  # the toast of a callback query answer
MAX_BUTTONS = 100  # an inline keyboard's buttons, all rows together
LABEL_LIMIT = 48  # a button label: Telegram clients cut longer ones mid-word anyway
NAME_LIMIT = 200  # a name, type, address or city in a message (a provider name's own limit)
NOTE_LIMIT = 500  # a note or a reason (what the prompts accept)
LIST_NAME_LIMIT = 40  # a name in one line of a list: the full one is one tap away
ELLIPSIS = "…"

# Embedding, override and isolate controls: typed into a name, U+202E would reverse the
# rest of the bot's line ("Status: confirmed" read backwards). The marks U+200E/U+200F
# are harmless and part of how right-to-left names are written, so they stay.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
_MARKUP = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _joins_previous(char: str, previous: str, regional_run: int) -> bool:
    """Whether ``char`` continues the grapheme ``previous`` belongs to (a close
    approximation of UAX #29: marks, ZWJ sequences, variation selectors, skin tones,
    emoji tags, flags as pairs of regional indicators, CR LF)."""
    code = ord(char)
    if previous == "\u200d" or char == "\u200d":
        return True
    if unicodedata.category(char) in ("Mn", "Me", "Mc"):
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, emoji tags
        return True
    if 0x1F1E6 <= code <= 0x1F1FF:  # a flag is two regional indicators
        return regional_run % 2 == 1
    return previous == "\r" and char == "\n"


def graphemes(text: str) -> Iterator[str]:
    """``text`` split into user-perceived characters."""
    cluster, regional_run = "", 0
    for char in text:
        if cluster and not _joins_previous(char, cluster[-1], regional_run):
            yield cluster
            cluster = ""
        regional_run = regional_run + 1 if 0x1F1E6 <= ord(char) <= 0x1F1FF else 0
        cluster += char
    if cluster:
        yield cluster


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in "…" when cut."""
    if utf16_len(text) <= limit:
        return text
    kept, used, room = [], 0, limit - utf16_len(ELLIPSIS)
    for cluster in graphemes(text):
        size = utf16_len(cluster)
        if used + size > room:
            break
        kept.append(cluster)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def plain(text: object) -> str:
    """A typed value made safe to show: bidi controls removed, ``None`` as empty."""
    if text is None:
        return ""
    return str(text).translate(_BIDI_CONTROLS)


def escape(text: object, limit: int = NAME_LIMIT) -> str:
    """What a person typed or named, for HTML text: cut to ``limit``, then escaped."""
    return html.escape(shorten(plain(text), limit), quote=False)


def label(text: object, limit: int = LABEL_LIMIT, empty: str = "…") -> str:
    """Text for a button: plain (never HTML-escaped), on one line, at most ``limit``.

    Only line breaks and runs of spaces are folded: Babel's narrow no-break space in
    "9:00 AM" stays. A label with nothing visible (spaces, zero-width marks) is ``empty``.
    """
    line = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", plain(text))).strip(" ")
    if not any(unicodedata.category(c)[0] not in "ZC" for c in line):
        return empty
    return shorten(line, limit)


def visible_len(markup: str) -> int:
    """The length Telegram counts for HTML ``markup``: tags dropped, entities decoded."""
    return utf16_len(html.unescape(re.sub(r"<[^<>]*>", "", markup)))


def fit(markup: str, limit: int = MESSAGE_LIMIT) -> str:
    """HTML ``markup`` cut so that Telegram counts at most ``limit`` for it.

    Lists page or stop early on their own; this is the guard for everything else. It cuts
    between graphemes, never inside a tag or an entity, ends with "…" and closes the
    tags still open at the cut.
    """
    if visible_len(markup) <= limit:
        return markup
    room = limit - utf16_len(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for token, is_markup in _tokens(markup):
        if is_markup and token.startswith("<"):
            out.append(token)
            closing, name = _tag(token)
            if closing and open_tags and open_tags[-1] == name:
                open_tags.pop()
            elif not closing:
                open_tags.append(name)
            continue
        size = utf16_len(html.unescape(token)) if is_markup else utf16_len(token)
        if used + size > room:
            break
        out.append(token)
        used += size
    text = "".join(out).rstrip() + ELLIPSIS
    return text + "".join(f"</{name}>" for name in reversed(open_tags))


def _tag(token: str) -> tuple[bool, str]:
    match = _TAG_NAME.match(token)
    if match is None:
        return False, ""
    return match.group(1) == "/", match.group(2).lower()


def _tokens(markup: str) -> Iterator[tuple[str, bool]]:
    """Tags and entities whole (``True``), the text between them grapheme by grapheme."""
    pos = 0
    for match in _MARKUP.finditer(markup):
        yield from ((g, False) for g in graphemes(markup[pos : match.start()]))
        yield match.group(0), True
        pos = match.end()
    yield from ((g, False) for g in graphemes(markup[pos:]))
