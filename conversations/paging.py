"""Long lists shown a page at a time, so a message never outgrows Telegram's limits.

A page number arrives in a button and may be stale (the list shrank since) or forged:
it is clamped to the pages there are, never trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int  # from 0, within range
    count: int  # at least 1, even for an empty list
    first_index: int  # of items[0] in the whole list

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number < self.count - 1

    def position(self) -> str:
        """ "2/5": where this page is, for a label or a heading."""
        return f"{self.number + 1}/{self.count}"


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page ``number`` (clamped) of ``items`` in pages of ``size``."""
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    first = number * size
    return Page(tuple(items[first : first + size]), number, count, first)
