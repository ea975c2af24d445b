"""The client's "Repeat" buttons (issue #14), re-exported by ``callbacks.py``.

The first three name the booking being repeated (provider, type, first start),
re-checked like the booking's own buttons. The preview's carry the draft's stamp
(``series_draft.py``) and an occurrence's index: a stamp that is not the current
draft's answers "expired".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.callback_codec import Callback, button


@button("xr")
@dataclass(frozen=True)
class SeriesRepeat(Callback):
    """Under the booking summary: ask how often."""

    provider_id: int
    type_id: int
    start: datetime


@button("xf")
@dataclass(frozen=True)
class SeriesEvery(Callback):
    """Every ``every`` weeks: ask how many times."""

    provider_id: int
    type_id: int
    start: datetime
    every: int


@button("xu")
@dataclass(frozen=True)
class SeriesUntilAsk(Callback):
    """"Until a date…": ask for the date of the last session. Not a subclass of
    SeriesEvery: routes match by isinstance."""

    provider_id: int
    type_id: int
    start: datetime
    every: int


@button("xn")
@dataclass(frozen=True)
class SeriesCount(Callback):
    """``count`` sessions: a new draft, and its preview."""

    provider_id: int
    type_id: int
    start: datetime
    every: int
    count: int


@button("xp")
@dataclass(frozen=True)
class SeriesPreview(Callback):
    """The preview of draft ``stamp``, its buttons' page ``page``."""

    stamp: int
    page: int = 0


@button("xs")
@dataclass(frozen=True)
class SeriesSwap(Callback):
    """The free times on occurrence ``index``'s date (page ``page``)."""

    stamp: int
    index: int
    page: int = 0


@button("xt")
@dataclass(frozen=True)
class SeriesSwapTo(Callback):
    stamp: int
    index: int
    start: datetime


@button("xk")
@dataclass(frozen=True)
class SeriesSkip(Callback):
    """Leave occurrence ``index`` out (``skip``) or take it back."""

    stamp: int
    index: int
    skip: bool


@button("xc")
@dataclass(frozen=True)
class SeriesConfirm(Callback):
    stamp: int
