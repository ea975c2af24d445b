"""Errors the booking core raises; each maps to one clear answer for the user."""

from __future__ import annotations


class BookingError(Exception):
    """Base class: the request was understood but the rules refuse it."""


class NotFound(BookingError):
    """A provider, appointment type, client or appointment that does not exist."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class SlotNoLongerAvailable(BookingError):
    """The requested start is not (or no longer) a slot that would be offered."""


class SlotTaken(SlotNoLongerAvailable):
    """Someone else won the slot: it was offered, but a concurrent booking got it."""


class InvalidTransition(BookingError):
    """The appointment's state does not allow the requested change."""

    def __init__(self, appointment_id: int | None, status: str, action: str) -> None:
        super().__init__(f"appointment {appointment_id} is {status}: cannot {action}")
        self.appointment_id = appointment_id
        self.status = status
        self.action = action


class InvalidProviderData(BookingError):
    """Provider, schedule or appointment type data that breaks a domain rule."""


class LateCancellationRefused(BookingError):
    """The provider does not allow cancelling this close to the start."""

    def __init__(self, provider_message: str | None) -> None:
        super().__init__(provider_message or "late cancellation refused")
        self.provider_message = provider_message


class RescheduleLocked(BookingError):
    """Too close to the start for the client to move the appointment."""


class BookingLimitReached(BookingError):
    """The client already holds as many future bookings with this provider as allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} active bookings per client")
        self.limit = limit


class ClientBlocked(BookingError):
    """The provider has blocked this client."""


class InviteInvalid(BookingError):
    """An invite that does not exist, was used already or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invite {reason}")
        self.reason = reason  # "unknown", "used" or "expired"


class NotAuthorised(BookingError):
    """The caller may not act on this provider's calendar."""
