"""Learn that the server is stopping: its SIGTERM / SIGINT handler, chained.

No server tells an app it is stopping before it waits for the open connections to end, so an
endless stream would keep it up until a graceful-shutdown timeout cuts it. But a server that runs
the app's event loop in a process's main thread sets a Python handler for SIGTERM and SIGINT
before it serves: uvicorn's ``signal.signal``, granian's worker's and hypercorn's (``--workers 0``:
in one process) ``loop.add_signal_handler``, a no-op handler whose signal number the loop reads
from its wakeup fd. The first stream opened in the main thread puts ``_on_stop_signal`` in front
of that handler: it wakes every open stream (in its loop, through ``call_soon_threadsafe``: a
signal handler runs between any two bytecodes of the main thread), then calls the server's
handler, which goes on as before (the wakeup fd is written by the interpreter for any Python
handler).

Nothing is installed over ``SIG_DFL`` / ``SIG_IGN`` (the process dies, or the user chose to ignore
the signal) nor over Python's ``default_int_handler`` (no server's: ``KeyboardInterrupt`` ends the
loop anyway); ``asyncio.run``'s SIGINT handler (it cancels the main task) counts as a server's.
A server that sets its handler again later (a new serve in the same process) replaces ours; the
next stream puts ours back in front of it, the process no longer stopping. The process stops while
the handler that got the signal stays (a server restores the previous handlers once stopped).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["is_stopping", "when_stopping"]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

# The handler as set, without ``signal.getsignal``'s conversion to ``Handlers`` (which raises and
# catches a ValueError for every Python handler: 5 us, paid by each stream).
_getsignal: Callable[[int], Any] = getattr(signal, "_signal", signal).getsignal

#: The handler each stop signal had before ours: called after ours.
_previous: dict[int, Callable[[int, FrameType | None], Any]] = {}
#: What to call, and in which loop, when the process is told to stop; keyed by a token of each.
_watchers: dict[object, tuple[asyncio.AbstractEventLoop, Callable[[], object]]] = {}
#: The stop signal that reached the server's handler through ours since ours was put in front of it.
_stopped_by: list[int | None] = [None]


def _on_stop_signal(signum: int, frame: FrameType | None) -> None:
    _stopped_by[0] = signum
    for loop, callback in list(_watchers.values()):
        with contextlib.suppress(RuntimeError):  # a closed loop: nothing of it to wake
            loop.call_soon_threadsafe(callback)
    previous = _previous.get(signum)
    if previous is not None:
        previous(signum, frame)


def _chain_in_front_of_the_servers_handlers() -> bool:
    """Put ours in front of each server's stop handler not yet chained; whether one is chained."""
    chained = False
    for signum in _STOP_SIGNALS:
        current = _getsignal(signum)
        if current is _on_stop_signal:
            chained = True
        elif callable(current) and current is not signal.default_int_handler:
            _previous[signum] = current
            signal.signal(signum, _on_stop_signal)
            _stopped_by[0] = None  # a server (re)started serving since the last stop
            chained = True
    return chained


def is_stopping() -> bool:
    """Whether a stop signal reached the server's handler through ours since it last set it."""
    return _stopped_by[0] is not None


def when_stopping(callback: Callable[[], object]) -> Callable[[], None] | None:
    """Call ``callback`` in the running event loop when the server is told to stop; now if it has
    been (then it may be called once more: it must not mind). Returns the function that ends the
    watch, or None when nothing is watched.

    Only the main thread gets signals: elsewhere (a server run in a thread, the test client in one)
    and outside an asyncio loop, nothing is watched.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    stopped_by = _stopped_by[0]
    if stopped_by is not None and _getsignal(stopped_by) is not _on_stop_signal:
        _stopped_by[0] = None  # the handler that got the stop is gone: its server has stopped
    if not _chain_in_front_of_the_servers_handlers():
        return None  # no server's handler to learn it from
    token = object()
    _watchers[token] = (loop, callback)
    if _stopped_by[0] is not None:  # checked once watched: a signal may come between any two lines
        del _watchers[token]
        callback()
        return None

    def unwatch() -> None:
        _watchers.pop(token, None)

    return unwatch
