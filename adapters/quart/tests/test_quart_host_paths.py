"""`portable-endpoints routes` shows the werkzeug rules Quart really matches."""

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


def test_host_paths_are_the_apps_werkzeug_rules() -> None:
    from portable_endpoints_quart._adapter import ADAPTER

    app = pe.create_app(ROUTES, framework="quart")
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    paths = ADAPTER.host_paths(RouteTable(ROUTES))
    assert paths == [rules[route.name] for route in ROUTES]
    assert paths[0] == "/users/<pe_int:user_id>"
