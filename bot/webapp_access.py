"""Who calls the Mini App's API, and the shape of its answers.

Every ``/app/api/...`` handler is wrapped by :func:`api`, which

* reads ``Authorization: tma <initData>`` and checks it (bot/webapp_auth.py):
  missing, malformed, forged, tampered or expired -> 401;
* finds the provider the caller runs (core.onboarding.provider_for_user). Nobody's
  provider -> 403, unless the caller is an admin (``SLOTBOT_ADMIN_IDS``) naming an
  existing ``?provider=ID``: then they act for it, as /act does in the chat. A
  linked provider naming another provider gets 403 (an admin who is also a
  provider may act for others);
* turns a bad body or query into 400 ``{"error", "field"}``, a missing or foreign
  id into 404 (another provider's appointment reads exactly as one that does not
  exist), and a refusal of the core rules into 409, in the provider's language.

Nothing here logs initData (it is a credential for 24 hours) or request bodies.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from telegram.ext import Application, CallbackContext

from bot.webapp_auth import InitDataRefused, WebAppUser, validate_init_data
from conversations.common import Services
from conversations.i18n import Texts, resolve_locale, texts_for
from core.errors import BookingError, InvalidTransition, NotFound
from core.model import Provider
from core.onboarding import provider_for_user

log = logging.getLogger(__name__)
PAGE_DIR = Path(__file__).resolve().parent / "webapp"
AUTH_SCHEME = "tma"


@dataclass(frozen=True)
class MiniApp:
    """What the routes need: the running PTB application (its services in ``bot_data``,
    its bot for the chat notices, its token that Telegram signs initData with) and
    the folder of the page's files."""

    application: Application  # type: ignore[type-arg]
    page_dir: Path = PAGE_DIR

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]

    @property
    def token(self) -> str:
        return self.application.bot.token

    def chat_context(self) -> CallbackContext:  # type: ignore[type-arg]
        """A context like a handler's, for the notices the chat sends after an action."""
        return self.application.context_types.context(self.application)  # type: ignore[no-any-return]


MINIAPP = web.AppKey("miniapp", MiniApp)


@dataclass(frozen=True)
class Caller:
    """The provider this request acts for, who asked, and the words to answer in."""

    provider: Provider
    user: WebAppUser
    texts: Texts
    is_admin: bool

    @property
    def provider_id(self) -> int:
        assert self.provider.id is not None
        return self.provider.id


class ApiError(Exception):
    """Answered as JSON ``{"error": message, **extra}`` with ``status``."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def error_response(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status,
                             headers={"Cache-Control": "no-store"})


def _browser_texts(request: web.Request) -> Texts:
    """Before anyone is signed in, the browser's first language is all there is."""
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    return texts_for(resolve_locale(None, first.split("-")[0].lower() or None))


def _signed_in(request: web.Request, miniapp: MiniApp) -> WebAppUser:
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    t = _browser_texts(request)
    if scheme.lower() != AUTH_SCHEME or not raw.strip():
        raise ApiError(401, t._("Sign-in missing: open the app from the chat."), code="unauthorized")
    try:
        return validate_init_data(raw.strip(), miniapp.token, miniapp.services.clock())
    except InitDataRefused as refused:
        log.info("mini app sign-in refused: %s", refused.reason)
        raise ApiError(401, t._("Sign-in refused: open the app from the chat again."),
                       code="unauthorized") from None


async def _acting_for(request: web.Request, miniapp: MiniApp, user: WebAppUser) -> Caller:
    svc = miniapp.services
    admin = user.id in svc.admin_ids
    own = await provider_for_user(svc.uow(), user.id)
    named = request.query.get("provider")
    t = texts_for(resolve_locale(None, user.language_code))
    if named is not None:
        if not named.isdigit() or len(named) > 18:
            raise ApiError(400, t._("This is not a valid request."), field="provider")
        wanted = int(named)
        if own is None or own.id != wanted:
            if not admin:
                raise ApiError(403, t._("Only the provider of this calendar may open it."),
                               code="forbidden")
            async with svc.uow() as unit:
                own = await unit.providers.get(wanted)
            if own is None:
                raise ApiError(403, t._("Only the provider of this calendar may open it."),
                               code="forbidden")
    if own is None:
        raise ApiError(403, t._("Only the provider of this calendar may open it."), code="forbidden")
    locale = resolve_locale(own.language, user.language_code)
    return Caller(own, user, texts_for(locale), admin)


Handler = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]


def api(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        miniapp = request.app[MINIAPP]
        caller: Caller | None = None
        try:
            user = _signed_in(request, miniapp)
            caller = await _acting_for(request, miniapp, user)
            response = await handler(request, caller)
        except ApiError as refused:
            return error_response(refused.status, refused.message, **refused.extra)
        except NotFound:
            t = caller.texts if caller else texts_for(None)
            return error_response(404, t._("Not found: it may have been removed."), code="not_found")
        except InvalidTransition:
            t = caller.texts if caller else texts_for(None)
            return error_response(409, t._("That is no longer possible."), code="conflict")
        except BookingError as refused:
            t = caller.texts if caller else texts_for(None)
            log.info("mini app: the rules refused: %s", type(refused).__name__)
            return error_response(409, t._("That is no longer possible."), code="conflict")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return guarded


ModelT = TypeVar("ModelT", bound=BaseModel)


def _field(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ())) or "body"


async def body_of(request: web.Request, model: type[ModelT], t: Texts) -> ModelT:
    """The JSON body as ``model`` (extra fields forbidden), or a 400 naming the field."""
    try:
        raw = await request.read()
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, t._("This is not a valid request."), field="body") from None
    return parsed(model, data, t)


def parsed(model: type[ModelT], data: Any, t: Texts) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        raise ApiError(400, t._("This is not a valid request."), field=_field(first)) from None


def path_int(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 18:
        raise NotFound(name, value)  # the route's own regex keeps this from happening
    return int(value)
