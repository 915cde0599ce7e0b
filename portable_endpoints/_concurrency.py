from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


def is_async_callable(obj: Any) -> bool:
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or (callable(obj) and inspect.iscoroutinefunction(obj.__call__))


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking callable in a worker thread, never on the event loop."""
    if kwargs:
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))
    return await anyio.to_thread.run_sync(func, *args)


class _StopIteration(Exception):
    pass


def _next(iterator: Iterator[T]) -> T:
    # StopIteration cannot cross a thread boundary inside a coroutine.
    try:
        return next(iterator)
    except StopIteration:
        raise _StopIteration from None


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Each item of ``iterable``, read in a worker thread; closed early, it closes the iterator.

    A generator's ``close()`` then runs its ``finally`` at once, not whenever it is garbage-collected;
    unless a ``next()`` is still under way in its thread (threads cannot be interrupted, and a
    host's own cancellation may not wait for them): it then ends with that thread.
    """
    iterator = iter(iterable)
    exhausted = False
    try:
        while True:
            try:
                yield await anyio.to_thread.run_sync(_next, iterator)
            except _StopIteration:
                exhausted = True
                break
    finally:
        close = getattr(iterator, "close", None)
        if not exhausted and close is not None:
            # "generator already executing": a host cancelled without waiting for the thread.
            with contextlib.suppress(ValueError):
                close()
