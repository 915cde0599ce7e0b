"""`portable-endpoints routes` shows the paths Starlette really matches."""

from __future__ import annotations

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    PlainTextResponse,
    Request,
    Route,
    RouteTable,
    WebSocketEndpoint,
    WebSocketRoute,
)


class User(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("user")


class Echo(WebSocketEndpoint):
    pass


ROUTES = [
    Route("/users/{user_id:int}", User, name="user"),
    Route("/files/{name}.{ext}", User, name="file"),
    WebSocketRoute("/ws/{room}", Echo, name="room"),
]


def test_host_paths_are_the_native_routes_paths() -> None:
    from portable_endpoints_starlette._adapter import ADAPTER

    native = pe.native_routes(ROUTES, framework="starlette")
    assert ADAPTER.host_paths(RouteTable(ROUTES)) == [route.path for route in native]
    assert ADAPTER.host_paths(RouteTable(ROUTES))[0] == "/users/{user_id:pe_int}"
