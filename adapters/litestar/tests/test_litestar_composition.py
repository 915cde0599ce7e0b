"""Litestar-only composition facts: mount into an app, native_routes in a user's app, names both ways."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, MediaType, get
from litestar import Request as LitestarRequest
from litestar.handlers import HTTPRouteHandler, WebsocketRouteHandler

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(f"{type(websocket.native).__name__}: {data}")


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"], "home": str(request.url_for("native-home"))})

    async def query(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("queried")


@get("/", name="native-home", media_type=MediaType.TEXT)
async def home(request: LitestarRequest[Any, Any, Any]) -> str:
    return request.url_for("item", item_id=5)


async def test_mount_into_an_existing_app_with_a_prefix() -> None:
    app: Any = Litestar(route_handlers=[home])
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo)], prefix="/v1")
    assert app.route_reverse("item", item_id=3) == "/v1/items/3"
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "http://testserver/v1/items/5"
        assert (await client.get("/v1/items/9")).json() == {"id": 9, "home": "http://testserver/"}
        assert (await client.request("QUERY", "/v1/items/9")).text == "queried"
        response = await client.request("FOO", "/v1/items/9")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, QUERY")
        assert (await client.get("/items/9")).status_code == 404
        async with client.websocket_connect("/v1/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "PortableWebSocket: hi"
        schema = (await client.get("/schema/openapi.json")).json()
    assert list(schema["paths"]["/v1/items/{item_id}"]) == ["get"]


async def test_url_for_is_exact_for_portable_names_and_asks_litestar_for_the_others() -> None:
    errors: list[str] = []

    class Links(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            # Litestar would ignore the extra parameter; Starlette's rules refuse it.
            for name, params in (("links", {"extra": 1}), ("nowhere", {})):
                try:
                    request.url_for(name, **params)
                except pe.NoMatchFound as exc:
                    errors.append(str(exc))
            return PlainTextResponse(f"{request.url_for('links')} {request.url_for('native-home')}")

    app: Any = Litestar(route_handlers=[home])
    pe.mount(app, [Route("/links", Links, name="links")])
    async with TestClient(app) as client:
        assert (await client.get("/links")).text == "http://testserver/links http://testserver/"
    assert errors == [
        'No route exists for name "links" and params "extra".',
        'No route exists for name "nowhere" and params "".',
    ]


async def test_mount_refuses_a_path_the_app_routes_itself() -> None:
    @get("/items/{item_id:int}")
    async def native_item() -> str:
        return "native"

    app: Any = Litestar(route_handlers=[native_item])
    with pytest.raises(pe.ConfigurationError, match="already routes '/items/"):
        pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")])


async def test_native_routes_compose_into_a_users_app() -> None:
    handlers = pe.native_routes(
        [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo)], framework="litestar"
    )
    assert any(isinstance(handler, HTTPRouteHandler) for handler in handlers)
    assert any(isinstance(handler, WebsocketRouteHandler) for handler in handlers)
    app: Any = Litestar(route_handlers=[home, *handlers])
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "http://testserver/items/5"
        assert (await client.get("/items/1")).json() == {"id": 1, "home": "http://testserver/"}
        response = await client.delete("/items/1")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, QUERY")
        # The documented limit of composing by hand: with no app to finish, methods Litestar has no
        # verb for stay Litestar's (405; its own Allow, if any); pe.mount(app, routes) serves them.
        response = await client.request("QUERY", "/items/1")
        assert response.status_code == 405
        assert "QUERY" not in response.headers.get("allow", "")
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "PortableWebSocket: hi"
