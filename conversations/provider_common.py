"""Who may run a provider's calendar: the linked account, or an admin acting for it."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from conversations.common import answer, caller, services, show
from conversations.i18n import Texts, resolve_locale, texts_for
from core.model import Provider
from core.onboarding import provider_for_user

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]
ACTING_FOR = "acting_for"  # user_data key: the provider id an admin acts for


@dataclass(frozen=True)
class Acting:
    """The provider whose calendar this update may change, and the words to use."""

    provider: Provider
    texts: Texts
    is_admin: bool


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in services(context).admin_ids


async def resolve_acting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Acting | None:
    user = update.effective_user
    if user is None:
        return None
    svc = services(context)
    provider = await provider_for_user(svc.uow(), user.id)
    admin = is_admin(update, context)
    if provider is None and admin and context.user_data.get(ACTING_FOR):  # type: ignore[union-attr]
        async with svc.uow() as unit:
            provider = await unit.providers.get(context.user_data[ACTING_FOR])  # type: ignore[index]
    if provider is None:
        return None
    locale = resolve_locale(provider.language, caller(context).texts.locale)
    return Acting(provider, texts_for(locale), admin)


def acting(context: ContextTypes.DEFAULT_TYPE) -> Acting:
    who = getattr(context, "acting", None)
    if who is None:
        raise LookupError("no provider is acted for in this update")
    return who  # type: ignore[no-any-return]


def provider_only(handler: Handler) -> Handler:
    """Run ``handler`` only for a linked provider (or an admin acting for one).

    Anyone else, including another provider's forged button, gets a polite
    refusal; what the handler touches is then scoped to ``acting(context)``.
    """

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        found = await resolve_acting(update, context)
        if found is None:
            t = caller(context).texts
            await answer(update, t._("This is for providers."))
            await show(
                update,
                t._("This command is for providers. To book an appointment, use /book."),
                new_message=True,
            )
            return ConversationHandler.END
        context.acting = found  # type: ignore[attr-defined]
        return await handler(update, context)

    return guarded
