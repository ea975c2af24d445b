"""Texts of a provider's time-zone change in /settings: the question and the result."""

from __future__ import annotations


from conversations.markup import escape
from conversations.i18n import Texts
from conversations.provider_texts import client_name
from core.model import AgendaItem

ZONE_LIST_BUDGET = 3000  # characters of listed appointments: the question stays one message


def zone_label(t: Texts, zone_name: str) -> str:
    """"New York (America/New_York)", or just the id when it is its own name."""
    name = t.zone_name(zone_name)
    return zone_name if name == zone_name else f"{name} ({zone_name})"


def zone_change_question(t: Texts, new_zone: str, hit: list[AgendaItem]) -> str:
    """Asked before a zone change that puts booked appointments outside the hours.

    The times are the new zone's: that is where the provider will be.
    """
    lines = [
        t._("In {zone} your hours keep their local times.").format(
            zone=escape(zone_label(t, new_zone))),
        t.ngettext(
            "{n} booked appointment then falls outside your hours or inside a block:",
            "{n} booked appointments then fall outside your hours or inside a block:",
            len(hit),
        ).format(n=len(hit)),
    ]
    used = 0
    for shown, item in enumerate(hit):
        line = (
            f"• {t.format_datetime(item.appointment.start, new_zone, 'medium')} "
            f"{client_name(t, item)} — {escape(item.appt_type.name)}"
        )
        used += len(line)
        if used > ZONE_LIST_BUDGET and shown:
            rest = len(hit) - shown
            lines.append(t.ngettext("… and {n} more.", "… and {n} more.", rest).format(n=rest))
            break
        lines.append(line)
    lines.append(t._(
        "Change the time zone and cancel them (the clients are told and offered a new time), "
        "or change it and keep them?"))
    return "\n".join(lines)


def zone_changed(t: Texts, new_zone: str, cancelled: int) -> str:
    text = t._("Your time zone is now {zone}; your hours keep their local times.").format(
        zone=escape(zone_label(t, new_zone)))
    if cancelled:
        text += " " + t.ngettext(
            "{n} appointment cancelled; the client was told.",
            "{n} appointments cancelled; the clients were told.",
            cancelled,
        ).format(n=cancelled)
    return text
