"""Run an ASGI app under a real server (uvicorn or hypercorn) on 127.0.0.1, in a thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SERVERS = ("uvicorn", "hypercorn")


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


@contextmanager
def running(app: Any, server: str) -> Iterator[str]:
    """Serve ``app`` with ``server``; yields ``127.0.0.1:PORT``; stops and joins on exit."""
    port = free_port()
    if server == "uvicorn":
        import uvicorn

        uv_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="auto"))
        thread = threading.Thread(target=uv_server.run, daemon=True)

        def stop() -> None:
            uv_server.should_exit = True

    else:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.loglevel = "ERROR"
        loop = asyncio.new_event_loop()
        shutdown = asyncio.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve(app, config, shutdown_trigger=shutdown.wait))
            loop.close()

        thread = threading.Thread(target=run, daemon=True)

        def stop() -> None:
            loop.call_soon_threadsafe(shutdown.set)

    thread.start()
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        stop()
        thread.join(timeout=10)
        assert not thread.is_alive(), f"{server} did not stop"
