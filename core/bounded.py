"""Work on many items a few at a time: the timed jobs' runs over feeds and calendars."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def each_of(
    ids: Sequence[int],
    work: Callable[[int], Awaitable[T]],
    concurrency: int,
    keep_going: Callable[[], bool] = lambda: True,
) -> list[T]:
    """``work`` on each id, ``concurrency`` at a time (a connection each), none started
    once ``keep_going()`` is false; the results in the order of ``ids``."""
    results: dict[int, T] = {}
    waiting = iter(ids)

    async def worker() -> None:
        for ident in waiting:  # shared: each id goes to one worker
            if not keep_going():
                return
            results[ident] = await work(ident)

    workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(ids)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:  # a database failure ends the run, not only its worker
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return [results[i] for i in ids if i in results]
