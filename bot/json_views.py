"""Plain, JSON-ready views printed by the command line (UTC times with ``Z``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.localtime import require_utc
from core.model import Appointment


def describe(appointment: Appointment) -> dict[str, object]:
    """A plain, JSON-ready view of an appointment (UTC times with ``Z``)."""
    return {
        "id": appointment.id,
        "provider_id": appointment.provider_id,
        "client_id": appointment.client_id,
        "type_id": appointment.type_id,
        "status": appointment.status.value,
        "start": utc_iso(appointment.start),
        "end": utc_iso(appointment.end),
        "late_cancel": appointment.late_cancel,
        "cancel_reason": appointment.cancel_reason,
        "notes": appointment.notes,
    }


def utc_iso(instant: datetime) -> str:
    return require_utc(instant).replace(tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class Reported:
    """Output printed like any other, with an exit code of its own: ``calendar sync``
    prints every feed's result and exits 1 when one of them failed."""

    output: object
    exit_code: int
