"""The stand-in refuses what Telegram refuses, with Telegram's descriptions, and records it.

Each case is a request the real Bot API answers with HTTP 400; a bot that gets it right
here cannot lose a message to it in production.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.standin import BotApiStandIn
from bot.standin.formatting import parse

CANT_PARSE = "Bad Request: can't parse entities: "


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def ada(standin: BotApiStandIn) -> int:
    standin.user(7, "Ada")
    return 7


async def call(http: aiohttp.ClientSession, standin: BotApiStandIn, method: str, **form) -> dict:
    """POST like PTB does (strings verbatim, the rest JSON); the decoded answer, status added."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    async with http.post(f"{standin.base_url}{standin.token}/{method}", data=data) as response:
        body = await response.json()
    return {**body, "status": response.status}


def refused(answer: dict) -> str:
    assert answer["status"] == 400 and answer["ok"] is False, answer
    return answer["description"]


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("I <3 you", 'Unsupported start tag "3" at byte offset 2'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("Dr <Smith>", 'Unsupported start tag "smith" at byte offset 3'),
        ("Zoë </b>", "Unexpected end tag at byte offset 5"),  # ë is two bytes
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="big">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ("&#xD800;", ("Text contains invalid Unicode characters after decoding HTML entities, "
                      "check for unmatched surrogate code units")),
    ],
)
async def test_html_that_telegram_cannot_parse_is_refused_with_its_description(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int, html: str, problem: str
) -> None:
    answer = await call(http, standin, "sendMessage", chat_id=ada, text=html, parse_mode="HTML")
    assert refused(answer) == CANT_PARSE + problem
    assert standin.user(ada, "Ada").messages == []


@pytest.mark.parametrize(
    ("html", "shown"),
    [
        ("Tom & Jerry", "Tom & Jerry"),  # a bare & is kept, as Telegram keeps it
        ("&lt;3 &amp; &quot;x&quot; &gt;", '<3 & "x" >'),
        ("&lt3 &#60; &#x3C; &#x27;", "<3 < < '"),  # ';' optional; numeric references
        ("&nbsp;&apos;&copy;", "&nbsp;&apos;&copy;"),  # names Telegram does not know: literal
        ("&#0; &#99999999;", "&#0; &#99999999;"),
        ('<span class="tg-spoiler">s</span> <b class="x">b</b>', "s b"),  # other attributes ignored
        ("<B>x</B> <b>y</>", "x y"),  # tags are case-insensitive; </> closes the last one
    ],
)
async def test_html_that_telegram_accepts_is_shown_as_telegram_shows_it(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int, html: str, shown: str
) -> None:
    answer = await call(http, standin, "sendMessage", chat_id=ada, text=html, parse_mode="HTML")
    assert answer["ok"], answer
    assert standin.user(ada, "Ada").last.text == shown


def test_entities_count_utf16_code_units() -> None:
    text, entities = parse('😀 <b>Zoë</b> <a href="https://e.org">🎉</a>', "HTML")
    assert text == "😀 Zoë 🎉"
    assert entities == [
        {"offset": 3, "length": 3, "type": "bold"},
        {"offset": 7, "length": 2, "type": "text_link", "url": "https://e.org"},
    ]


async def test_message_length_is_counted_after_parsing_in_utf16_units(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    async def send(text: str, **extra) -> dict:
        return await call(http, standin, "sendMessage", chat_id=ada, text=text, **extra)

    assert (await send("<b>" + "x" * 4096 + "</b>", parse_mode="HTML"))["ok"]  # tags are free
    assert (await send("&amp;" * 4096, parse_mode="HTML"))["ok"]  # 4,096 characters once parsed
    assert (await send("x" * 4096 + "\n\n"))["ok"]  # trimmed before counting
    assert refused(await send("😀" * 2049)) == "Bad Request: message is too long"  # 4,098 units
    first = (await send("short"))["result"]["message_id"]
    edit = await call(
        http, standin, "editMessageText", chat_id=ada, message_id=first, text="y" * 4097
    )
    assert refused(edit) == "Bad Request: message is too long"


async def test_a_caption_over_1024_characters_is_refused(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ada))
    form.add_field("caption", "c" * 1025)
    form.add_field("document", b"BEGIN:VCALENDAR", filename="a.ics", content_type="text/calendar")
    url = f"{standin.base_url}{standin.token}/sendDocument"
    async with http.post(url, data=form) as response:
        body = await response.json()
    assert (response.status, body["description"]) == (400, "Bad Request: message caption is too long")


def keyboard(*buttons: dict) -> dict:
    return {"inline_keyboard": [[button] for button in buttons]}


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (keyboard({"text": "", "callback_data": "x"}), "Bad Request: BUTTON_TEXT_INVALID"),
        (keyboard({"text": "a", "callback_data": "é" * 33}), "Bad Request: BUTTON_DATA_INVALID"),
        (
            keyboard({"text": "a", "callback_data": ""}),
            ("Bad Request: can't parse InlineKeyboardButton: Text buttons are not allowed in "
             "the inline keyboard"),
        ),
        (
            keyboard(*({"text": str(n), "callback_data": str(n)} for n in range(101))),
            "Bad Request: REPLY_MARKUP_TOO_LONG",
        ),
    ],
)
async def test_inline_keyboards_telegram_refuses(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int, markup: dict, description: str
) -> None:
    answer = await call(http, standin, "sendMessage", chat_id=ada, text="x", reply_markup=markup)
    assert refused(answer) == description


async def test_a_hundred_buttons_of_64_bytes_are_fine(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    markup = keyboard(*({"text": str(n), "callback_data": f"{n:064d}"} for n in range(100)))
    answer = await call(http, standin, "sendMessage", chat_id=ada, text="x", reply_markup=markup)
    assert answer["ok"], answer


async def tap(standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int) -> str:
    """A callback query the user has just sent (the bot has not answered yet)."""
    sent = await call(
        http, standin, "sendMessage", chat_id=ada, text="pick",
        reply_markup=keyboard({"text": "A", "callback_data": "a"}),
    )  # fmt: skip
    query_id = "q1"
    standin.open_callback_queries[query_id] = {
        "id": query_id, "from": standin.users[ada], "data": "a", "message": sent["result"],
    }  # fmt: skip
    return query_id


async def test_a_callback_answer_over_200_characters_is_refused_and_the_query_stays_open(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    query_id = await tap(standin, http, ada)
    answer = await call(http, standin, "answerCallbackQuery", callback_query_id=query_id, text="t" * 201)
    assert refused(answer) == "Bad Request: MESSAGE_TOO_LONG"
    assert query_id in standin.open_callback_queries
    answer = await call(http, standin, "answerCallbackQuery", callback_query_id=query_id, text="t" * 200)
    assert answer["ok"] and not standin.open_callback_queries


async def test_a_callback_query_answered_twice_is_too_old(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    query_id = await tap(standin, http, ada)
    assert (await call(http, standin, "answerCallbackQuery", callback_query_id=query_id))["ok"]
    again = await call(http, standin, "answerCallbackQuery", callback_query_id=query_id)
    assert refused(again) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_an_edit_that_changes_nothing_visible_is_not_modified(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    sent = await call(http, standin, "sendMessage", chat_id=ada, text="<b>Tom</b> &amp; Ann", parse_mode="HTML")
    message_id = sent["result"]["message_id"]

    async def edit(text: str, **extra) -> dict:
        return await call(
            http, standin, "editMessageText", chat_id=ada, message_id=message_id, text=text, **extra
        )

    # Other markup for the same text and bold: Telegram compares what the user sees.
    assert refused(await edit("<strong>Tom</strong> & Ann", parse_mode="HTML")).startswith(
        "Bad Request: message is not modified"
    )
    assert (await edit("Tom & Ann"))["ok"]  # the bold is gone: a change
    missing = await call(http, standin, "editMessageText", chat_id=ada, message_id=999, text="x")
    assert refused(missing) == "Bad Request: message to edit not found"


async def test_sending_to_a_user_who_blocked_the_bot_is_forbidden(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    standin.block(ada)
    answer = await call(http, standin, "sendMessage", chat_id=ada, text="reminder")
    assert (answer["status"], answer["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_every_error_answered_is_recorded_with_its_method(
    standin: BotApiStandIn, http: aiohttp.ClientSession, ada: int
) -> None:
    await call(http, standin, "sendMessage", chat_id=ada, text="fine")
    await call(http, standin, "sendMessage", chat_id=ada, text="I <3 you", parse_mode="HTML")
    await call(http, standin, "answerCallbackQuery", callback_query_id="nope")
    standin.fail_next("getMe")
    await call(http, standin, "getMe")
    assert [(e.method, e.description, e.injected) for e in standin.errors] == [
        ("sendMessage", CANT_PARSE + 'Unsupported start tag "3" at byte offset 2', False),
        ("answerCallbackQuery",
         "Bad Request: query is too old and response timeout expired or query ID is invalid", False),
        ("getMe", "Too Many Requests: retry after 1", True),
    ]  # fmt: skip
    assert "sendMessage(chat_id=7" in str(standin.errors[0])
