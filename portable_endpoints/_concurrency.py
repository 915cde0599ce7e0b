from __future__ import annotations

import asyncio
import functools
import inspect
import sys
import threading
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from types import FunctionType
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def is_async_callable(obj: Any) -> bool:
    if type(obj) is FunctionType and obj.__code__.co_flags & inspect.CO_COROUTINE:
        return True  # an ``async def``: half the time of inspect's checks, in every endpoint class's first build
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or (callable(obj) and inspect.iscoroutinefunction(obj.__call__))


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking callable in a worker thread, never on the event loop."""
    import anyio.to_thread  # on first use: a host not built on anyio need not import it

    if kwargs:
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))
    return await anyio.to_thread.run_sync(func, *args)


def withdraw_cancel(task: asyncio.Task[Any] | None) -> int:
    """Withdraw a cancellation of ``task`` that we asked for; how many others are left (to be
    raised). Python 3.10 cannot withdraw one: 0 there."""
    if task is None or sys.version_info < (3, 11):
        return 0
    return task.uncancel()


class _StopIteration(Exception):
    pass


class _ThreadedIterator:
    """An iterator read one ``next()`` at a time in worker threads, closable from the event loop.

    A close asked for while a thread is inside ``next()`` cannot run there and then ("generator
    already executing"), and a host's cancellation may not wait for the thread: that thread then
    closes the iterator itself as soon as its ``next()`` returns, so the generator's ``finally``
    never waits for the garbage collector.
    """

    __slots__ = ("_busy", "_close_asked", "_iterator", "_lock")

    def __init__(self, iterator: Iterator[Any]) -> None:
        self._iterator = iterator
        self._lock = threading.Lock()
        self._busy = False
        self._close_asked = False

    def next_in_thread(self) -> Any:
        # StopIteration cannot cross a thread boundary inside a coroutine.
        with self._lock:
            if self._close_asked:
                raise _StopIteration
            self._busy = True
        try:
            return next(self._iterator)
        except StopIteration:
            raise _StopIteration from None
        finally:
            with self._lock:
                self._busy = False
                close_now = self._close_asked
            if close_now:
                self._close_iterator()

    def close(self) -> None:
        with self._lock:
            self._close_asked = True
            if self._busy:
                return  # the thread inside next() closes it when that returns
        self._close_iterator()

    def _close_iterator(self) -> None:
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncGenerator[T, None]:
    """Each item of ``iterable``, read in a worker thread; closed early, it closes the iterator.

    A generator's ``close()`` then runs its ``finally`` at once, not whenever it is garbage-collected;
    when a ``next()`` is still under way in its thread (threads cannot be interrupted, and a host's
    own cancellation may not wait for them), as soon as that ``next()`` returns.
    """
    import anyio.to_thread  # on first use: a host not built on anyio need not import it

    threaded = _ThreadedIterator(iter(iterable))
    exhausted = False
    try:
        while True:
            try:
                yield await anyio.to_thread.run_sync(threaded.next_in_thread)
            except _StopIteration:
                exhausted = True
                break
    finally:
        if not exhausted:
            threaded.close()
