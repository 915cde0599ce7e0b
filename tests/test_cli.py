"""The command line: serve (a real uvicorn subprocess, with and without --reload), adapters, routes,
and one clear line with exit status 2 for every failure."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from portable_endpoints import _plugins
from portable_endpoints.cli import load_routes, main, route_rows
from portable_endpoints.testing.plugin import Host

from .servers import free_port, wait_for_port

ROOT = Path(__file__).parent.parent
ROUTES_MODULE = """
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route, WebSocketRoute


class User(HTTPEndpoint):
    async def get(self, request):
        return PlainTextResponse("{greeting}, " + str(request.path_params["user_id"]))

    async def post(self, request):
        return PlainTextResponse("posted")


class Echo(WebSocketEndpoint):
    pass


routes = [Route("/users/{{user_id:int}}", User, name="user"), WebSocketRoute("/ws", Echo, name="echo")]
"""


def write_routes(path: Path, greeting: str) -> None:
    path.write_text(ROUTES_MODULE.format(greeting=greeting))


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
        _, stderr = process.communicate(timeout=30)
        assert f"Serving examples/chat.py on {pe_host.name}" in stderr


def test_serve_runs_the_chat_demo(served_chat: str) -> None:
    assert "<h1>WebSocket Chat</h1>" in httpx.get(f"http://{served_chat}/").text
    with connect(f"ws://{served_chat}/ws") as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "Message text was: hi"


def get_text_until(url: str, expected: str, timeout: float = 30.0) -> str:
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=5).text
        except httpx.TransportError:
            last = "(not listening)"
        if last == expected:
            return last
        time.sleep(0.2)
    return last


def test_serve_reload_serves_and_picks_up_a_change(pe_host: Host, tmp_path: Path) -> None:
    module = tmp_path / "myroutes.py"
    write_routes(module, "Hello")
    port = free_port()
    command = [sys.executable, "-m", "portable_endpoints", "serve", "myroutes.py", "--framework", pe_host.name]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--reload"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the reloader's worker is a child process: stop the whole group
    )
    try:
        url = f"http://127.0.0.1:{port}/users/7"
        assert get_text_until(url, "Hello, 7") == "Hello, 7"
        write_routes(module, "Goodbye")
        assert get_text_until(url, "Goodbye, 7") == "Goodbye, 7"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert f"Serving myroutes.py on {pe_host.name}" in stderr


def test_adapters_lists_installed_and_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adapters"]) == 0
    out = capsys.readouterr().out
    assert "asgi       portable-endpoints" in out
    for name in ("starlette", "quart", "litestar"):
        assert name in out


def test_routes_prints_methods_host_path_and_name(
    pe_host: Host, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_routes(tmp_path / "myroutes.py", "Hello")
    monkeypatch.chdir(tmp_path)
    assert main(["routes", "myroutes.py", "--framework", pe_host.name]) == 0
    header, user, echo = capsys.readouterr().out.splitlines()
    assert header.split() == ["METHODS", "PATH", f"({pe_host.name})", "NAME"]
    methods, path, name = user.split("  ", 1)[0], user.split()[-2], user.split()[-1]
    assert (methods, name) == ("GET, HEAD, POST", "user")
    assert "user_id" in path
    assert echo.split()[0] == "WEBSOCKET"
    assert echo.split()[-2:] == ["/ws", "echo"]
    # Each column starts where its header does.
    assert user.index(path) == header.index("PATH") == echo.index("/ws")


def test_routes_on_a_host_without_host_paths_shows_the_portable_path(tmp_path: Path) -> None:
    # The built-in host matches the portable (Starlette) syntax itself, so it offers no host_paths.
    write_routes(tmp_path / "myroutes.py", "Hello")
    rows = route_rows(load_routes(str(tmp_path / "myroutes.py")), "asgi")
    assert rows == [("GET, HEAD, POST", "/users/{user_id:int}", "user"), ("WEBSOCKET", "/ws", "echo")]


BAD_MODULES = {
    "raises.py": "raise RuntimeError('boom')\n",
    "syntax.py": "routes = [\n",
    "needs.py": "import no_such_dependency_here\n",
    "norts.py": "x = 1\n",
}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "examples/nope.py"], "No such file: examples/nope.py (give module:ROUTES or path/to/file.py"),
        (["serve", "no_such_module_here"], "No module named 'no_such_module_here' importable from"),
        (["serve", "not a module"], "'not a module' is not a module name (give module:ROUTES"),
        (["serve", "raises.py"], "Importing raises.py raised RuntimeError: boom; fix the module (python raises.py"),
        (["routes", "syntax.py"], "Importing syntax.py raised SyntaxError"),
        (["serve", "needs.py"], "needs.py imports 'no_such_dependency_here', which is not installed: install it"),
        (["serve", "examples/chat.py:missing"], "no attribute 'missing'; name the route list as examples/chat.py:NAME"),
        (["serve", "examples/chat.py:missing"], "(route lists there: routes)"),
        (["serve", "norts.py"], "norts.py has no attribute 'routes'; name the route list as norts.py:NAME"),
        (["serve", "examples/chat.py:html"], "examples/chat.py:html is a str, not a list of routes; point at a list"),
        (["serve", "examples/chat.py", "--framework", "nope"], "Unknown framework 'nope'; installed adapters: asgi"),
        (["routes", "examples/chat.py", "--framework", "nope"], "; pass one of them with --framework"),
        (["serve", "examples/chat.py", "--port", "70000"], "Port 70000 is not a TCP port; pass --port between"),
    ],
)
def test_every_failure_is_one_line_naming_the_fix_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in BAD_MODULES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("portable-endpoints: error: ")
    assert message in err


def test_a_missing_framework_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv(_plugins.PLUGINS_ENV, "asgi")  # as if only the core were installed
    _plugins.reset()
    try:
        assert main(["serve", "examples/chat.py", "--framework", "quart"]) == 2
    finally:
        monkeypatch.delenv(_plugins.PLUGINS_ENV)
        _plugins.reset()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "No adapter for 'quart' is installed: pip install 'portable-endpoints[quart]'" in err


def test_a_port_in_use_is_one_line_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "examples/chat.py", "--framework", "asgi", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"portable-endpoints: error: Port {port} on 127.0.0.1 is already in use; pick another with --port\n"


def test_serve_without_uvicorn_names_the_serve_extra() -> None:
    # A fresh interpreter in which uvicorn cannot be imported, as when [serve] was not installed.
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from portable_endpoints.cli import main\n"
        "sys.exit(main(['serve', 'examples/chat.py']))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        "portable-endpoints: error: serve needs uvicorn: pip install 'portable-endpoints[serve]'\n"
    )
