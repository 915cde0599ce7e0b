"""``Mount(path, app=ASGI_APP)``: any ASGI application below a prefix, HTTP and WebSocket, on every host.

The mounted app sees Starlette's child scope: ``root_path`` extended by the matched prefix, ``path``
unchanged, the prefix's params in ``path_params``; ``/prefix`` without its slash is redirected as
Starlette's ``redirect_slashes`` does, and ``url_for(name, path=...)`` points inside the mount.
"""

from __future__ import annotations

import json

import pytest

from portable_endpoints import JSONResponse, Mount, PlainTextResponse, Request, Route, WebSocketDisconnect
from portable_endpoints.testing.plugin import COMPOSITIONS, Host
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
        async with pe_host.client(routes, composition=composition) as client:
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
                response = await client.request(method, "/acme/tools/css/app.css", content=b"body")
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
