"""SIGTERM to a real server with streams and a WebSocket open, no graceful-shutdown timeout set.

Each server runs in a process of its own (``python -m uvicorn|hypercorn|granian``) serving an app
built for the host under test, from a module written to ``tmp_path``; what the app did is recorded
in files (the stream's ``finally``, the WebSocket's ``on_disconnect``), read by the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from portable_endpoints.testing.plugin import Host

from .servers import free_port, wait_for_port

APP_MODULE = textwrap.dedent(
    """
    import os
    from pathlib import Path

    import anyio

    import portable_endpoints as pe
    from portable_endpoints.sse import EventSourceResponse

    MARKS = Path(os.environ["PE_MARKS"])


    def mark(name, text=""):
        with open(MARKS / name, "a") as file:
            file.write(text)


    async def three_then_wait(name, end):
        try:
            for number in range(3):
                yield f"{number}{end}"
            await anyio.sleep_forever()
        finally:
            mark(name)


    async def stream(request):
        return pe.StreamingResponse(three_then_wait("stream", "\\n"), media_type="text/plain")


    async def events(request):
        return EventSourceResponse(three_then_wait("events", ""), ping=0)


    class Socket(pe.WebSocketEndpoint):
        async def on_connect(self, websocket):
            await websocket.accept()
            await websocket.send_text("open")

        async def on_disconnect(self, websocket, close_code):
            mark("websocket", f"{close_code}\\n")


    app = pe.create_app(
        [pe.Route("/stream", stream), pe.Route("/events", events), pe.WebSocketRoute("/ws", Socket)],
        framework=os.environ["PE_FRAMEWORK"],
    )
    """
)


def command(server: str, port: int) -> list[str]:
    """The server's own command line, with no graceful-shutdown timeout."""
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "shutdown_app:app", "--port", str(port), "--log-level", "warning"]
    if server == "hypercorn":
        return [sys.executable, "-m", "hypercorn", "--workers", "0", "shutdown_app:app", "--bind", f"127.0.0.1:{port}"]
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port)),
        *("--log-level", "warning", "shutdown_app:app"),
    ]


class Reader:
    """Reads one open connection in a thread until it ends: its first lines, then how it ended."""

    def __init__(self, read: Any) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.ended: float | None = None
        self.outcome: object = None
        self._thread = threading.Thread(target=self._run, args=(read,), daemon=True)
        self._thread.start()

    def _run(self, read: Any) -> None:
        try:
            self.outcome = read(self)
        except Exception as error:  # the test asserts how it ended
            self.outcome = error
        self.ended = time.monotonic()
        self.ready.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def read_stream(url: str) -> Any:
    def read(reader: Reader) -> str:
        with httpx.stream("GET", url, timeout=30) as response:
            for line in response.iter_lines():
                if line:
                    reader.lines.append(line)
                if len(reader.lines) == 3:
                    reader.ready.set()
        return "ended"

    return read


def read_websocket(url: str) -> Any:
    def read(reader: Reader) -> object:
        with connect(url) as websocket:
            reader.lines.append(str(websocket.recv(timeout=10)))
            reader.ready.set()
            try:
                websocket.recv(timeout=WEBSOCKET_WAIT)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd is not None else None
            except TimeoutError:
                return "still open"  # the client leaves (closes) now
        return "no close"

    return read


#: Longest wait for anything after SIGTERM.
BOUND = 10.0

#: How long the WebSocket client waits for the server to close the connection before it leaves.
WEBSOCKET_WAIT = 5.0

#: What an open WebSocket gets when its server stops, as before streams learnt it (not changed):
#: the close code its client reads (None: the connection ends with no close frame), and the one
#: ``on_disconnect`` gets. uvicorn closes it with 1012 at once; hypercorn waits for it until its
#: graceful timeout (3 s by default), then cancels it (1011); on Python 3.12 and later it waits
#: until the client leaves (pgjones/hypercorn#308: asyncio's ``Server.wait_closed`` waits for
#: every connection), and reports the client's close as 1006; granian drops the connection and
#: ends its worker without waiting for the app: ``on_disconnect`` (1005) runs only if the worker's
#: loop gets to it first (None: it may not run; never twice).
WEBSOCKET_ON_STOP: dict[str, tuple[int | str | None, int | None]] = {
    "uvicorn": (1012, 1012),
    "hypercorn": (1011, 1006) if sys.version_info < (3, 12) else ("still open", 1006),
    "granian": (None, None),
}
#: ``on_disconnect``'s record when it may not run before the worker ends: at most one, 1005.
GRANIAN_ON_DISCONNECT = ("", "1005\n")


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "granian"])
def test_sigterm_ends_open_streams_and_the_server_exits(pe_host: Host, server: str, tmp_path: Path) -> None:
    (tmp_path / "shutdown_app.py").write_text(APP_MODULE)
    marks = tmp_path / "marks"
    marks.mkdir()
    port = free_port()
    env = {**os.environ, "PE_MARKS": str(marks), "PE_FRAMEWORK": pe_host.name, "PYTHONPATH": str(tmp_path)}
    process = subprocess.Popen(command(server, port), cwd=tmp_path, env=env)
    try:
        wait_for_port(port, timeout=30)
        readers = {
            "stream": Reader(read_stream(f"http://127.0.0.1:{port}/stream")),
            "events": Reader(read_stream(f"http://127.0.0.1:{port}/events")),
            "websocket": Reader(read_websocket(f"ws://127.0.0.1:{port}/ws")),
        }
        for reader in readers.values():
            assert reader.ready.wait(BOUND)
        assert readers["stream"].lines == ["0", "1", "2"]
        assert readers["events"].lines == ["data: 0", "data: 1", "data: 2"]
        assert readers["websocket"].lines == ["open"]
        time.sleep(0.2)  # granian's worker may still be starting its signal handling
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        for reader in readers.values():
            reader.join(BOUND)
        exit_code = process.wait(BOUND)
        exited = time.monotonic()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    figures = {name: round((reader.ended or 0) - stopping, 3) for name, reader in readers.items()}
    print(f"\n{pe_host.name} {server}: ended after {figures}, exited after {exited - stopping:.3f} s ({exit_code})")
    outcomes = {name: reader.outcome for name, reader in readers.items()}
    websocket_closed, on_disconnect = WEBSOCKET_ON_STOP[server]
    assert outcomes == {"stream": "ended", "events": "ended", "websocket": websocket_closed}
    assert (marks / "stream").exists()
    assert (marks / "events").exists()
    record = marks / "websocket"
    if on_disconnect is None:
        assert (record.read_text() if record.exists() else "") in GRANIAN_ON_DISCONNECT
    else:
        assert record.read_text() == f"{on_disconnect}\n"  # once
    assert exited - stopping < BOUND
