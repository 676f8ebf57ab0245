"""``gather`` that runs each coroutine at once and makes a task only for those that must wait.

A scan fans out into some ninety small coroutines per domain, and most of them
find their answer already in the cache (``CachingResolver.prefetch`` sent the
batch): wrapping each in an ``asyncio.Task`` would cost a task, two loop
callbacks and a done-callback apiece for work that never waits. This is what
Python 3.12's eager task factory does; tethers supports 3.11, so it is done here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


class _Resume(Awaitable[T]):
    """The rest of a coroutine that has already run up to its first suspension on ``waiting``."""

    __slots__ = ("coro", "waiting")

    def __init__(self, coro: Coroutine[Any, Any, T], waiting: Any) -> None:
        self.coro = coro
        self.waiting = waiting

    def __await__(self) -> Generator[Any, None, T]:
        coro, waiting = self.coro, self.waiting
        while True:
            try:
                yield waiting  # the task waits on what the coroutine was waiting on
            except BaseException as exc:  # noqa: BLE001 - cancellation and errors go to the coroutine
                try:
                    waiting = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
            else:
                try:
                    waiting = coro.send(None)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]


async def _finish(resume: _Resume[T]) -> T:
    return await resume


async def gather(*coros: Coroutine[Any, Any, T]) -> list[T]:
    """Like ``asyncio.gather`` (results in order, the first exception propagates), but eager."""
    results: list[Any] = [None] * len(coros)
    waiting: list[tuple[int, asyncio.Future[T]]] = []
    for index, coro in enumerate(coros):
        try:
            suspended = coro.send(None)
        except StopIteration as stop:
            results[index] = stop.value
            continue
        except BaseException:
            for other in coros[index + 1:]:
                other.close()
            for _, task in waiting:
                task.cancel()
            raise
        waiting.append((index, asyncio.ensure_future(_finish(_Resume(coro, suspended)))))
    if waiting:
        done = await asyncio.gather(*(task for _, task in waiting))
        for (index, _), value in zip(waiting, done, strict=True):
            results[index] = value
    return results
