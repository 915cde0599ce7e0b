"""The built-in asgi host: endpoint classes as ASGI apps, create_app, mount, lifespan, native_routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import portable_endpoints as pe
from examples.hello import App
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
)
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


async def test_an_http_endpoint_class_is_an_asgi_app() -> None:
    async with TestClient(App) as client:
        response = await client.get("/anything")
        assert response.text == "Hello, world!"
        response = await client.post("/")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"
        assert response.text == "Method Not Allowed"


async def test_a_websocket_endpoint_class_is_an_asgi_app() -> None:
    class Echo(WebSocketEndpoint):
        encoding = "bytes"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_bytes(data * 2)

    async with TestClient(Echo) as client:
        async with client.websocket_connect("/") as ws:
            await ws.send_bytes(b"ab")
            assert await ws.receive_bytes() == b"abab"


async def test_lifespan_passthrough_and_state() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"db": "connected"}
        events.append("shutdown")

    class Uses(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            return JSONResponse({"db": request.state.db})

    app = pe.create_app([Route("/", Uses)], framework="asgi", lifespan=lifespan)
    async with TestClient(app) as client:
        assert events == ["startup"]
        assert (await client.get("/")).json() == {"db": "connected"}
    assert events == ["startup", "shutdown"]


async def test_mount_adds_routes_under_a_prefix_with_their_own_names() -> None:
    class Hello(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(str(request.url_for("hello")))

    app = pe.create_app([Route("/", Hello, name="hello")], framework="asgi")
    pe.mount(app, [Route("/hi", Hello, name="hello")], prefix="/v1")
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "http://testserver/"
        assert (await client.get("/v1/hi")).text == "http://testserver/v1/hi"
        assert (await client.get("/v2/hi")).status_code == 404


async def test_native_routes_is_an_asgi_app_under_a_root_path() -> None:
    app = pe.native_routes([Route("/", App)], framework="asgi")
    async with TestClient(app, root_path="/mounted") as client:
        assert (await client.get("/")).text == "Hello, world!"


def test_unknown_native_option_is_refused() -> None:
    with pytest.raises(pe.ConfigurationError, match="no native options"):
        pe.create_app([], framework="asgi", debug=True)
