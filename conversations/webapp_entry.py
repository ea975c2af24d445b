"""Where a provider opens the Mini App from the chat: an "Open my week" button in /agenda
and the chat's menu button, set when they link their account.

Only when the bot has a public HTTPS address (``SLOTBOT_PUBLIC_URL``): Telegram opens
Web Apps from https:// URLs only, and without one there is nothing to open.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from conversations.i18n import Texts

log = logging.getLogger(__name__)
APP_PATH = "/app/"


def miniapp_url(public_url: str | None) -> str | None:
    """The page's address, or ``None`` when the bot has no public HTTPS base."""
    if not public_url or not public_url.startswith("https://"):
        return None
    return public_url.rstrip("/") + APP_PATH


def open_week_label(t: Texts) -> str:
    return "🗓 " + t._("Open my week")


def with_open_week(t: Texts, markup: InlineKeyboardMarkup | None,
                   public_url: str | None) -> InlineKeyboardMarkup | None:
    """``markup`` with an "Open my week" web_app button below it (when there is a URL)."""
    url = miniapp_url(public_url)
    if url is None:
        return markup
    rows = list(markup.inline_keyboard) if markup is not None else []
    rows.append([InlineKeyboardButton(open_week_label(t), web_app=WebAppInfo(url=url))])
    return InlineKeyboardMarkup(rows)


async def set_menu_button(bot: Bot, chat_id: int, t: Texts, public_url: str | None) -> bool:
    """The chat's menu button opens the week; a failure is logged, never shown."""
    url = miniapp_url(public_url)
    if url is None:
        return False
    try:
        await bot.set_chat_menu_button(
            chat_id=chat_id, menu_button=MenuButtonWebApp(open_week_label(t), WebAppInfo(url=url))
        )
    except TelegramError as exc:
        log.warning("menu button for chat %s: %r", chat_id, exc)
        return False
    return True
