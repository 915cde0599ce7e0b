"""Starlette 1.10's ``tests/test_templates.py``, ported to ``portable_endpoints.templating``.

Ported from encode/starlette (BSD-3-Clause, Copyright © 2018, Encode OSS Ltd.): imports changed, the
Starlette app replaced by ``pe.create_app(routes, framework="asgi")`` and its sync test client by
the portable async one. Starlette's test client reads ``response.template`` / ``response.context``
through the ``http.response.debug`` extension; here the test keeps the response the endpoint built
and reads them there (the extension itself is tested below). The suite's ``test_templates.py``
checks the same on every host.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import jinja2
import pytest
import starlette
import starlette.templating

import portable_endpoints as pe
from portable_endpoints.background import BackgroundTask
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse, Response
from portable_endpoints.routing import Route
from portable_endpoints.templating import Jinja2Templates
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def client_for(routes: list[Route], middleware: type | None = None) -> AsyncIterator[TestClient]:
    app = pe.create_app(routes, framework="asgi")
    async with TestClient(app if middleware is None else middleware(app)) as client:
        yield client


def write_file(path: str | os.PathLike[str], text: str) -> None:
    """Starlette's tests write their templates with ``open``: done here, out of the async test's body."""
    with open(path, "w") as file:
        file.write(text)


class Built:
    """The responses the endpoints built, for the test to read ``.template`` and ``.context`` from."""

    def __init__(self) -> None:
        self.responses: list[Any] = []

    def __call__(self, response: Response) -> Response:
        self.responses.append(response)
        return response

    @property
    def last(self) -> Any:
        return self.responses[-1]


async def test_templates(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "<html>Hello, <a href='{{ url_for('homepage') }}'>world</a></html>")
    built = Built()

    async def homepage(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "index.html"))

    templates = Jinja2Templates(directory=str(tmpdir))

    async with client_for([Route("/", endpoint=homepage)]) as client:
        response = await client.get("/")
    assert response.text == "<html>Hello, <a href='http://testserver/'>world</a></html>"
    assert built.last.template.name == "index.html"
    assert set(built.last.context.keys()) == {"request"}


async def test_calls_context_processors(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    write_file(path, "<html>Hello {{ username }}</html>")
    built = Built()

    async def homepage(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "index.html"))

    def hello_world_processor(request: Request[Any]) -> dict[str, str]:
        return {"username": "World"}

    templates = Jinja2Templates(
        directory=tmp_path,
        context_processors=[
            hello_world_processor,
        ],
    )

    async with client_for([Route("/", endpoint=homepage)]) as client:
        response = await client.get("/")
    assert response.text == "<html>Hello World</html>"
    assert built.last.template.name == "index.html"
    assert set(built.last.context.keys()) == {"request", "username"}


async def test_template_with_middleware(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "<html>Hello, <a href='{{ url_for('homepage') }}'>world</a></html>")
    built = Built()

    async def homepage(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "index.html"))

    class CustomMiddleware:
        """A pass-through ASGI middleware (Starlette's test uses a ``BaseHTTPMiddleware`` doing nothing)."""

        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await self.app(scope, receive, send)

    templates = Jinja2Templates(directory=str(tmpdir))

    async with client_for([Route("/", endpoint=homepage)], middleware=CustomMiddleware) as client:
        response = await client.get("/")
    assert response.text == "<html>Hello, <a href='http://testserver/'>world</a></html>"
    assert built.last.template.name == "index.html"
    assert set(built.last.context.keys()) == {"request"}


async def test_templates_with_directories(tmp_path: Path) -> None:
    dir_a = tmp_path / "a"
    dir_a.mkdir()
    template_a = dir_a / "template_a.html"
    write_file(template_a, "<html><a href='{{ url_for('page_a') }}'></a> a</html>")
    built = Built()

    async def page_a(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "template_a.html"))

    dir_b = tmp_path / "b"
    dir_b.mkdir()
    template_b = dir_b / "template_b.html"
    write_file(template_b, "<html><a href='{{ url_for('page_b') }}'></a> b</html>")

    async def page_b(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "template_b.html"))

    templates = Jinja2Templates(directory=[dir_a, dir_b])

    async with client_for([Route("/a", endpoint=page_a), Route("/b", endpoint=page_b)]) as client:
        response = await client.get("/a")
        assert response.text == "<html><a href='http://testserver/a'></a> a</html>"
        assert built.last.template.name == "template_a.html"
        assert set(built.last.context.keys()) == {"request"}

        response = await client.get("/b")
        assert response.text == "<html><a href='http://testserver/b'></a> b</html>"
        assert built.last.template.name == "template_b.html"
        assert set(built.last.context.keys()) == {"request"}


def test_templates_require_directory_or_environment() -> None:
    with pytest.raises(AssertionError, match="either 'directory' or 'env' arguments must be passed"):
        Jinja2Templates()  # type: ignore[call-overload]


def test_templates_require_directory_or_enviroment_not_both() -> None:
    with pytest.raises(AssertionError, match="either 'directory' or 'env' arguments must be passed"):
        Jinja2Templates(directory="dir", env=jinja2.Environment())  # type: ignore[call-overload]


def test_templates_with_directory(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "Hello")

    templates = Jinja2Templates(directory=str(tmpdir))
    template = templates.get_template("index.html")
    assert template.render({}) == "Hello"


async def test_templates_with_environment(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "<html>Hello, <a href='{{ url_for('homepage') }}'>world</a></html>")
    built = Built()

    async def homepage(request: Request[Any]) -> Response:
        return built(templates.TemplateResponse(request, "index.html"))

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmpdir)))
    templates = Jinja2Templates(env=env)
    async with client_for([Route("/", endpoint=homepage)]) as client:
        response = await client.get("/")
    assert response.text == "<html>Hello, <a href='http://testserver/'>world</a></html>"
    assert built.last.template.name == "index.html"
    assert set(built.last.context.keys()) == {"request"}


async def test_templates_with_kwargs_only(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "value: {{ a }}")
    templates = Jinja2Templates(directory=str(tmpdir))

    spy = mock.MagicMock()

    def page(request: Request[Any]) -> Response:
        return templates.TemplateResponse(
            request=request,
            name="index.html",
            context={"a": "b"},
            status_code=201,
            headers={"x-key": "value"},
            media_type="text/plain",
            background=BackgroundTask(func=spy),
        )

    async with client_for([Route("/", page)]) as client:
        response = await client.get("/")

    assert response.text == "value: b"  # context was rendered
    assert response.status_code == 201
    assert response.headers["x-key"] == "value"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    spy.assert_called()


async def test_templates_when_first_argument_is_request(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "index.html")
    write_file(path, "value: {{ a }}")
    templates = Jinja2Templates(directory=str(tmpdir))

    spy = mock.MagicMock()

    def page(request: Request[Any]) -> Response:
        return templates.TemplateResponse(
            request,
            "index.html",
            {"a": "b"},
            status_code=201,
            headers={"x-key": "value"},
            media_type="text/plain",
            background=BackgroundTask(func=spy),
        )

    async with client_for([Route("/", page)]) as client:
        response = await client.get("/")

    assert response.text == "value: b"  # context was rendered
    assert response.status_code == 201
    assert response.headers["x-key"] == "value"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    spy.assert_called()


# -- Beyond Starlette's own tests ----------------------------------------------------------------


async def test_the_response_is_a_neutral_html_response_with_the_debug_extension(tmp_path: Path) -> None:
    write_file(tmp_path / "index.html", "<p>{{ a }}</p>")
    templates = Jinja2Templates(directory=tmp_path)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:  # pragma: no cover - a response never reads the request
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "extensions": {"http.response.debug": {}}}
    request: Request[Any] = Request(scope, receive, send)
    response = templates.TemplateResponse(request, "index.html", {"a": "<b>"})
    assert isinstance(response, HTMLResponse)
    assert response.body == b"<p>&lt;b&gt;</p>"  # autoescaped: select_autoescape() covers .html
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    await response(scope, receive, send)
    assert [message["type"] for message in sent] == ["http.response.debug", "http.response.start", "http.response.body"]
    assert sent[0]["info"] == {"template": response.template, "context": {"a": "<b>", "request": request}}

    # Without the extension, only the response itself is sent.
    sent.clear()
    plain_scope = {**scope, "extensions": {}}
    await templates.TemplateResponse(Request(plain_scope, receive, send), "index.html")(plain_scope, receive, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]


async def test_url_for_with_path_params_and_a_missing_name(tmp_path: Path) -> None:
    write_file(tmp_path / "user.html", "{{ url_for('user', name=name) }}")
    write_file(tmp_path / "broken.html", "{{ url_for('nowhere') }}")
    templates = Jinja2Templates(directory=tmp_path)

    async def user(request: Request[Any]) -> Response:
        return templates.TemplateResponse(request, "user.html", {"name": request.path_params["name"]})

    async def broken(request: Request[Any]) -> Response:
        return templates.TemplateResponse(request, "broken.html")

    routes = [Route("/users/{name}", user, name="user"), Route("/broken", broken)]
    async with client_for(routes) as client:
        response = await client.get("/users/ada")
        assert response.text == "http://testserver/users/ada"
        with pytest.raises(pe.NoMatchFound):
            await client.get("/broken")


def test_a_user_defined_url_for_global_is_kept() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ url_for('x') }}"}))
    env.globals["url_for"] = lambda name: f"/mine/{name}"
    templates = Jinja2Templates(env=env)
    assert templates.get_template("t.html").render({}) == "/mine/x"


def test_the_old_argument_order_is_a_clear_error(tmp_path: Path) -> None:
    """The pre-1.0 order is a ``TypeError`` as in Starlette 1.x (where jinja2 says "unhashable
    type: 'dict'"; Starlette 0.x still took it, with a ``DeprecationWarning``); this one says
    what to change."""
    (tmp_path / "index.html").write_text("hi")
    reference = starlette.templating.Jinja2Templates(directory=tmp_path)
    if int(starlette.__version__.split(".")[0]) >= 1:
        with pytest.raises(TypeError, match="unhashable type"):
            reference.TemplateResponse("index.html", {"request": None})  # type: ignore[arg-type]
    else:
        with pytest.warns(DeprecationWarning, match="The first parameter should be the `Request` instance"):
            reference.TemplateResponse("index.html", {"request": None})  # type: ignore[arg-type]
    templates = Jinja2Templates(directory=tmp_path)
    with pytest.raises(TypeError, match="takes the request first"):
        templates.TemplateResponse("index.html", {"request": None})  # type: ignore[arg-type]


def test_a_missing_jinja2_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "portable_endpoints.templating")
    with pytest.raises(ImportError, match=r'pip install "portable-endpoints\[templates\]"'):
        importlib.import_module("portable_endpoints.templating")
