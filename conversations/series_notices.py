"""One message about a whole series, never one per occurrence (issue #14).

Sent after the change is committed, at most once (``notifications._send`` never
resends). Who is told is whoever did not act: the provider of a client's series,
the client of the provider's, both of the command line's.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.common import services
from conversations.markup import escape
from conversations.i18n import Texts, resolve_locale, texts_for
from conversations.notifications import _load, _send
from conversations.provider_texts import client_label as _client_name
from conversations.provider_series_views import series_decision_keyboard
from conversations.series_texts import series_booked as booked_text
from conversations.series_texts import series_cancelled as cancelled_text
from core.model import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    SeriesBookedBy,
)


def _t(language: str | None) -> Texts:
    return texts_for(resolve_locale(language, None))


async def series_booked(
    context: ContextTypes.DEFAULT_TYPE, series_id: int, *, by: SeriesBookedBy,
    client_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Tell of a new series: the provider unless they booked it, the client unless they did."""
    async with services(context).uow() as unit:
        series = await unit.series.get(series_id)
        occurrences = [] if series is None else await unit.series.occurrences(series_id)
    active = [a for a in occurrences if a.is_active]
    if series is None or not active:
        return
    loaded = await _load(context, active[0].id)  # type: ignore[arg-type]
    if loaded is None:
        return
    details, client = loaded
    provider, appt_type = details.provider, details.appt_type
    starts = [a.start for a in active]
    skipped = [(s.start, s.reason) for s in series.skipped]
    if by is not SeriesBookedBy.PROVIDER:
        t = _t(provider.language)
        pending = any(a.status is AppointmentStatus.PENDING for a in active)
        head = (t._("🆕 New weekly series — please confirm each session in /agenda:") if pending
                else t._("🆕 New weekly series booked:"))
        # Waiting sessions are decided together from here ("Confirm all" / "Decline all").
        decide = series_decision_keyboard(t, series_id) if pending else None
        await _send(context.bot, provider.telegram_user_id, booked_text(
            t, head=head, who=_client_name(t, client), provider=provider, appt_type=appt_type,
            starts=starts, skipped=skipped, client_zone=provider.timezone,
            every_weeks=series.every_weeks,
        ), decide)
    if by is not SeriesBookedBy.CLIENT:
        t = _t(client.language)
        head = t._("🔁 {provider} booked a weekly series for you:").format(provider=escape(provider.name))
        await _send(context.bot, client.telegram_user_id, booked_text(
            t, head=head, who=provider.name, provider=provider, appt_type=appt_type,
            starts=starts, skipped=[], client_zone=client.timezone,
            every_weeks=series.every_weeks,
        ), client_markup or keyboards.after_booking(t))


async def series_cancelled(
    context: ContextTypes.DEFAULT_TYPE, cancelled: Sequence[Appointment], *, by: CancelledBy,
    reason: str | None = None,
) -> None:
    """Tell of occurrences cancelled together: the other side, once."""
    if not cancelled:
        return
    loaded = await _load(context, cancelled[0].id)  # type: ignore[arg-type]
    if loaded is None:
        return
    details, client = loaded
    provider, appt_type = details.provider, details.appt_type
    starts = [a.start for a in cancelled]
    if by is not CancelledBy.PROVIDER:
        t = _t(provider.language)
        late = any(a.late_cancel for a in cancelled)
        head = (t._("❌ The client cancelled these sessions of their series (late: inside your minimum notice):")
                if late else t._("❌ The client cancelled these sessions of their series:"))
        await _send(context.bot, provider.telegram_user_id, cancelled_text(
            t, head=head, who=_client_name(t, client), provider=provider, appt_type=appt_type,
            starts=starts, client_zone=provider.timezone, reason=reason,
        ))
    if by is not CancelledBy.CLIENT:
        t = _t(client.language)
        head = t._("❌ {provider} cancelled these sessions of your series:").format(provider=escape(provider.name))
        await _send(context.bot, client.telegram_user_id, cancelled_text(
            t, head=head, who=provider.name, provider=provider, appt_type=appt_type,
            starts=starts, client_zone=client.timezone, reason=reason,
        ), keyboards.after_booking(t))


async def series_decided(
    context: ContextTypes.DEFAULT_TYPE, decided: Sequence[Appointment], *, confirmed: bool
) -> None:
    """Tell the client, once, that the provider confirmed or declined their waiting sessions."""
    if not decided:
        return
    loaded = await _load(context, decided[0].id)  # type: ignore[arg-type]
    if loaded is None:
        return
    details, client = loaded
    provider, appt_type = details.provider, details.appt_type
    t = _t(client.language)
    head = (t._("✅ {provider} confirmed these sessions of your series:") if confirmed
            else t._("✖️ {provider} declined these sessions of your series:")).format(provider=escape(provider.name))
    await _send(context.bot, client.telegram_user_id, cancelled_text(
        t, head=head, who=provider.name, provider=provider, appt_type=appt_type,
        starts=[a.start for a in decided], client_zone=client.timezone,
    ), keyboards.after_booking(t))
