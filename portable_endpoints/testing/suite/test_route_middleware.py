"""Middleware around some routes only, as Starlette's ``middleware=`` parameters, on every host:
``Route``, ``WebSocketRoute`` and ``Mount`` (routes or an app), and ``pe.mount`` /
``pe.native_routes``. The middleware are pure ASGI classes, written here."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    Mount,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import COMPOSITIONS, NATIVE_PATH, NATIVE_TEXT, Host
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


class Tag:
    """Adds ``x-tag: NAME`` to HTTP responses and ``NAME`` to ``scope["state"]["tags"]``."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {}).setdefault("tags", []).append(self.name.decode())
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-tag", self.name)]}
            await send(message)

        await self.app(scope, receive, tagged)


class Shout:
    """Upper-cases the text frames a WebSocket endpoint sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def shouting(message: Message) -> None:
            if message["type"] == "websocket.send" and message.get("text") is not None:
                message = {**message, "text": message["text"].upper()}
            await send(message)

        await self.app(scope, receive, shouting)


class Guard:
    """Answers 403 itself unless the request carries ``x-key: open``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (b"x-key", b"open") in scope["headers"]:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"guarded"})


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        tags = ",".join(request.scope.get("state", {}).get("tags", []))
        return PlainTextResponse(f"{request.path_params['item']} {tags} {request.url_for('item', item='x')}")

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("posted " + (await request.body()).decode())

    async def delete(self, request: Request) -> PlainTextResponse:
        raise HTTPException(409, "in use")


async def plain(request: Request) -> PlainTextResponse:
    return PlainTextResponse("plain")


async def conflict(request: Request) -> PlainTextResponse:
    raise HTTPException(409, "in use")


def tags(response: Any) -> list[str]:
    """The ``x-tag`` values, in order (a host may join repeated headers with ", ", as HTTP allows)."""
    return [tag.strip() for value in response.headers.getlist("x-tag") for tag in value.split(",")]


def compositions(pe_host: Host) -> list[str]:
    return [name for name in COMPOSITIONS if name != "native_routes" or pe_host.native_kit is not None]


async def test_route_middleware_wraps_that_route_only(pe_host: Host) -> None:
    routes = [
        Route("/items/{item}", Item, name="item", middleware=[Middleware(Tag, "route")]),
        Route("/plain", plain),
        Route("/conflict", conflict),
    ]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            got = await client.get("/items/7")
            assert (got.text, got.headers.getlist("x-tag")) == ("7 route http://testserver/items/x", ["route"])
            assert (await client.post("/items/7", content=b"body")).text == "posted body"
            # As under Starlette, an HTTPEndpoint's HTTPException goes out through the middleware, and
            # is answered outside it, as the same exception raised by a route without middleware.
            failed = await client.delete("/items/7")
            outside = await client.get("/conflict")
            assert (failed.status_code, failed.headers.getlist("x-tag")) == (409, [])
            assert (failed.text, failed.headers["content-type"]) == (outside.text, outside.headers["content-type"])
            assert (await client.put("/items/7")).status_code == 405
            untouched = await client.get("/plain")
            assert (untouched.text, untouched.headers.getlist("x-tag")) == ("plain", [])


async def test_mount_middleware_wraps_its_routes_outside_their_own(pe_host: Host) -> None:
    routes = [
        Mount(
            "/api",
            routes=[Route("/items/{item}", Item, name="item", middleware=[Middleware(Tag, "route")])],
            middleware=[Middleware(Tag, "mount"), Middleware(Tag, "outer-last")],
        ),
        Route("/plain", plain),
    ]
    async with pe_host.client(routes) as client:
        got = await client.get("/api/items/1")
        untouched = await client.get("/plain")
    assert got.text.split(" ")[1] == "mount,outer-last,route"
    assert tags(got) == ["route", "outer-last", "mount"]
    assert untouched.headers.getlist("x-tag") == []


async def test_a_middleware_may_answer_itself(pe_host: Host) -> None:
    reached: list[str] = []

    async def secret(request: Request) -> PlainTextResponse:
        reached.append("endpoint")
        return PlainTextResponse("secret")

    async with pe_host.client([Route("/secret", secret, middleware=[Middleware(Guard)])]) as client:
        refused = await client.get("/secret")
        assert (refused.status_code, refused.text) == (403, "guarded")
        assert reached == []
        assert (await client.get("/secret", headers={"x-key": "open"})).text == "secret"
    assert reached == ["endpoint"]


async def test_middleware_around_a_mounted_app(pe_host: Host) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": ",".join(scope["state"]["tags"]).encode()})

    routes = [Mount("/app", app=app, middleware=[Middleware(Tag, "app")])]
    async with pe_host.client(Mount("/outer", routes=routes, middleware=[Middleware(Tag, "outer")]).routes) as client:
        response = await client.get("/app/x")
    assert response.text == "app"
    assert response.headers.getlist("x-tag") == ["app"]
    async with pe_host.client([Mount("/outer", routes=routes, middleware=[Middleware(Tag, "outer")])]) as client:
        response = await client.get("/outer/app/x")
    assert response.text == "outer,app"
    assert tags(response) == ["app", "outer"]


async def test_websocket_route_middleware(pe_host: Host) -> None:
    closed: list[int] = []
    disconnected = anyio.Event()

    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"{data} {websocket.scope['state']['tags']}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            closed.append(close_code)
            disconnected.set()

    routes = [WebSocketRoute("/ws", Echo, middleware=[Middleware(Shout), Middleware(Tag, "ws")])]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            async with client.websocket_connect("/ws") as session:
                await session.send_text("hi")
                assert await session.receive_text() == "HI ['WS']"
                await session.close(1001)
            with anyio.fail_after(5):
                await disconnected.wait()
        disconnected = anyio.Event()
    assert set(closed) == {1001}


async def test_pe_mount_and_native_routes_take_middleware(pe_host: Host) -> None:
    routes = [Route("/items/{item}", Item, name="item")]
    app = pe_host.app([Route("/plain", plain)])
    pe.mount(app, routes, prefix="/v1", middleware=[Middleware(Tag, "mounted")])
    async with TestClient(app) as client:
        assert (await client.get("/v1/items/1")).headers.getlist("x-tag") == ["mounted"]
        assert (await client.get("/plain")).headers.getlist("x-tag") == []
    kit = pe_host.native_kit
    if kit is not None:  # native_routes are composed into a native app through the host's kit
        native = kit.app_with_native_route(
            NATIVE_PATH,
            NATIVE_TEXT,
            pe.native_routes(routes, framework=pe_host.name, middleware=[Middleware(Tag, "native")]),
        )
        async with TestClient(native) as client:
            assert (await client.get("/items/1")).headers.getlist("x-tag") == ["native"]
            assert (await client.get(NATIVE_PATH)).text == NATIVE_TEXT
