"""The command line: serve (a real uvicorn subprocess), adapters, routes, and its errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from portable_endpoints.cli import main
from portable_endpoints.testing.plugin import Host

from .servers import free_port, wait_for_port

ROOT = Path(__file__).parent.parent


@pytest.fixture
def served_chat(pe_host: Host) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "portable_endpoints", "serve", "examples/chat.py", "--framework", pe_host.name]
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        assert f"Serving examples/chat.py on {pe_host.name}" in stderr


def test_serve_runs_the_chat_demo(served_chat: str) -> None:
    assert "<h1>WebSocket Chat</h1>" in httpx.get(f"http://{served_chat}/").text
    with connect(f"ws://{served_chat}/ws") as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "Message text was: hi"


def test_adapters_lists_installed_and_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adapters"]) == 0
    out = capsys.readouterr().out
    assert "asgi       portable-endpoints" in out
    for name in ("starlette", "quart", "litestar", "django"):
        assert name in out


def test_routes_prints_native_routes(pe_host: Host, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples/chat.py", "--framework", pe_host.name]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "examples/nope.py"], "No such file: examples/nope.py"),
        (["serve", "examples/chat.py:missing"], "has no attribute 'missing'"),
        (["serve", "examples/chat.py:html"], "expected a list of Route"),
        (["serve", "no_such_module_here"], "Cannot import 'no_such_module_here'"),
        (["serve", "examples/chat.py", "--framework", "nope"], "Unknown framework 'nope'"),
        (["routes", "examples/chat.py", "--framework", "nope"], "Unknown framework 'nope'"),
    ],
)
def test_bad_targets_exit_2_with_a_clear_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
