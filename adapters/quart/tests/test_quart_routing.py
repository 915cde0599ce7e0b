"""Werkzeug routing made Starlette's: every path is answered by the route Starlette's regexes pick.

The reference is the core's compiled paths (Starlette's ``compile_path``), tried in declaration
order. Each case below differs on plain werkzeug: its float/uuid/path converters, its trailing-slash
and merge-slash redirects, its leading-slash stripping and its static-before-dynamic order.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import quart

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints._types import ASGIApp
from portable_endpoints.testing import TestClient, WebSocketRejected

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


PATHS = [
    "/",
    "/int/{v:int}",
    "/float/{v:float}",
    "/uuid/{v:uuid}",
    "/str/{v}",
    "/path/{v:path}",
    "/files/{name}.{ext}",
    "/items/",
    "/users/{id:int}/",
    "/users/{name}",
    "/users/me",
    "/mixed/{a:int}-{b}",
    "/deep/{p:path}/end",
    "/tail/{v:path}/",
    "/{catch}/static",
    "/any/static",
]
ROUTES = [route(path) for path in PATHS]
REQUESTS = [
    "/",
    "//",
    "/int/7",
    "/int/007",
    "/int/-7",
    "/int/\u0665",
    "/int/7/",
    "//int/7",
    "/int//7",
    "/float/1",
    "/float/1.5",
    "/float/1.",
    "/float/.5",
    "/float/1e3",
    "/float/nan",
    "/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f10",
    "/uuid/8B8F2C328F2B4F6B9D2B6A0A4C1E7F10",
    "/uuid/8b8f2c328f2b-4f6b-9d2b-6a0a4c1e7f10",
    "/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f1",
    "/str/x",
    "/str/",
    "/str/x/",
    "/str/a b",
    "/path/",
    "/path",
    "/path/a/b/",
    "/path//a",
    "/files/a.b.c",
    "/files/.txt",
    "/files/a.",
    "/items/",
    "/items",
    "/items//",
    "/users/5/",
    "/users/5",
    "/users/me",
    "/users/me/",
    "/mixed/1-x",
    "/mixed/1-",
    "/mixed/x-1",
    "/deep/end",
    "/deep//end",
    "/deep/a/b/end",
    "/tail/x/",
    "/tail/x",
    "/tail//",
    "/any/static",
    "/other/static",
]


def starlette_answer(path: str) -> tuple[int, dict[str, Any] | None]:
    for candidate in ROUTES:
        params = candidate.compiled.match(path)
        if params is not None:
            return 200, describe(candidate.path, params)
    return 404, None


@pytest.fixture(scope="module")
def app() -> quart.Quart:
    created: quart.Quart = pe.create_app(ROUTES, framework="quart", redirect_slashes=False)
    return created


@pytest.mark.parametrize("path", REQUESTS)
async def test_each_path_gets_the_route_starlette_picks(app: quart.Quart, path: str) -> None:
    status, expected = starlette_answer(path)
    async with client_for(app) as client:
        # Absolute, or the client would read a leading "//" as the start of a host name.
        response = await client.get("http://testserver" + path)
    assert response.status_code == status, response.text
    if expected is not None:
        assert response.json() == expected


@pytest.mark.parametrize("path", ["/users/me", "/str/x", "/items/", "/path/", "/float/1"])
async def test_order_and_convertors_hold_under_a_users_url_prefix(path: str) -> None:
    app = quart.Quart(__name__)
    app.register_blueprint(pe.native_routes(ROUTES, framework="quart"), url_prefix="/v1")
    _, expected = starlette_answer(path)
    async with client_for(app) as client:
        response = await client.get("/v1" + path)
        assert response.json() == expected
        assert (await client.get(path)).status_code == 404


async def test_websocket_routes_follow_declaration_order_too() -> None:
    def greeter(word: str) -> Any:
        async def session(websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"{word} {websocket.path_params}")
            await websocket.close()

        return session

    app = pe.create_app(
        [
            WebSocketRoute("/ws/{room}", greeter("param"), name="param"),
            WebSocketRoute("/ws/lobby", greeter("static"), name="static"),
            WebSocketRoute("/only/", greeter("slash"), name="slash"),
        ],
        framework="quart",
    )
    async with client_for(app) as client:
        async with client.websocket_connect("/ws/lobby") as ws:
            assert await ws.receive_text() == "param {'room': 'lobby'}"
        async with client.websocket_connect("/only/") as ws:
            assert await ws.receive_text() == "slash {}"
        for path in ("/only", "//ws/lobby"):
            with pytest.raises(WebSocketRejected) as rejected:
                async with client.websocket_connect("ws://testserver" + path):
                    pass
            assert rejected.value.status_code == 404  # Quart's own answer to an unknown path


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
