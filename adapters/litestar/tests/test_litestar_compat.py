"""One test per Litestar internal the adapter touches (``_compat``)."""

from __future__ import annotations

from typing import Any, cast

import litestar
import pytest
from litestar.routes import HTTPRoute
from portable_endpoints_litestar import _compat

from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp
from portable_endpoints.websockets import WebSocketDisconnect

pytestmark = pytest.mark.anyio


async def test_the_body_cache_is_litestars_own() -> None:
    seen: dict[str, Any] = {}

    @litestar.post("/")
    async def view(request: litestar.Request[Any, Any, Any]) -> str:
        seen["before"] = _compat.cached_body(request.scope)
        _compat.cache_body(request.scope, b"cached")
        seen["native"] = await request.body()
        seen["limit"] = _compat.request_body_limit(request)
        return "ok"

    async with TestClient(cast(ASGIApp, litestar.Litestar([view]))) as client:
        assert (await client.post("/", content=b"sent")).status_code == 201
    assert seen["before"] is None
    assert seen["native"] == b"cached"
    assert seen["limit"] is None or isinstance(seen["limit"], int)


async def test_response_started_stops_litestars_own_close() -> None:
    @litestar.websocket("/ws")
    async def socket(socket: litestar.WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        await socket.close(code=4001)
        _compat.mark_response_started(socket.scope)
        raise RuntimeError("after the close")

    async with TestClient(cast(ASGIApp, litestar.Litestar([socket])), raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
    assert closed.value.code == 4001


def test_a_websocket_class_without_its_send_wrapper() -> None:
    cls = _compat.without_send_wrapper(litestar.WebSocket)
    assert issubclass(cls, litestar.WebSocket)

    async def send(message: Any) -> None:
        return None

    assert cls.send_wrapper(object.__new__(cls), send) is send


def test_routing_tables_are_reachable_and_publishable() -> None:
    @litestar.get("/items/{item_id:int}")
    async def item(request: litestar.Request[Any, Any, Any]) -> str:
        return "item"

    app = litestar.Litestar([item])
    owners = {type(owner).__name__: attribute for owner, attribute, _ in _compat.method_tables(app)}
    assert owners["HTTPRoute"] == "route_handler_map"
    assert "asgi_handlers" in owners.values()
    route = next(route for route in app.routes if isinstance(route, HTTPRoute))
    _compat.publish_path(route, "/items/{id}", {"id": _compat.path_parameter("id", "int", int)})
    assert route.path_format == "/items/{id}"
    assert set(route.path_parameters) == {"id"}
    _compat.clear_routing_cache(app)


def test_litestars_own_options_handler_is_recognised() -> None:
    @litestar.get("/items")
    async def items() -> str:
        return "items"

    @litestar.route("/own", http_method=["OPTIONS"])
    async def own() -> None:
        return None

    app = litestar.Litestar([items, own])
    handlers = {
        route.path: route.route_handler_map["OPTIONS"][0] for route in app.routes if isinstance(route, HTTPRoute)
    }
    assert _compat.is_default_options_handler(handlers["/items"])  # the one Litestar added
    assert not _compat.is_default_options_handler(handlers["/own"])
    assert not _compat.is_default_options_handler(items)


async def test_a_websocket_scope_with_a_method_reaches_a_native_websocket_handler() -> None:
    from portable_endpoints.testing._raw import ClientScript, drive_websocket, websocket_scope

    @litestar.websocket("/ws")
    async def socket(socket: litestar.WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        await socket.close()

    app = litestar.Litestar([socket])
    scope = websocket_scope("/ws", extra={"method": "GET"})
    before = await drive_websocket(cast(ASGIApp, app), dict(scope), ClientScript())
    assert not before.accepted  # Litestar's own routing: a 404
    _compat.route_websockets_without_method(app)
    _compat.route_websockets_without_method(app)  # once is enough; twice wraps once
    after = await drive_websocket(cast(ASGIApp, app), dict(scope), ClientScript())
    assert after.accepted
    assert after.close == (1000, "")


async def test_a_lifespan_manager_added_to_a_built_app_runs() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    events: list[str] = []

    @asynccontextmanager
    async def manager(app: litestar.Litestar) -> AsyncIterator[None]:
        events.append("up")
        yield
        events.append("down")

    app = litestar.Litestar([])
    _compat.add_lifespan_manager(app, manager)
    async with TestClient(cast(ASGIApp, app)):
        assert events == ["up"]
    assert events == ["up", "down"]
