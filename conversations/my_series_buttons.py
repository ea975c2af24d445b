"""/my's buttons for a weekly series (issue #14), re-exported by ``callbacks.py``.

Series and appointment ids are re-checked against the client tapping: another
client's reads as an expired menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.callback_codec import Callback, button


@button("ya")
@dataclass(frozen=True)
class MySeries(Callback):
    """A series' screen: its occurrences still to come, each a button."""

    series: int


@button("yp")
@dataclass(frozen=True)
class MySeriesPage(MySeries):
    """Page ``page`` of a long series (a subclass, so MySeries' handler takes it: see MyPage)."""

    page: int


@button("yb")
@dataclass(frozen=True)
class AskCancelRest(Callback):
    """Cancel this occurrence and all later ones of its series: ask first."""

    appointment: int


@button("yc")
@dataclass(frozen=True)
class ConfirmCancelRest(Callback):
    appointment: int
