"""Formatted text as Telegram parses it: ``parse_mode`` markup to plain text and entities.

Telegram parses the markup server-side (TDLib's ``parse_html``); a mistake is a 400
"can't parse entities: ..." and the message is lost. The HTML parser here follows TDLib's
rules and wording, byte offsets included, so that a bot building HTML from an unescaped
name fails here exactly as it would in production:

- ``<`` always opens a tag: ``I <3 you`` is 'Unsupported start tag "3"', ``a < b`` is
  'Unsupported start tag ""', a ``<`` near the end is "Unclosed start tag".
- Only Telegram's tags; ``<span>`` must have ``class="tg-spoiler"``; other attributes are
  read (a malformed one is an error) and ignored, as Telegram ignores them.
- ``&`` is *not* an error. TDLib decodes ``&lt; &gt; &amp; &quot;`` and numeric references
  (``&#60;`` ``&#x3C;``), with or without the ``;``, and keeps anything else literally:
  ``Tom & Jerry`` shows as typed, ``&nbsp;`` and ``&apos;`` show as those six letters. So
  an unescaped ``&`` costs no message; escaping is still needed so that a typed ``&lt;``
  is not shown as ``<``. (Checked against TDLib's ``decode_html_entity``.)
- A surrogate decoded from ``&#xD800;`` is "Text contains invalid Unicode characters".

Entities come out with UTF-16 offsets, as Telegram reports them; the stand-in uses them
to tell an edit that changes nothing ("message is not modified") the way Telegram does.
"""

from __future__ import annotations

import re
from typing import Any

from bot.standin.records import ApiError

CANT_PARSE = "Bad Request: can't parse entities: "
_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
    "tg-emoji", "tg-time", "span", "pre", "code", "blockquote",
}  # fmt: skip
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_SPACE = frozenset(b" \t\r\n\0\v\f")  # TDLib's is_space, NUL (the end) included
_NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
Entities = list[dict[str, Any]]


def parse(raw: str, parse_mode: str | None) -> tuple[str, Entities | None]:
    """The plain text a user reads for ``raw`` sent with ``parse_mode``, and its entities.

    Entities are None for the Markdown modes (their text is checked, not their spans).
    Raises ApiError(400, "Bad Request: can't parse entities: ...") for malformed markup.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _Html(raw).parse()
    if mode == "markdownv2":
        return _render_markdown(raw, strict=True), None
    if mode == "markdown":
        return _render_markdown(raw, strict=False), None
    if mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return raw, []


def render_text(raw: str, parse_mode: str | None) -> str:
    return parse(raw, parse_mode)[0]


def _fail(message: str) -> ApiError:
    return ApiError(400, CANT_PARSE + message)


class _Html:
    """One pass over the UTF-8 bytes, like TDLib: positions are byte offsets."""

    def __init__(self, raw: str):
        self.src = raw.encode("utf-8", "surrogatepass")
        self.out = bytearray()
        self.utf16 = 0
        self.surrogate = False
        self.entities: Entities = []
        self.open: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, out pos

    def at(self, i: int) -> int:
        """Past the end reads as NUL, as the C string TDLib walks."""
        return self.src[i] if i < len(self.src) else 0

    def parse(self) -> tuple[str, Entities]:
        i, n = 0, len(self.src)
        while i < n:
            c = self.src[i]
            if c == ord("&"):
                decoded, after = self.reference(i)
                if decoded is not None:
                    self.append_char(decoded)
                    i = after
                    continue
            if c != ord("<"):
                if c & 0xC0 != 0x80:  # the first byte of a character
                    self.utf16 += 2 if c >= 0xF0 else 1
                self.out.append(c)
                i += 1
                continue
            i = self.end_tag(i) if self.at(i + 1) == ord("/") else self.start_tag(i)
        if self.open:
            raise _fail(f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"')
        if self.surrogate:
            raise _fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # a language counts only inside <pre>
        return self.out.decode("utf-8", "surrogatepass"), sorted(
            self.entities, key=lambda e: (e["offset"], -e["length"])
        )

    def append_char(self, char: str) -> None:
        code = ord(char)
        self.surrogate |= 0xD800 <= code <= 0xDFFF
        self.utf16 += 2 if code > 0xFFFF else 1
        self.out += char.encode("utf-8", "surrogatepass")

    def reference(self, i: int) -> tuple[str | None, int]:
        """``&...``: the character it stands for and where it ends, or (None, i): literal."""
        end = i + 1
        if self.at(end) == ord("#"):
            end += 1
            hexadecimal = self.at(end) == ord("x")
            end += hexadecimal
            digits = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
            start = end
            while self.at(end) and self.at(end) in digits:
                end += 1
            number = self.src[start:end]
            code = int(number, 16 if hexadecimal else 10) if number else 0
            if code == 0 or code >= 0x10FFFF or end - i >= 10:
                return None, i
            char = chr(code)
        else:
            while chr(self.at(end)).isascii() and chr(self.at(end)).isalpha():
                end += 1
            named = _NAMED.get(bytes(self.src[i + 1 : end]))
            if named is None:
                return None, i
            char = named
        return char, end + 1 if self.at(end) == ord(";") else end

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACE and self.at(i) != ord(">"):
            i += 1
        if self.at(i) == 0:
            raise _fail(f"Unclosed start tag at byte offset {begin}")
        tag = self.src[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in _TAGS:
            raise _fail(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        while self.at(i) != ord(">"):
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == ord(">"):
                break
            name_start = i
            while self.at(i) not in _SPACE and self.at(i) not in b"=>/\"'":
                i += 1
            name = self.src[name_start:i].decode("utf-8", "replace")
            if not name:
                raise _fail(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) != ord("="):  # a bare attribute (<blockquote expandable>)
                if self.at(i) == 0:
                    raise _fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if (tag, name) == ("blockquote", "expandable"):
                    argument = "1"
                continue
            i += 1
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == 0:
                raise _fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if self.at(i) == 0:
                raise _fail(f"Unclosed start tag at byte offset {begin}")
            argument = _argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.open.append((tag, argument, self.utf16, len(self.out)))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in b"\"'":  # a name token: letters, digits, '.', '-'
            start = i
            while chr(self.at(i)).isascii() and (chr(self.at(i)).isalnum() or self.at(i) in b".-"):
                i += 1
            if self.at(i) not in _SPACE and self.at(i) != ord(">"):
                raise _fail(f"Unexpected end of name token at byte offset {start}")
            return self.src[start:i].decode().lower(), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == ord("&"):
                decoded, after = self.reference(i)
                if decoded is not None:
                    value += decoded.encode("utf-8", "surrogatepass")
                    i = after
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def end_tag(self, begin: int) -> int:
        if not self.open:
            raise _fail(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while self.at(i) not in _SPACE and self.at(i) != ord(">"):
            i += 1
        name = self.src[begin + 2 : i].decode("utf-8", "replace").lower()
        while self.at(i) != 0 and self.at(i) in _SPACE:
            i += 1
        if self.at(i) != ord(">"):
            raise _fail(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = self.open.pop()
        if name and name != tag:
            raise _fail(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{name}>"'
            )
        if self.utf16 > offset:
            self.add_entity(tag, argument, offset, self.utf16 - offset, out_pos)
        return i + 1

    def add_entity(self, tag: str, argument: str, offset: int, length: int, out_pos: int) -> None:
        entity: dict[str, Any] = {"offset": offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if tag in _ENTITY_TYPES:
            entity["type"] = _ENTITY_TYPES[tag]
        elif tag == "a":
            url = argument or self.out[out_pos:].decode("utf-8", "surrogatepass")
            if not url:
                return
            entity.update(type="text_link", url=url)
        elif tag == "tg-emoji":
            if not argument.isdigit() or not 0 < int(argument) < 2**63:
                raise _fail("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if argument else "blockquote"
        elif tag == "pre":
            if same_span and last["type"] == "code" and "language" in last:  # type: ignore[index]
                last["type"] = "pre"  # type: ignore[index]
                return
            entity["type"] = "pre"
        elif tag == "code":
            if same_span and last["type"] == "pre" and argument:  # type: ignore[index]
                last["language"] = argument  # type: ignore[index]
                return
            entity["type"] = "code"
            if argument:
                entity["language"] = argument
        else:  # tg-time: shown as its text
            return
        self.entities.append(entity)


def _argument(tag: str, name: str, value: str, current: str) -> str:
    """What an attribute means to Telegram; anything else is read and ignored."""
    if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")):
        return value
    if (tag, name) == ("code", "class") and value.startswith("language-"):
        return value[len("language-") :]
    if (tag, name) == ("span", "class") and value.startswith("tg-"):
        return value[len("tg-") :]
    if (tag, name) == ("blockquote", "expandable"):
        return "1"
    return current


def _render_markdown(raw: str, *, strict: bool) -> str:
    """MarkdownV2 (strict: reserved characters must be escaped) or legacy Markdown."""
    out: list[str] = []
    open_marks: list[tuple[str, int]] = []
    i, n = 0, len(raw)
    escapable = _MDV2_RESERVED | {"\\"} if strict else {"_", "*", "`", "["}
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n and (strict or raw[i + 1] in escapable):
            out.append(raw[i + 1])
            i += 2
            continue
        if char == "`":  # code / pre: taken literally up to the closing backticks
            fence = "```" if raw.startswith("```", i) else "`"
            end = raw.find(fence, i + len(fence))
            if end == -1:
                raise _fail(
                    f"Can't find end of the entity starting at byte offset {_offset(raw, i)}"
                )
            body = raw[i + len(fence) : end]
            if fence == "```" and "\n" in body:  # drop the optional language line
                body = body.split("\n", 1)[1]
            out.append(re.sub(r"\\([`\\])", r"\1", body) if strict else body)
            i = end + len(fence)
            continue
        if strict and raw.startswith(("__", "||"), i):
            mark = raw[i : i + 2]
        else:
            mark = char
        if mark in (("*", "_", "__", "~", "||") if strict else ("*", "_")):
            if open_marks and open_marks[-1][0] == mark:
                open_marks.pop()
            else:
                open_marks.append((mark, i))
            i += len(mark)
            continue
        if char == "[":
            open_marks.append(("[", i))
            i += 1
            continue
        if char == "]" and open_marks and open_marks[-1][0] == "[":
            open_marks.pop()
            if raw.startswith("(", i + 1) and (close := raw.find(")", i + 2)) != -1:
                i = close + 1  # the URL is not part of the visible text
            else:
                i += 1
            continue
        if strict and char == ">" and (i == 0 or raw[i - 1] == "\n"):
            i += 1  # blockquote marker
            continue
        if strict and char in _MDV2_RESERVED:
            raise _fail(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        i += 1
    if open_marks:
        raise _fail(
            "Can't find end of the entity starting at byte offset "
            f"{_offset(raw, open_marks[-1][1])}"
        )
    return "".join(out)


def _offset(text: str, index: int) -> int:
    """Telegram reports positions as UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))
