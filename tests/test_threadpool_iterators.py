"""A sync iterator read in worker threads is closed when its reader stops, even mid-``next()``."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Generator

import anyio
import pytest

from portable_endpoints._concurrency import iterate_in_threadpool

#: A bound on waits for worker threads; never reached when the behaviour holds.
BOUND = 5.0


def gated(inside: threading.Event, release: threading.Event, closed: threading.Event) -> Generator[int, None, None]:
    try:
        yield 1
        inside.set()
        release.wait(BOUND)  # the second next() stays in its thread until the test releases it
        yield 2
        yield 3
    finally:
        closed.set()


def test_a_close_asked_while_a_thread_is_inside_next_is_done_by_that_thread() -> None:
    """A host cancels its task with asyncio (Django 6.1's TaskGroup) without waiting for the
    thread; the generator is closed as soon as its ``next()`` returns, not by the garbage collector
    (the test holds a reference to it, so the collector never could)."""
    inside, release, closed = threading.Event(), threading.Event(), threading.Event()
    generator = gated(inside, release, closed)

    async def main() -> list[int]:
        items: list[int] = []
        chunks = iterate_in_threadpool(generator)

        async def read() -> None:
            async for item in chunks:
                items.append(item)

        task = asyncio.ensure_future(read())
        await asyncio.to_thread(inside.wait, BOUND)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await chunks.aclose()
        assert not closed.is_set()  # the thread is still inside next()
        release.set()
        assert await asyncio.to_thread(closed.wait, BOUND)
        return items

    assert asyncio.run(main()) == [1]
    assert inspect.getgeneratorstate(generator) == inspect.GEN_CLOSED


def test_an_iterator_closed_between_items_is_closed_at_once() -> None:
    inside, release, closed = threading.Event(), threading.Event(), threading.Event()
    release.set()

    async def main() -> None:
        chunks = iterate_in_threadpool(gated(inside, release, closed))
        assert await chunks.__anext__() == 1
        await chunks.aclose()
        assert closed.is_set()

    anyio.run(main)


def test_an_exhausted_iterator_yields_every_item() -> None:
    async def main() -> list[int]:
        return [item async for item in iterate_in_threadpool(range(5))]

    assert anyio.run(main) == [0, 1, 2, 3, 4]
