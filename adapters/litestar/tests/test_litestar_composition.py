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


async def test_mounted_routes_are_litestars_by_name_and_in_its_openapi_schema() -> None:
    # Serving them beside the app's own routes, under a prefix, is the suite's (test_composition.py).
    app: Any = Litestar(route_handlers=[home])
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo)], prefix="/v1")
    assert app.route_reverse("item", item_id=3) == "/v1/items/3"
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "http://testserver/v1/items/5"
        assert (await client.get("/v1/items/9")).json() == {"id": 9, "home": "http://testserver/"}
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


def test_native_routes_are_litestar_route_handlers() -> None:
    # Composing them by hand, and the declared limit of doing so (no "native_routes.any_method":
    # QUERY stays Litestar's 405), are the suite's (test_composition.py, test_routing_grid.py).
    handlers = pe.native_routes(
        [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo)], framework="litestar"
    )
    assert any(isinstance(handler, HTTPRouteHandler) for handler in handlers)
    assert any(isinstance(handler, WebsocketRouteHandler) for handler in handlers)
    assert (
        "native_routes.any_method" not in next(info for info in pe.adapters() if info.name == "litestar").capabilities
    )
