"""A local stand-in for the Telegram Bot API, served over real HTTP by aiohttp.

The real python-telegram-bot ``Application`` talks to it unchanged: point
``ApplicationBuilder().base_url(standin.base_url).base_file_url(standin.base_file_url)`` at it.
PTB then POSTs to ``{base_url}{token}/{method}``, form-encoded (multipart when uploading a
file); every non-string value is a JSON string inside the form.

Updates flow the other way through ``getUpdates`` long polling, exactly like production. The
user side (``bot.standin.users.SimUser``) creates updates; the bot reports back through
``processed_hook`` when it has finished one, so tests await real completion instead of sleeping.

The Bot API methods themselves live in ``bot.standin.methods``; this module holds the HTTP
plumbing, the shared state and the update queue.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.standin import methods
from bot.standin.records import (
    ApiCall,
    ApiError,
    CallbackAnswer,
    ChatMessage,
    ChatState,
    StoredFile,
)
from bot.standin.updates import UpdateQueue
from bot.standin.webhook import WebhookPush

if TYPE_CHECKING:
    from bot.standin.users import SimUser


MethodImpl = Callable[["BotApiStandIn", dict[str, Any], dict[str, Any]], Any]

# Form fields that are plain strings even when they look like JSON ("123", "true", "null").
# PTB sends str values verbatim and json.dumps() everything else, so everything not listed
# here is JSON-decoded (falling back to the raw string, e.g. chat_id="@channel").
_STRING_FIELDS = {
    "text", "caption", "parse_mode", "callback_query_id", "language_code", "action", "url",
    "inline_message_id", "description", "short_description", "name", "title", "query_id",
    "file_id", "emoji", "question", "address", "first_name", "last_name", "phone_number",
    "business_connection_id", "message_effect_id", "secret_token", "payload", "currency",
}  # fmt: skip


def _decode_field(name: str, value: str) -> Any:
    if name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Hold:
    """A call the stand-in keeps waiting: ``started`` is set when it arrives."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()


class BotApiStandIn:
    """An in-process fake of ``api.telegram.org`` for one bot token.

    Public state for assertions: ``calls`` (every API call), ``errors`` (the calls answered
    with an error, oldest first: ``assert not standin.errors`` = Telegram refused nothing),
    ``unknown_methods``, ``callback_answers``, ``chats`` (chat id -> ChatState), ``files``,
    ``commands``, ``menu_buttons``, ``blocked``.
    """

    def __init__(self, token: str = "123456:STANDIN-TOKEN", bot_username: str = "slotbot_demo_bot"):
        self.token = token
        self.bot_username = bot_username
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Slotbot",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.clock: Callable[[], float] = time.time  # replaceable for fixed message dates
        self.calls: list[ApiCall] = []
        self.errors: list[ApiCall] = []  # answered with an error (call.injected: by fail_next)
        self.unknown_methods: list[str] = []
        self.rejected_calls: list[str] = []  # methods called with a wrong token
        self.callback_answers: list[CallbackAnswer] = []
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, dict[str, Any]] = {}  # Telegram User objects by id
        self.blocked: set[int] = set()
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.open_callback_queries: dict[str, dict[str, Any]] = {}
        self.seq = 0  # bumped on every user-visible change (the console waits on it)

        self._methods: dict[str, tuple[str, MethodImpl]] = {
            name.lower(): (name, impl) for name, impl in methods.METHODS.items()
        }
        self._failures: dict[str, deque[ApiError]] = {}
        self._holds: dict[str, deque[Hold]] = {}
        self._late_answers: dict[str, deque[Hold]] = {}
        self._ids = itertools.count(1)  # update ids, callback query ids, file ids
        self.updates = UpdateQueue(self.next_id)
        self.webhook = WebhookPush()  # after setWebhook, updates are POSTed to the bot
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._sim_users: dict[int, SimUser] = {}

    # ---------------------------------------------------------------- lifecycle and addresses

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (port 0: a free port chosen by the OS)."""
        self.updates.bind(asyncio.get_running_loop())
        self.updates.stopping = False
        app = web.Application(client_max_size=64 * 1024 * 1024)  # sendDocument uploads
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        # A short shutdown timeout: a long poll still open at stop() must not hold us for 60 s.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host, self._port = host, self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving. Open long polls return ``[]`` at once rather than hanging."""
        self.updates.stopping = True
        self.updates.wake()
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def running(self) -> bool:
        return self._runner is not None and not self.updates.stopping

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: PTB appends the token itself."""
        return f"http://{self._host}:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if self._port is None:
            raise RuntimeError("BotApiStandIn is not started; await standin.start() first")
        return self._port

    # ---------------------------------------------------------------- test controls

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """The simulated Telegram user ``user_id`` (created on first call, then reused)."""
        from bot.standin.users import SimUser  # users.py imports this module

        if user_id not in self._sim_users:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self.users[user_id] = user
            self.chats.setdefault(user_id, ChatState(user_id))
            self._sim_users[user_id] = SimUser(self, user_id)
        return self._sim_users[user_id]

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Mark the user as having blocked the bot: sends then fail with 403."""
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error instead of running it."""
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(ApiError(error_code, description, retry_after) for _ in range(times))

    def hold_next(self, method: str) -> Hold:
        """Keep the next call of ``method`` waiting until ``release()``: a slow Telegram."""
        hold = Hold()
        self._holds.setdefault(method.lower(), deque()).append(hold)
        return hold

    def answer_late_next(self, method: str) -> Hold:
        """Run the next call of ``method`` (a message is delivered), then keep its answer
        until ``release()``: a Telegram that accepted a request whose answer is late."""
        hold = Hold()
        self._late_answers.setdefault(method.lower(), deque()).append(hold)
        return hold

    def add_method(self, name: str, impl: MethodImpl) -> None:
        """Serve another Bot API method: ``impl(standin, params, files) -> result``."""
        self._methods[name.lower()] = (name, impl)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of ``method`` (case-insensitive), oldest first."""
        return [c.params for c in self.calls if c.method.lower() == method.lower()]

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        return self.commands.get((methods.scope_key(scope), language_code), [])

    # ---------------------------------------------------------------- updates and processing

    def mark_processed(self, update_id: int) -> None:
        """Called by the bot when it has finished handling ``update_id`` (thread-safe)."""
        self.updates.mark_processed(update_id)

    @property
    def processed_hook(self) -> Callable[[int], None]:
        """A plain ``(update_id) -> None`` callable to hand to the bot's update processor."""
        return self.updates.mark_processed

    async def wait_processed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot reports ``update_id`` done; TimeoutError explains what stalled."""
        await self.updates.wait_processed(update_id, timeout, self.base_url)

    def enqueue_update(self, kind: str, payload: dict[str, Any], summary: str) -> int:
        """Queue an update (``{"update_id": N, kind: payload}``) for getUpdates; return N.

        With a webhook set, the update is POSTed to the bot instead.
        """
        update_id = self.updates.enqueue(kind, payload, summary)
        if self.webhook.active:
            self.webhook.push(self, self.updates.take(update_id))
        return update_id

    def redeliver(self, update_id: int) -> asyncio.Task[None]:
        """POST an update to the webhook again, as Telegram does when an answer was late."""
        return self.webhook.push(self, self.updates.log[update_id]["update"])

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates requests are parked in a long poll right now."""
        return self.updates.waiting_polls

    @property
    def allowed_updates(self) -> list[str] | None:
        return self.updates.allowed_updates

    # ---------------------------------------------------------------- shared by methods/users

    def touch(self, message: ChatMessage | None = None) -> None:
        """Record a user-visible change (and which message changed) and wake the waiters."""
        self.seq += 1
        if message is not None:
            message.changed_seq = self.seq
        self.updates.wake()

    async def wait_for_change(self, after_seq: int, timeout: float | None = None) -> int:
        """Wait until ``seq`` exceeds ``after_seq`` (or stop/timeout); return the current seq."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self.seq <= after_seq and not self.updates.stopping:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                break
            await self.updates.sleep_until_woken(remaining)
        return self.seq

    def next_id(self) -> int:
        return next(self._ids)

    def add_message(self, chat: ChatState, message: ChatMessage) -> ChatMessage:
        chat.messages.append(message)
        self.touch(message)
        return message

    def new_message(self, chat: ChatState, *, from_bot: bool, **fields: Any) -> ChatMessage:
        message = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.chat_id,
            from_bot=from_bot,
            date=int(self.clock()),
            **fields,
        )
        chat.next_message_id += 1
        return self.add_message(chat, message)

    def chat_to_api(self, chat_id: int) -> dict[str, Any]:
        """The Telegram ``Chat`` object of the private chat with user ``chat_id``."""
        user = self.users[chat_id]
        chat = {k: user[k] for k in ("id", "first_name", "last_name", "username") if k in user}
        return {**chat, "type": "private"}

    def message_to_api(self, message: ChatMessage, *, with_reply: bool = True) -> dict[str, Any]:
        """The Telegram ``Message`` object for ``message`` in its current state."""
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user if message.from_bot else self.users[message.chat_id],
            "chat": self.chat_to_api(message.chat_id),
            "date": message.date,
        }
        optional = {
            "text": message.text,
            "entities": message.entities,
            "caption": message.caption,
            "edit_date": message.edit_date,
            "location": message.location,
            "contact": message.contact,
            "document": message.document.to_api() if message.document else None,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        # Telegram echoes only inline keyboards; reply keyboards are not part of a Message.
        if message.inline_keyboard:
            data["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        if with_reply and message.reply_to_message_id is not None:
            replied = self.chats[message.chat_id].find(message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = self.message_to_api(replied, with_reply=False)
        return data

    # ---------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.rejected_calls.append(method)
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        params, files = await self._read_params(request)
        name, impl = self._methods.get(method.lower(), (method, None))
        call = ApiCall(name, params, {k: (f.filename, len(f.content)) for k, f in files.items()})
        self.calls.append(call)
        try:
            if impl is None:
                self.unknown_methods.append(method)
                raise ApiError(404, "Not Found: method not found")
            holds = self._holds.get(name.lower())
            if holds:
                hold = holds.popleft()
                hold.started.set()
                await hold.released.wait()
            failures = self._failures.get(name.lower())
            if failures:
                call.injected = True
                raise failures.popleft()
            result = impl(self, params, files)
            if isinstance(result, Awaitable):
                result = await result
            late = self._late_answers.get(name.lower())
            if late:
                hold = late.popleft()
                hold.started.set()
                await hold.released.wait()
        except ApiError as error:
            call.error = error
            self.errors.append(call)
            return web.json_response(error.to_json(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        """Decode form, multipart, JSON or query-string parameters into Python values."""
        params: dict[str, Any] = {k: _decode_field(k, v) for k, v in request.query.items()}
        files: dict[str, methods.Upload] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = _decode_field(key, value)
                else:  # an uploaded file part (aiohttp FileField)
                    files[key] = methods.Upload(
                        value.filename or key, value.file.read(), value.content_type
                    )
        return params, files

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serves files for ``bot.get_file(...).download_*()`` under ``base_file_url``."""
        if request.match_info["token"] != self.token:
            raise web.HTTPNotFound()
        for stored in self.files.values():
            if stored.file_path == request.match_info["path"]:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        raise web.HTTPNotFound()
