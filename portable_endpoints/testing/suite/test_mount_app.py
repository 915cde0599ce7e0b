"""``Mount(path, app=ASGI_APP)``: any ASGI application below a prefix, HTTP and WebSocket, on every host.

The mounted app sees Starlette's child scope: ``root_path`` extended by the matched prefix, ``path``
unchanged, the prefix's params in ``path_params``; ``/prefix`` without its slash is redirected as
Starlette's ``redirect_slashes`` does, and ``url_for(name, path=...)`` points inside the mount.
An HTTP exception the app raises before answering (``StaticFiles``' 404) goes where an endpoint's
goes: to the app's ``exception_handlers``, else the host's own error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    Mount,
    PlainTextResponse,
    Request,
    Route,
    StaticFiles,
    WebSocketDisconnect,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import COMPOSITIONS, NATIVE_PATH, NATIVE_TEXT, Host
from portable_endpoints.types import Receive, Scope, Send

pytestmark = pytest.mark.anyio


def seen(scope: Scope) -> dict[str, object]:
    return {
        "type": scope["type"],
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "path_params": scope.get("path_params"),
    }


async def scope_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI app answering with what it saw: the scope, the method, the body; a WebSocket echo."""
    if scope["type"] == "http":
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        answer = {**seen(scope), "method": scope["method"], "body": body.decode()}
        headers = [(b"content-type", b"application/json"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})
    elif scope["type"] == "websocket":
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(seen(scope))})
        message = await receive()
        await send({"type": "websocket.send", "text": "echo " + message["text"]})
        await send({"type": "websocket.close", "code": 4000, "reason": "done"})


def compositions(pe_host: Host) -> list[str]:
    """Every way the host composes routes (``native_routes`` needs its native kit)."""
    return [name for name in COMPOSITIONS if name != "native_routes" or pe_host.native_kit is not None]


async def test_a_mounted_asgi_app_serves_every_method_with_starlettes_scope(pe_host: Host) -> None:
    routes = [Mount("/{org}/tools", app=scope_app, name="tools")]
    for composition in compositions(pe_host):
        # Declared limit: composed by hand, a method outside the framework's verbs gets its own 405.
        limited = composition == "native_routes" and not pe_host.supports("native_routes.any_method")
        async with pe_host.client(routes, composition=composition) as client:
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY", "PROPFIND", "FOO"):
                response = await client.request(method, "/acme/tools/css/app.css", content=b"body")
                if limited and method in ("QUERY", "PROPFIND", "FOO"):
                    assert response.status_code == 405, (composition, method)
                    continue
                assert response.status_code == 200, (composition, method)
                assert response.json() == {
                    "type": "http",
                    "path": "/acme/tools/css/app.css",
                    "root_path": "/acme/tools",
                    "path_params": {"org": "acme"},
                    "method": method,
                    "body": "body",
                }
                assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]
            assert (await client.get("/acme/tools/")).json()["root_path"] == "/acme/tools"


async def test_a_mounted_app_below_a_root_path_and_a_mount(pe_host: Host) -> None:
    routes = [Mount("/outer", [Mount("/files", app=scope_app)])]
    async with pe_host.client(routes, root_path="/root") as client:
        response = await client.get("/outer/files/a/b")
    assert response.json()["path"] == "/root/outer/files/a/b"
    assert response.json()["root_path"] == "/root/outer/files"
    assert response.json()["path_params"] == {}


async def test_the_mount_path_without_its_slash_is_redirected(pe_host: Host) -> None:
    async with pe_host.client([Mount("/static", app=scope_app)]) as client:
        redirected = await client.get("/static?v=1")
        assert redirected.status_code == 307
        assert redirected.headers["location"] == "http://testserver/static/?v=1"
        followed = await client.get("/static/")
    assert followed.json()["path"] == "/static/"
    assert followed.json()["root_path"] == "/static"


async def test_url_for_a_path_inside_a_mounted_app(pe_host: Host) -> None:
    async def links(request: Request) -> JSONResponse:
        return JSONResponse(
            [
                str(request.url_for("static", path="app.css")),
                str(request.url_for("static", path="/app.css")),
                str(request.url_for("org:tools", org="acme", path="x/y")),
            ]
        )

    routes = [
        Route("/links", links),
        Mount("/static", app=scope_app, name="static"),
        Mount("/{org}", [Mount("/tools", app=scope_app, name="tools")], name="org"),
    ]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            response = await client.get("/links")
        assert response.json() == [
            "http://testserver/static/app.css",
            "http://testserver/static/app.css",
            "http://testserver/acme/tools/x/y",
        ], composition


async def test_routes_before_a_mount_still_win(pe_host: Host) -> None:
    async def own(request: Request) -> PlainTextResponse:
        return PlainTextResponse("own route")

    routes = [Route("/static/own", own), Mount("/static", app=scope_app), Route("/after", own)]
    async with pe_host.client(routes) as client:
        assert (await client.get("/static/own")).text == "own route"
        assert (await client.get("/static/other")).json()["path"] == "/static/other"
        assert (await client.get("/after")).text == "own route"


async def test_a_mounted_app_serves_websockets(pe_host: Host) -> None:
    routes = [Mount("/{org}/live", app=scope_app, name="live")]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            async with client.websocket_connect("/acme/live/room/1") as session:
                assert json.loads(await session.receive_text()) == {
                    "type": "websocket",
                    "path": "/acme/live/room/1",
                    "root_path": "/acme/live",
                    "path_params": {"org": "acme"},
                }
                await session.send_text("hi")
                assert await session.receive_text() == "echo hi"
                with pytest.raises(WebSocketDisconnect) as closing:
                    await session.receive()
                assert (closing.value.code, closing.value.reason) == (4000, "done")


async def test_body_limits_of_routes_mounts_and_mounted_apps(pe_host: Host) -> None:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse((await request.body()).decode())

    routes = [
        Route("/route", echo, methods=["POST"], max_body_size=4),
        Mount("/group", routes=[Route("/echo", echo, methods=["POST"])], max_body_size=4),
        Mount("/app", app=scope_app, max_body_size=4),
    ]
    async with pe_host.client(routes) as client:
        for path in ("/route", "/group/echo", "/app/x"):
            assert (await client.post(path, content=b"1234")).status_code == 200, path
            assert (await client.post(path, content=b"12345")).status_code == 413, path
            assert (await client.post(path, content=[b"123", b"45"])).status_code == 413, path


async def teapot_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that raises before answering, as ``StaticFiles`` does for a missing file."""
    raise HTTPException(418, "teapot")


class Guarded(HTTPEndpoint):
    """An endpoint answering through its own ``dispatch()``, which refuses before answering."""

    async def dispatch(self) -> None:
        raise HTTPException(403, "keep out")


async def raises(request: Request) -> PlainTextResponse:
    raise HTTPException(int(request.path_params["status"]), request.query_params.get("detail"))


def error_page(request: Request, exc: Exception) -> PlainTextResponse:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(f"page {exc.status_code}: {exc.detail} at {request.url.path}", exc.status_code)


HANDLERS: dict[Any, Any] = {404: error_page, 418: error_page, 403: error_page}


def raising_routes(directory: Path) -> list[Any]:
    return [
        Route("/raise/{status:int}", raises),
        Route("/guarded", Guarded),
        Mount("/static", app=StaticFiles(directory=directory), name="static"),
        Mount("/tea", app=teapot_app),
    ]


def app_with_handlers(pe_host: Host, composition: str, routes: list[Any]) -> Any:
    """An app with ``HANDLERS``: ``create_app(exception_handlers=)``, or ``pe.mount(exception_handlers=)``."""
    if composition == "create_app":
        return pe_host.app(routes, exception_handlers=HANDLERS)
    kit = pe_host.native_kit
    app = pe_host.app([]) if kit is None else kit.app_with_native_route(NATIVE_PATH, NATIVE_TEXT)
    pe.mount(app, routes, exception_handlers=HANDLERS)
    return app


async def test_what_a_mounted_app_raises_before_answering_reaches_the_apps_handlers(
    pe_host: Host, tmp_path: Path
) -> None:
    (tmp_path / "app.css").write_text("body { color: red }")
    for composition in ("create_app", "mount"):
        async with TestClient(app_with_handlers(pe_host, composition, raising_routes(tmp_path))) as client:
            css = await client.get("/static/app.css")
            missing = await client.get("/static/no-such.css")
            teapot = await client.post("/tea/pot", content=b"earl grey")
            guarded = await client.get("/guarded")
        assert (css.status_code, css.text) == (200, "body { color: red }"), composition
        # As a Starlette app with exception_handlers={404: page}: StaticFiles raises, the handler answers.
        assert (missing.status_code, missing.text) == (404, "page 404: Not Found at /static/no-such.css"), composition
        assert (teapot.status_code, teapot.text) == (418, "page 418: teapot at /tea/pot"), composition
        assert (guarded.status_code, guarded.text) == (403, "page 403: keep out at /guarded"), composition


async def test_without_a_handler_what_a_mounted_app_raises_is_the_hosts_own_error(
    pe_host: Host, tmp_path: Path
) -> None:
    # What the mounted app raises, and a route raising the same exception.
    pairs = {
        "missing": ("/static/no-such.css", "/raise/404"),
        "teapot": ("/tea/pot", "/raise/418?detail=teapot"),
        "guarded": ("/guarded", "/raise/403?detail=keep%20out"),
    }
    for composition in compositions(pe_host):
        async with pe_host.client(raising_routes(tmp_path), composition=composition) as client:
            answers = {
                name: (await client.get(mounted), await client.get(route)) for name, (mounted, route) in pairs.items()
            }
            refused = await client.delete("/static/no-such.css")
        for name, (got, endpoints) in answers.items():
            # The error an endpoint raising the same exception gets, in the host's format (a host's
            # error page may name the path).
            mounted, route = (path.partition("?")[0] for path in pairs[name])
            assert got.status_code == endpoints.status_code, (composition, name)
            assert got.headers.get("content-type") == endpoints.headers.get("content-type"), (composition, name)
            assert got.text.replace(mounted, "PATH") == endpoints.text.replace(route, "PATH"), (composition, name)
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD"), composition


class ForeignHTTPError(Exception):
    """Another framework's HTTP exception (Starlette's, say): an int ``status_code`` and a ``detail``."""

    def __init__(self, status_code: int, detail: str, headers: dict[str, str]) -> None:
        self.status_code, self.detail, self.headers = status_code, detail, headers


async def raising_app(scope: Scope, receive: Receive, send: Send) -> None:
    kind = scope["path"].rsplit("/", 1)[-1]
    if kind == "foreign":
        raise ForeignHTTPError(418, "foreign teapot", {"x-why": "tea"})
    raise LookupError(f"no {kind}")


def lookup_error_page(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"lookup failed: {exc}", status_code=410)


async def test_a_foreign_http_exception_or_any_other_reaches_the_handlers_as_an_endpoints(pe_host: Host) -> None:
    routes = [Mount("/raise", app=raising_app)]
    async with TestClient(
        pe_host.app(routes, exception_handlers={**HANDLERS, LookupError: lookup_error_page})
    ) as client:
        foreign = await client.get("/raise/foreign")
        other = await client.get("/raise/thing")
    assert (foreign.status_code, foreign.text) == (418, "page 418: foreign teapot at /raise/foreign")
    assert (other.status_code, other.text) == (410, "lookup failed: no thing")
    # Without a handler: the host's own 418, with the exception's headers.
    async with pe_host.client(routes) as client:
        unhandled = await client.get("/raise/foreign")
    assert (unhandled.status_code, unhandled.headers["x-why"]) == (418, "tea")


async def test_a_mounted_app_streams_once_it_has_answered(pe_host: Host) -> None:
    finished = anyio.Event()
    events: list[str] = []

    async def echo_as_it_comes(scope: Scope, receive: Receive, send: Send) -> None:
        # Answers before reading the body, then echoes it chunk by chunk, then works on after the body.
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-kind", b"echo")]})
        while True:
            message = await receive()
            await send({"type": "http.response.body", "body": message.get("body", b""), "more_body": True})
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.body", "body": b"|end"})
        events.append("after the body")
        finished.set()

    for composition in compositions(pe_host):
        events.clear()
        finished = anyio.Event()
        async with pe_host.client([Mount("/echo", app=echo_as_it_comes)], composition=composition) as client:
            response = await client.post("/echo/x", content=[b"abc", b"def"])
            with anyio.fail_after(5):
                await finished.wait()
        assert (response.status_code, response.headers["x-kind"], response.text) == (201, "echo", "abcdef|end")
        assert events == ["after the body"]


async def test_what_a_mounted_app_raises_once_it_has_answered_is_no_handlers(pe_host: Host) -> None:
    async def answers_then_raises(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-kind", b"started")]})
        raise HTTPException(404, "too late")

    routes = [Mount("/late", app=answers_then_raises)]
    async with TestClient(pe_host.app(routes, exception_handlers=HANDLERS), raise_app_exceptions=False) as client:
        response = await client.get("/late/x")
    # As in Starlette: the response has started, so the 404 handler does not answer.
    assert "page 404" not in response.text
    # The start goes out as sent, or (Sanic, which sends it with the first body) is replaced by the host's 500.
    assert response.status_code in (200, 500)
