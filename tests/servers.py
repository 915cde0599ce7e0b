"""Run an ASGI app under a real server on 127.0.0.1, in a thread: uvicorn, hypercorn or granian.

``SERVERS`` is the real-server matrix: uvicorn with each HTTP parser (h11, httptools) and each
WebSocket implementation (websockets, wsproto), hypercorn, and granian (its embedded server).
``running(app, "uvicorn")`` is uvicorn with its own choices.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

UVICORN_MATRIX = tuple(
    f"uvicorn-{http}-{ws}" for http in ("h11", "httptools") for ws in ("websockets-sansio", "wsproto")
)
SERVERS = (*UVICORN_MATRIX, "hypercorn", "granian")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _uvicorn(
    app: Any, port: int, server: str, graceful_timeout: float | None
) -> tuple[Callable[[], None], Callable[[], None]]:
    import uvicorn

    options: dict[str, Any] = {}
    if server != "uvicorn":
        _, http, ws = server.split("-", 2)
        options = {"http": http, "ws": ws}
    if graceful_timeout is not None:
        options["timeout_graceful_shutdown"] = graceful_timeout
    uv_server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="auto", **options)
    )

    def stop() -> None:
        uv_server.should_exit = True

    return uv_server.run, stop


def _in_own_loop(
    serve: Callable[[], Any], stop_soon: Callable[[], None]
) -> tuple[Callable[[], None], Callable[[], None]]:
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        # As asyncio.run (and hypercorn's own runner): tasks the app left are cancelled, not dropped.
        leftover = asyncio.all_tasks(loop)
        for task in leftover:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.close()

    def stop() -> None:
        loop.call_soon_threadsafe(stop_soon)

    return run, stop


def _hypercorn(app: Any, port: int, graceful_timeout: float | None) -> tuple[Callable[[], None], Callable[[], None]]:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    if graceful_timeout is not None:
        config.graceful_timeout = graceful_timeout
    config.bind = [f"127.0.0.1:{port}"]
    config.loglevel = "ERROR"
    shutdown = asyncio.Event()
    return _in_own_loop(lambda: serve(app, config, shutdown_trigger=shutdown.wait), shutdown.set)


def _granian(app: Any, port: int) -> tuple[Callable[[], None], Callable[[], None]]:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server.embed import Server

    server = Server(app, address="127.0.0.1", port=port, interface=Interfaces.ASGI, log_level=LogLevels.error)
    return _in_own_loop(server.serve, server.stop)


@contextmanager
def running(app: Any, server: str, *, graceful_timeout: float | None = None, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with ``server`` (one of ``SERVERS``, or ``"uvicorn"``); yields ``127.0.0.1:PORT``.

    ``port``: the port to listen on (a free one by default), e.g. the port of a server stopped
    before, to restart it under clients that reconnect.

    ``graceful_timeout``: how long uvicorn (``--timeout-graceful-shutdown``) or hypercorn
    (``--graceful-timeout``) waits for open connections when stopping before cancelling them.
    """
    if port is None:
        port = free_port()
    if server.startswith("uvicorn"):
        run, stop = _uvicorn(app, port, server, graceful_timeout)
    elif server == "hypercorn":
        run, stop = _hypercorn(app, port, graceful_timeout)
    elif server == "granian":
        run, stop = _granian(app, port)
    else:
        raise ValueError(f"Unknown server {server!r}; known: {', '.join(SERVERS)}")
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        stop()
        thread.join(timeout=10)
        assert not thread.is_alive(), f"{server} did not stop"
