"""`portable-endpoints routes` shows the paths Litestar really routes."""

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


def test_host_paths_are_registered_in_the_app() -> None:
    from portable_endpoints_litestar._adapter import ADAPTER

    app = pe.create_app(ROUTES, framework="litestar")
    paths = ADAPTER.host_paths(RouteTable(ROUTES))
    assert len(paths) == len(ROUTES)
    assert set(paths) <= {route.path for route in app.routes}
    assert paths[0] == "/users/{user_id:int}"
