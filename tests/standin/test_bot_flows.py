"""The real PTB Application against the stand-in: conversations and Telegram's errors."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import pytest
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application

from bot.standin import BotApiStandIn
from tests.standin.echo_bot import ICS, build_app


async def test_polling_starts_and_stops_promptly(standin: BotApiStandIn) -> None:
    app = build_app(standin)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0)
    user = standin.user(42, "Ada")
    await user.send("ping")  # proves polling works before stopping
    began = time.monotonic()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    assert time.monotonic() - began < 2
    methods = [c.method for c in standin.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert "getUpdates" in methods
    assert standin.unknown_methods == []


async def test_text_gets_reply(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    sent = await user.send("hello")
    assert user.last.text == "echo: hello"
    assert [m.text for m in user.messages] == ["hello", "echo: hello"]
    assert [m.text for m in user.new_messages()] == ["echo: hello"]
    assert sent.from_bot is False and user.last.from_bot is True
    reply = standin.calls_to("sendMessage")[-1]
    assert reply["chat_id"] == 42 and reply["text"] == "echo: hello"


async def test_command_with_deep_link_and_inline_keyboard(
    app: Application, standin: BotApiStandIn
) -> None:
    user = standin.user(42, "Ada")
    await user.send("/start p12")
    assert user.last.text == "Welcome! args=['p12']"
    assert user.last.buttons == [[("Yes", "yes")], [("No", "no")], [("Docs", None)]]
    assert user.last.button_texts == ["Yes", "No", "Docs"]


async def test_tap_answers_and_edits(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    await user.send("/start")
    welcome = user.last
    answer = await user.tap("Yes")
    assert answer is not None and answer.text == "You chose yes" and not answer.show_alert
    assert user.callback_answers == [answer]
    assert user.last is welcome  # edited in place, no new message
    assert welcome.text == "Chosen: yes" and welcome.edit_count == 1
    assert welcome.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert user.new_messages() == [welcome]


async def test_tap_by_index_and_missing_button(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    await user.send("/start")
    with pytest.raises(LookupError, match="no inline button 'Maybe'"):
        await user.tap("Maybe")
    with pytest.raises(ValueError, match="not a callback button"):
        await user.tap("Docs")
    answer = await user.tap(1)
    assert answer is not None and answer.show_alert and answer.data == "no"


async def test_stale_tap_on_unknown_message(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    # The bot's edit fails (message 999 does not exist); PTB reports it to error handlers, and
    # the stand-in still learns the update was processed.
    answer = await user.tap_data("yes", 999)
    assert answer is not None and answer.text == "You chose yes"
    edit = [c for c in standin.calls if c.method == "editMessageText"][-1]
    assert edit.error is not None and edit.error.description.endswith("message to edit not found")
    (error,) = app.bot_data["errors"]
    assert isinstance(error, BadRequest)


async def test_answering_twice_is_rejected(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    await user.send("/start")
    answer = await user.tap("Yes")
    assert answer is not None
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(answer.callback_query_id)


async def test_edit_errors(app: Application, standin: BotApiStandIn) -> None:
    standin.user(42, "Ada")
    message = await app.bot.send_message(42, "same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("same", chat_id=42, message_id=message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await app.bot.edit_message_text("new", chat_id=42, message_id=12345)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_reply_markup(chat_id=42, message_id=message.message_id)
    assert await app.bot.delete_message(42, message.message_id) is True
    assert standin.user(42, "Ada").messages == []


async def test_blocked_user_is_forbidden(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(42, "reminder")
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(777, "who?")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_fail_next_raises_retry_after(app: Application, standin: BotApiStandIn) -> None:
    standin.user(42, "Ada")
    standin.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(42, "hi")
    retry_after = caught.value.retry_after
    if isinstance(retry_after, dtm.timedelta):
        retry_after = retry_after.total_seconds()
    assert retry_after == 3
    assert (await app.bot.send_message(42, "hi")).text == "hi"  # only the next call failed
    assert [c.ok for c in standin.calls if c.method == "sendMessage"] == [False, True]


async def test_document_bytes_are_stored(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    await user.send("/doc")
    (document,) = user.documents
    assert (document.filename, document.content, document.caption) == (
        "booking.ics",
        ICS,
        "Your booking",
    )
    assert user.last.caption == "Your booking"
    # getFile + download through base_file_url works too.
    file = await app.bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == ICS


async def test_commands_per_language(app: Application, standin: BotApiStandIn) -> None:
    await app.bot.set_my_commands([("book", "Book an appointment")])
    await app.bot.set_my_commands([("book", "Termin buchen")], language_code="de")
    assert standin.commands_for() == [{"command": "book", "description": "Book an appointment"}]
    assert standin.commands_for(language_code="de")[0]["description"] == "Termin buchen"
    german = await app.bot.get_my_commands(language_code="de")
    assert [(c.command, c.description) for c in german] == [("book", "Termin buchen")]
    await app.bot.delete_my_commands(language_code="de")
    assert await app.bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest):
        await app.bot.set_my_commands([("Book!", "bad name")])
    assert await app.bot.set_chat_menu_button() is True


async def test_reply_keyboard_location_and_force_reply(
    app: Application, standin: BotApiStandIn
) -> None:
    user = standin.user(42, "Ada")
    await user.send("/keyboard")
    assert user.reply_keyboard is not None
    assert user.reply_keyboard.texts == [["Send location"], ["Cancel"]]
    await user.press_reply_button("Send location", location=(48.2, 16.37))
    assert user.last.text == "got location 48.20,16.37"
    assert user.reply_keyboard is None
    with pytest.raises(LookupError, match="no reply keyboard"):
        await user.press_reply_button("Cancel")
    await user.send("/ask")
    question = user.last
    await user.send("Ada Lovelace")
    assert user.last.text == f"echo: Ada Lovelace (answering #{question.message_id})"


async def test_html_is_rendered_and_validated(app: Application, standin: BotApiStandIn) -> None:
    standin.user(42, "Ada")
    message = await app.bot.send_message(42, "<b>Booked</b> &amp; paid", parse_mode="HTML")
    assert message.text == "Booked & paid"
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await app.bot.send_message(42, "Dr <Smith>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await app.bot.send_message(42, "At 9.30", parse_mode="MarkdownV2")


async def test_unknown_method_is_recorded(app: Application, standin: BotApiStandIn) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("getSlotbotMagic", api_kwargs={"chat_id": 42})
    assert standin.unknown_methods == ["getSlotbotMagic"]


async def test_wrong_token_is_rejected(standin: BotApiStandIn) -> None:
    app = build_app(standin, token="999:WRONG")
    with pytest.raises(InvalidToken):
        await app.initialize()
    assert standin.rejected_calls == ["getMe"]
    assert standin.calls == []


async def test_wait_reports_a_bot_that_is_not_polling(standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    with pytest.raises(TimeoutError, match="never fetched via getUpdates"):
        await user.send("anyone?", timeout=0.2)


async def test_two_users_at_once(app: Application, standin: BotApiStandIn) -> None:
    ada, bo = standin.user(1, "Ada"), standin.user(2, "Bo", language_code="de")
    await asyncio.gather(ada.send("from Ada"), bo.send("from Bo"))
    assert (ada.last.text, bo.last.text) == ("echo: from Ada", "echo: from Bo")
    assert [m.chat_id for m in ada.messages] == [1, 1]


async def test_processed_hook_works_from_another_thread(standin: BotApiStandIn) -> None:
    update_id = standin.enqueue_update("message", {"message_id": 1}, "test update")
    await asyncio.to_thread(standin.processed_hook, update_id)
    await standin.wait_processed(update_id, timeout=1)


async def test_dropped_update_is_explained(app: Application, standin: BotApiStandIn) -> None:
    user = standin.user(42, "Ada")
    await user.send("/start")
    await app.updater.stop()
    await app.updater.start_polling(allowed_updates=["message"])
    with pytest.raises(
        TimeoutError, match="allowed_updates \\['message'\\] exclude 'callback_query'"
    ):
        await user.tap("Yes", timeout=5)  # fails at once, not after 5 s
