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
from conversations.delivery import SendFailure, send_failure
from conversations.i18n import Texts, texts_for
from conversations.markup import LIST_NAME_LIMIT, escape, fit, label
from core.digest import Digest, claim_due_digests, release_digest

log = logging.getLogger(__name__)
DIGEST_JOB = "morning-digest"
DIGEST_POLL_SECONDS = 60
#: Waiting requests listed (each with its button); the rest are counted, /agenda has them.
PENDING_SHOWN = 8
#: Refused sends of one digest retried (a poll apart) before it is given up for the day:
#: a refusal that lasts (a chat that is gone) must not cost a request a minute all day.
REFUSALS_RETRIED = 3


def digest_message(digest: Digest) -> tuple[str, InlineKeyboardMarkup | None]:
    t = texts_for(digest.provider.language)
    provider = digest.provider
    text = "☀️ " + ptexts.agenda(t, provider, digest.day, digest.day, digest.today)
    hidden = len(digest.today) - len(ptexts.agenda_page(digest.today).items)
    if hidden > 0:
        text += "\n" + _see_agenda(t, hidden)
    rows = []
    if digest.pending:
        text += "\n\n" + t._("Requests waiting for your confirmation:")
        for item in digest.pending[:PENDING_SHOWN]:
            when = t.format_datetime(item.appointment.start, provider.timezone, "short")
            name, kind = ptexts.plain_client_name(t, item), item.appt_type.name
            text += f"\n• {when} · {escape(name, LIST_NAME_LIMIT)} · {escape(kind, LIST_NAME_LIMIT)}"
            rows.append([InlineKeyboardButton(
                label(f"{when} · {name} · {kind}"),
                callback_data=cb.encode(cb.AgendaEntry(item.appointment.id)),  # type: ignore[arg-type]
            )])
        if len(digest.pending) > PENDING_SHOWN:
            text += "\n" + _see_agenda(t, len(digest.pending) - PENDING_SHOWN)
    return fit(text), InlineKeyboardMarkup(rows) if rows else None


def _see_agenda(t: Texts, n: int) -> str:
    return t.ngettext("… and {n} more: see /agenda.", "… and {n} more: see /agenda.", n).format(n=n)


async def send_digests(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    refusals: dict[tuple[int, object], int] = context.bot_data.setdefault("digest_refusals", {})
    for digest in await claim_due_digests(svc.uow(), svc.clock()):
        text, markup = digest_message(digest)
        try:
            await context.bot.send_message(
                digest.provider.telegram_user_id, text, parse_mode=ParseMode.HTML, reply_markup=markup  # type: ignore[arg-type]
            )
        except TelegramError as exc:
            failure = send_failure(exc)
            if failure is SendFailure.MAYBE_SENT or failure is SendFailure.BLOCKED:
                # It may have arrived (a timeout after Telegram took it), or nobody reads
                # it: never sent twice, the day is done.
                log.warning("digest for provider %s not resent (%s): %s",
                            digest.provider.id, failure.value, exc)
                continue
            # Surely not delivered (refused, flood, never left): the day is not done. The
            # claim is given back and the next poll tries again; a refusal a few times only.
            for old in [k for k in refusals if k[1] != digest.day]:
                del refusals[old]  # only today's count matters
            key = (digest.provider.id, digest.day)
            if failure is SendFailure.REFUSED:
                refusals[key] = refusals.get(key, 0) + 1
            retry = refusals.get(key, 0) <= REFUSALS_RETRIED
            log.warning("digest for provider %s not sent (%s: %s)%s", digest.provider.id,
                        failure.value, exc, "; retried at the next poll" if retry else "; given up for today")
            if retry:
                await release_digest(svc.uow(), digest)
