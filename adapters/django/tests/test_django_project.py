"""A real Django project (settings, urls.py, asgi.py) composing portable routes, under uvicorn.

Settings are process-wide, so the project runs in its own process, as it would in production;
so do the tests of how ``create_app`` configures settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[str]) -> None:
    import socket
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"the project did not listen on {port}")


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")])
    return {**env, **extra}


@pytest.fixture(scope="module")
def project() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "pe_django_project.asgi:application", "--port", str(port)]
    process = subprocess.Popen(command, cwd=HERE, env=_env(), stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_portable_routes_under_include_with_the_projects_middleware(project: str) -> None:
    with httpx.Client(base_url=f"http://{project}") as client:
        response = client.get("/api/users/ada")
        assert response.json() == {"name": "ada", "url": f"http://{project}/api/users/grace", "visits": 1}
        assert response.headers["x-middleware"] == "stamped"
        assert response.headers["x-content-type-options"] == "nosniff"  # SecurityMiddleware
        assert client.get("/api/users/ada").json()["visits"] == 2  # SessionMiddleware, signed cookies
        assert client.get("/native/abc/").text == "native [('slug', 'abc')]"


def test_csrf_exempt_portable_views_and_the_projects_error_handler(project: str) -> None:
    with httpx.Client(base_url=f"http://{project}") as client:
        assert client.post("/api/form", content=b"x=1").text == "accepted x=1"
        assert client.post("/native/abc/").status_code == 403  # the project's own views keep CSRF
        response = client.get("/api/missing")
        assert (response.status_code, response.text) == (404, "custom 404: gone")
        assert client.get("/api/users/").status_code == 404
        # The project's ALLOWED_HOSTS apply, not the adapter's minimal settings.
        assert client.get("/api/users/ada", headers={"host": "evil.example"}).status_code == 400


def test_websocket_routes_in_a_nested_channels_router_with_session_middleware(project: str) -> None:
    with connect(f"ws://{project}/ws/echo/3") as ws:
        assert ws.recv(timeout=5) == "session django.contrib.sessions.backends.signed_cookies"
        ws.send("hi")
        assert ws.recv(timeout=5) == "4:hi:ws://" + project + "/ws/echo/3"


def _run(script: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=HERE, env=_env(**env), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_unconfigured_settings_come_from_create_app_options() -> None:
    out = _run(
        """
        import anyio
        import portable_endpoints as pe
        from django.conf import settings
        from portable_endpoints.testing import TestClient

        async def hello(request):
            return pe.PlainTextResponse("hello")

        routes = [pe.Route("/hello", hello)]
        app = pe.create_app(routes, framework="django", DEBUG=True, SECRET_KEY="given", LANGUAGE_CODE="fr")
        print(settings.DEBUG, settings.SECRET_KEY, settings.LANGUAGE_CODE, settings.ALLOWED_HOSTS)
        print(settings.MIDDLEWARE, settings.SESSION_ENGINE, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

        async def main():
            async with TestClient(app) as client:
                response = await client.get("/nowhere")
                print(response.status_code, "DEBUG = True" in response.text)

        anyio.run(main)
        """
    )
    assert out.splitlines() == [
        "True given fr ['*']",
        "[] django.contrib.sessions.backends.signed_cookies None",
        "404 True",  # DEBUG's technical 404 page
    ]


def test_a_projects_settings_are_used_untouched() -> None:
    out = _run(
        """
        import portable_endpoints as pe
        from django.conf import settings
        from portable_endpoints.exceptions import ConfigurationError

        pe.create_app([], framework="django")
        print(settings.ALLOWED_HOSTS, settings.ROOT_URLCONF, len(settings.MIDDLEWARE))
        pe.create_app([], framework="django", DEBUG=False)  # the same value: accepted
        try:
            pe.create_app([], framework="django", DEBUG=True)
        except ConfigurationError as exc:
            print("refused", "DEBUG" in str(exc))
        """,
        DJANGO_SETTINGS_MODULE="pe_django_project.settings",
    )
    assert out.splitlines() == ["['127.0.0.1', 'localhost'] pe_django_project.urls 5", "refused True"]
