"""``examples/room.py`` served by the CLI in uvicorn subprocesses, one host each, on one broker."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).parent.parent
HOSTS = ("starlette", "litestar")


@contextmanager
def served_room(framework: str, broadcast_url: str) -> Iterator[str]:
    """``portable-endpoints serve examples/room.py --framework NAME`` with ``BROADCAST_URL``; yields host:port."""
    port = free_port()
    command = [sys.executable, "-m", "portable_endpoints", "serve", "examples/room.py", "--framework", framework]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            stderr=log,
            env={**os.environ, "BROADCAST_URL": broadcast_url},
        )
        try:
            wait_for_port(port, timeout=30)
            yield f"127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(15)
            log.seek(0)
            output = log.read()
        assert f"Serving examples/room.py on {framework}" in output, output


@contextmanager
def two_rooms(broadcast_url: str) -> Iterator[list[str]]:
    """The room on each of ``HOSTS``, every one in its own process."""
    with ExitStack() as stack:
        yield [stack.enter_context(served_room(host, broadcast_url)) for host in HOSTS]


def heard(client: ClientConnection, expected: str, timeout: float) -> bool:
    """Whether ``client`` receives ``expected`` within ``timeout`` s (skipping anything else)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            if client.recv(timeout=left) == f"Message text was: {expected}":
                return True
        except TimeoutError:
            return False
    return False


def until_everyone_hears(
    sender: ClientConnection, clients: Sequence[ClientConnection], tag: str, timeout: float = 30
) -> int:
    """Send ``tag-N`` from ``sender`` until one of them reaches every client; returns the attempts."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        text = f"{tag}-{attempt}"
        sender.send(text)
        if all(heard(client, text, 1.0) for client in clients):
            return attempt
    raise AssertionError(f"no {tag} message reached every client in {timeout} s")


def answer_to(client: ClientConnection, text: str, timeout: float = 15) -> str:
    """The room's next message about ``text`` (sent or not sent), skipping the others."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message = client.recv(timeout=left)
        if isinstance(message, str) and message.endswith(f": {text}"):
            return message
    raise TimeoutError(f"no answer about {text!r} in {timeout} s")


def still_open(client: ClientConnection) -> bool:
    try:
        client.ping().wait(5)
    except ConnectionClosed:
        return False
    return client.close_code is None


def settle(addresses: Sequence[str]) -> None:
    """Wait until a message sent through one room reaches every room (after a broker restart, say)."""
    with ExitStack() as stack:
        clients = [stack.enter_context(connect(f"ws://{address}/ws")) for address in addresses]
        until_everyone_hears(clients[0], clients, "settle")
