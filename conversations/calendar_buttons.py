"""/calendar's buttons: the provider's own calendars (feeds, a CalDAV calendar) and their
calendar link (re-exported by ``callbacks.py``, where every button is found). Feed,
conflict and account ids are re-checked against the provider the caller runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.callback_codec import Callback, button


@button("fc")
@dataclass(frozen=True)
class CalendarMenu(Callback):
    pass


@button("fa")
@dataclass(frozen=True)
class FeedAdd(Callback):
    """Ask for a calendar's secret address."""


@button("fr")
@dataclass(frozen=True)
class FeedRemove(Callback):
    """Remove feed ``feed``: ``confirm`` False asks first."""

    feed: int
    confirm: bool


@button("fs")
@dataclass(frozen=True)
class FeedSync(Callback):
    pass


@button("fl")
@dataclass(frozen=True)
class FeedLink(Callback):
    """Make a calendar link; ``confirm`` False warns first when it would replace one."""

    confirm: bool


@button("kc")
@dataclass(frozen=True)
class ConflictDecision(Callback):
    """Under a busy time over a booking: cancel the booking (True) or keep it (False)."""

    conflict: int
    cancel: bool


@button("dc")
@dataclass(frozen=True)
class CalDavConnect(Callback):
    """Ask for a CalDAV server's address, then the user name, then the app password."""


@button("dd")
@dataclass(frozen=True)
class CalDavDisconnect(Callback):
    """Forget the provider's CalDAV calendar: ``confirm`` False asks first."""

    confirm: bool
