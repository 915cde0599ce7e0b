"""Quart-only routing facts: portable order under a Blueprint's url_prefix, rules Quart cannot express,
and Quart's own 404 for the wrong kind of request. Everything else about matching is the suite's
routing grid (``portable_endpoints/testing/suite/test_routing_grid.py``).
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import quart

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing import TestClient, WebSocketRejected
from portable_endpoints.types import ASGIApp

pytestmark = pytest.mark.anyio


def client_for(app: quart.Quart | quart.Blueprint, **options: Any) -> TestClient:
    # Quart types its ASGI interface with its own TypedDicts.
    return TestClient(cast(ASGIApp, app), **options)


def describe(name: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"route": name, "params": {key: [type(value).__name__, str(value)] for key, value in params.items()}}


class Which(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        # The route that answered, by the path it was declared with.
        return JSONResponse(describe(request.scope["pe_route"], request.path_params))


def route(path: str) -> Route:
    class Named(Which):
        async def get(self, request: Request) -> JSONResponse:
            request.scope["pe_route"] = path
            return await super().get(request)

    return Route(path, Named, name=path)


# Werkzeug's converters and its static-before-dynamic order differ on each of these.
PATHS = ["/float/{v:float}", "/str/{v}", "/path/{v:path}", "/items/", "/users/{name}", "/users/me"]
ROUTES = [route(path) for path in PATHS]


def starlette_answer(path: str) -> tuple[int, dict[str, Any] | None]:
    for candidate in ROUTES:
        params = candidate.compiled.match(path)
        if params is not None:
            return 200, describe(candidate.path, params)
    return 404, None


@pytest.mark.parametrize("path", ["/users/me", "/str/x", "/items/", "/path/", "/float/1"])
async def test_order_and_convertors_hold_under_a_users_url_prefix(path: str) -> None:
    app = quart.Quart(__name__)
    app.register_blueprint(pe.native_routes(ROUTES, framework="quart"), url_prefix="/v1")
    _, expected = starlette_answer(path)
    async with client_for(app) as client:
        response = await client.get("/v1" + path)
        assert response.json() == expected
        assert (await client.get(path)).status_code == 404


def test_a_literal_angle_bracket_is_refused_when_mounting() -> None:
    with pytest.raises(pe.ConfigurationError, match="cannot express a literal '<'"):
        pe.create_app([Route("/a<b", Which)], framework="quart")


async def test_the_wrong_kind_of_request_on_a_portable_path_is_quarts_404() -> None:
    # Werkzeug answers 400 (WebsocketMismatch); Starlette has no route there: 404.
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()

    async def native_socket() -> None:
        await quart.websocket.accept()

    app = pe.create_app([Route("/page", Which), WebSocketRoute("/ws", socket)], framework="quart")
    app.add_websocket("/native-ws", "native_ws", native_socket)
    app.register_error_handler(404, lambda error: ("not here", 404))
    async with client_for(app) as client:
        assert ((await client.get("/ws")).status_code, (await client.get("/ws")).text) == (404, "not here")
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/page"):
                pass
        assert rejected.value.status_code == 404
        assert (await client.get("/native-ws")).status_code == 400  # Quart's own routes keep their answer
