"""Texts about weekly series (issue #14): pure functions of what they show.

Every occurrence line names the leading zone's date and time (as ``texts.when``
decides: the provider's for a visit, the client's for a video call) and, when
the other zone differs, the other's time in brackets, so nobody has to convert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from conversations.i18n import Texts
from conversations.markup import escape, fit
from conversations.texts import display_zone, every_text  # every_text lives there for /my
from core.model import AppointmentType, Provider

def reason_text(t: Texts, reason: str) -> str:
    texts = {
        "TAKEN": t._("taken"),
        "DAY_OFF": t._("day off"),
        "BLOCKED": t._("blocked"),
        "OUTSIDE_HOURS": t._("outside working hours"),
        "TOO_SOON": t._("too soon to book"),
        "BEYOND_HORIZON": t._("too far ahead to book yet"),
        "DST_GAP": t._("this time does not exist that day (clocks change)"),
        "SKIPPED": t._("skipped"),
    }
    return texts.get(reason) or escape(reason)


def occurrence_line(t: Texts, start: datetime, lead: str, other: str | None) -> str:
    """"Mon, Dec 14, 2026, 10:00 (16:00 Tokyo)": the lead zone first."""
    text = t.format_datetime(start, lead, "medium")
    if other and other != lead:
        text += " (" + t._("{time} {zone}").format(
            time=t.format_datetime(start, other, "short"), zone=t.zone_name(other)
        ) + ")"
    return text


def zones(client_zone: str | None, provider: Provider, appt_type: AppointmentType) -> tuple[str, str | None]:
    """The leading zone and the other one worth showing beside it."""
    lead = display_zone(client_zone, provider, appt_type)
    other = client_zone if lead == provider.timezone else provider.timezone
    return lead, other


def series_booked(
    t: Texts, *, head: str, who: str, provider: Provider, appt_type: AppointmentType,
    starts: Sequence[datetime], skipped: Sequence[tuple[datetime, str]],
    client_zone: str | None, every_weeks: int,
) -> str:
    """A booked series: who and what, every occurrence, and what was left out and why."""
    lead, other = zones(client_zone, provider, appt_type)
    lines = [
        head,
        f"<b>{escape(appt_type.name)}</b> — {escape(who)}",
        t.ngettext("{n} session, {every}:", "{n} sessions, {every}:", len(starts)).format(
            n=len(starts), every=every_text(t, every_weeks)
        ),
    ]
    lines += ["• " + occurrence_line(t, s, lead, other) for s in starts]
    if skipped:
        lines.append(t._("Not booked:"))
        lines += [
            "• " + occurrence_line(t, s, lead, other) + " — " + reason_text(t, r) for s, r in skipped
        ]
    return fit("\n".join(lines))


def series_cancelled(
    t: Texts, *, head: str, who: str, provider: Provider, appt_type: AppointmentType,
    starts: Sequence[datetime], client_zone: str | None, reason: str | None = None,
) -> str:
    lead, other = zones(client_zone, provider, appt_type)
    lines = [head, f"<b>{escape(appt_type.name)}</b> — {escape(who)}"]
    lines += ["• " + occurrence_line(t, s, lead, other) for s in starts]
    if reason:
        lines.append(t._("Reason: {reason}").format(reason=escape(reason)))
    return fit("\n".join(lines))
