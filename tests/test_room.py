"""``portable-endpoints serve examples/room.py``: one room on every host (a real uvicorn subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from portable_endpoints.testing.plugin import Host

from .servers import free_port, wait_for_port

ROOT = Path(__file__).parent.parent


@pytest.fixture
def served_room(pe_host: Host) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "portable_endpoints", "serve", "examples/room.py", "--framework", pe_host.name]
    env = {key: value for key, value in os.environ.items() if key != "BROADCAST_URL"}  # the memory:// default
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        assert f"Serving examples/room.py on {pe_host.name}" in stderr


def test_serve_runs_the_room_and_every_page_gets_every_message(served_room: str) -> None:
    assert "<h1>WebSocket Room</h1>" in httpx.get(f"http://{served_room}/").text
    with connect(f"ws://{served_room}/ws") as first, connect(f"ws://{served_room}/ws") as second:
        first.send("hi from first")
        assert first.recv(timeout=5) == "Message text was: hi from first"
        assert second.recv(timeout=5) == "Message text was: hi from first"
        second.send("hi from second")
        assert first.recv(timeout=5) == "Message text was: hi from second"
        assert second.recv(timeout=5) == "Message text was: hi from second"
