"""The stop signal's chaining rules, with real signals in the main thread.

Each test sets its own Python handler for SIGTERM (a server's stand-in) before any signal is sent,
and restores the process's handlers after: a SIGTERM never reaches ``SIG_DFL`` here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from portable_endpoints import _shutdown
from portable_endpoints._shutdown import is_stopping, when_stopping


@pytest.fixture(autouse=True)
def handlers_restored() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run(main: Coroutine[Any, Any, None]) -> None:
    """``main`` in a new event loop; not ``asyncio.run``, which sets a SIGINT handler of its own."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main)
    finally:
        loop.close()


class ServerHandler:
    """A server's stop handler: records the signals it gets."""

    def __init__(self) -> None:
        self.got: list[int] = []

    def __call__(self, signum: int, frame: Any) -> None:
        self.got.append(signum)


def test_ours_runs_in_front_of_the_servers_handler_which_still_runs() -> None:
    server = ServerHandler()
    signal.signal(signal.SIGTERM, server)

    async def main() -> None:
        woken = asyncio.Event()
        when_stopping(woken.set)
        assert signal.getsignal(signal.SIGTERM) is _shutdown._on_stop_signal
        assert not is_stopping()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(woken.wait(), 1)
        assert server.got == [signal.SIGTERM]
        assert is_stopping()
        late: list[bool] = []
        assert when_stopping(lambda: late.append(True)) is None
        assert late == [True]  # watched while stopping: called at once

    run(main())


@pytest.mark.parametrize("handler", [signal.SIG_DFL, signal.SIG_IGN])
def test_nothing_is_installed_over_no_python_handler(handler: Any) -> None:
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    async def main() -> None:
        assert when_stopping(lambda: None) is None  # nothing watched

    run(main())
    assert signal.getsignal(signal.SIGTERM) == handler
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_is_chained_too() -> None:
    server = ServerHandler()
    signal.signal(signal.SIGINT, server)

    async def main() -> None:
        woken = asyncio.Event()
        when_stopping(woken.set)
        signal.raise_signal(signal.SIGINT)
        await asyncio.wait_for(woken.wait(), 1)

    run(main())
    assert server.got == [signal.SIGINT]


def test_a_server_that_sets_its_handler_again_is_chained_again_and_no_longer_stopping() -> None:
    first, second = ServerHandler(), ServerHandler()
    signal.signal(signal.SIGTERM, first)

    async def stop_once(server: ServerHandler) -> None:
        woken = asyncio.Event()
        when_stopping(woken.set)
        signal.raise_signal(signal.SIGTERM)
        await asyncio.wait_for(woken.wait(), 1)

    run(stop_once(first))
    assert is_stopping()
    signal.signal(signal.SIGTERM, second)  # a new serve in the same process

    async def main() -> None:
        called: list[bool] = []
        when_stopping(lambda: called.append(True))
        assert signal.getsignal(signal.SIGTERM) is _shutdown._on_stop_signal
        assert not is_stopping()
        assert called == []
        await stop_once(second)

    run(main())
    assert (first.got, second.got) == ([signal.SIGTERM], [signal.SIGTERM])


def test_an_ended_watch_is_not_called() -> None:
    signal.signal(signal.SIGTERM, ServerHandler())

    async def main() -> None:
        called: list[str] = []
        unwatch = when_stopping(lambda: called.append("ended"))
        woken = asyncio.Event()
        when_stopping(woken.set)
        assert unwatch is not None
        unwatch()
        signal.raise_signal(signal.SIGTERM)
        await asyncio.wait_for(woken.wait(), 1)
        assert called == []

    run(main())


def test_nothing_is_watched_outside_the_main_thread_or_an_event_loop() -> None:
    signal.signal(signal.SIGTERM, server := ServerHandler())
    assert when_stopping(lambda: None) is None  # no running loop
    assert signal.getsignal(signal.SIGTERM) is server
    watched: list[object] = []

    async def in_thread() -> None:
        watched.append(when_stopping(lambda: None))

    thread = threading.Thread(target=run, args=(in_thread(),))
    thread.start()
    thread.join()
    assert signal.getsignal(signal.SIGTERM) is server
    assert watched == [None]
