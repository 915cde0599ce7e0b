"""The suite's key real-server cases under daphne, Channels' own server, on the django host.

Daphne (4.x) itself drops two things an app sends, on every host: the headers of
``websocket.accept`` (``serverAccept`` takes the subprotocol alone) and close reasons
(``serverClose`` sends the code alone). Everything else is as under uvicorn and hypercorn
(``tests/test_servers.py``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent


@pytest.fixture(scope="module")
def daphne() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "pe_daphne_app:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "daphne did not start"
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _seen(server: str, count: int) -> list[object]:
    deadline = time.monotonic() + 5
    while True:
        events: list[object] = httpx.get(f"http://{server}/seen").json()
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.02)


def test_chat_demo_and_http_semantics(daphne: str) -> None:
    assert "<h1>WebSocket Chat</h1>" in httpx.get(f"http://{daphne}/").text
    with connect(f"ws://{daphne}/ws") as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "Message text was: hello"
    assert httpx.get(f"http://{daphne}/n/42").text == "int:42"
    assert httpx.get(f"http://{daphne}/n/-1").status_code == 404
    response = httpx.put(f"http://{daphne}/n/1")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, POST")
    response = httpx.head(f"http://{daphne}/n/1")
    assert (response.status_code, response.content) == (200, b"")
    assert httpx.post(f"http://{daphne}/n/1").text == "posted"


def test_websocket_subprotocol_headers_close_codes_and_rejection(daphne: str) -> None:
    before = len(_seen(daphne, 0))
    with connect(f"ws://{daphne}/chat", subprotocols=["chat.v1", "chat.v2"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat.v2"
        assert ws.response is not None
        assert "x-server" not in ws.response.headers  # daphne's to drop
        ws.send(b"abc")
        assert ws.recv(timeout=5) == b"cba"
        ws.close(code=4001, reason="client leaving")
    with connect(f"ws://{daphne}/chat") as ws:
        ws.send("close-me")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4321  # the reason is daphne's to drop
    with pytest.raises(InvalidStatus) as rejected, connect(f"ws://{daphne}/chat?refuse=1"):
        pass
    assert rejected.value.response.status_code == 403
    events = [event for event in _seen(daphne, before + 3)[before:] if event != "background"]
    assert events == [["disconnect", 4001], ["disconnect", 4321], ["disconnect", 1008]]
