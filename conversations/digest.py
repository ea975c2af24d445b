"""The morning digest job: polls the database, which is the schedule (JobQueue keeps nothing)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import provider_texts as ptexts
from conversations.common import services
from conversations.i18n import texts_for
from core.digest import Digest, claim_due_digests

log = logging.getLogger(__name__)
DIGEST_JOB = "morning-digest"
DIGEST_POLL_SECONDS = 60


def digest_message(digest: Digest) -> tuple[str, InlineKeyboardMarkup | None]:
    t = texts_for(digest.provider.language)
    provider = digest.provider
    text = "☀️ " + ptexts.agenda(t, provider, digest.day, digest.day, digest.today)
    rows = []
    if digest.pending:
        text += "\n\n" + t._("Requests waiting for your confirmation:")
        for item in digest.pending:
            line = f"{t.format_datetime(item.appointment.start, provider.timezone, 'short')} · {item.appt_type.name}"
            text += "\n• " + line
            rows.append([InlineKeyboardButton(line[:60], callback_data=cb.encode(cb.AgendaEntry(item.appointment.id)))])  # type: ignore[arg-type]
    return text, InlineKeyboardMarkup(rows) if rows else None


async def send_digests(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    for digest in await claim_due_digests(svc.uow(), svc.clock()):
        text, markup = digest_message(digest)
        try:
            await context.bot.send_message(
                digest.provider.telegram_user_id, text, parse_mode=ParseMode.HTML, reply_markup=markup  # type: ignore[arg-type]
            )
        except TelegramError as exc:
            log.warning("digest for provider %s not delivered: %s", digest.provider.id, exc)
