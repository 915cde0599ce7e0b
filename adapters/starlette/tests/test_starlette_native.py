"""Starlette-only facts: native objects, middleware, auth, sessions, handlers, url_path_for, mount."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection as StarletteConnection
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route as StarletteRoute
from starlette.routing import WebSocketRoute as StarletteWebSocketRoute

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Header(AuthenticationBackend):
    async def authenticate(self, conn: StarletteConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-user")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


class WhoAmI(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        native: StarletteRequest = request.native
        native.session["visits"] = native.session.get("visits", 0) + 1
        return JSONResponse(
            {
                "native": type(native).__name__,
                "user": native.user.display_name if native.user.is_authenticated else None,
                "scopes": native.auth.scopes if native.user.is_authenticated else [],
                "visits": native.session["visits"],
                "state": request.state.tag,
                "app_is_starlette": isinstance(native.app, Starlette),
            }
        )


def tag_state(app: Any) -> Any:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["tag"] = "from-middleware"
        await app(scope, receive, send)

    return middleware


async def test_real_middleware_auth_and_sessions_reach_the_portable_endpoint() -> None:
    app = pe.create_app(
        [Route("/me", WhoAmI)],
        framework="starlette",
        middleware=[
            Middleware(SessionMiddleware, secret_key="test-secret"),
            Middleware(AuthenticationMiddleware, backend=Header()),
            Middleware(tag_state),
        ],
    )
    assert isinstance(app, Starlette)
    async with TestClient(app) as client:
        first = (await client.get("/me", headers={"x-user": "ada"})).json()
        second = (await client.get("/me")).json()
    assert first == {
        "native": "Request",
        "user": "ada",
        "scopes": ["authenticated"],
        "visits": 1,
        "state": "from-middleware",
        "app_is_starlette": True,
    }
    assert second["visits"] == 2
    assert second["user"] is None


class Echo(WebSocketEndpoint):
    encoding = "text"


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"], "url": str(request.url_for("native-home"))})


async def home(request: StarletteRequest) -> StarlettePlainText:
    return StarlettePlainText(str(request.url_for("item", item_id=5)))


async def test_mount_into_an_existing_app_and_resolve_names_both_ways() -> None:
    app = Starlette(routes=[StarletteRoute("/", home, name="native-home")])
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")], prefix="/v1")
    assert app.url_path_for("item", item_id=3) == "/v1/items/3"
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "http://testserver/v1/items/5"
        assert (await client.get("/v1/items/9")).json() == {"id": 9, "url": "http://testserver/"}


def test_native_routes_are_starlettes_own_route_objects() -> None:
    # Composing them by hand into a Starlette app is the suite's (test_composition.py).
    routes = pe.native_routes(
        [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo)], framework="starlette"
    )
    assert [
        isinstance(route, kind) for route, kind in zip(routes, [StarletteRoute, StarletteWebSocketRoute], strict=True)
    ] == [True, True]
    assert [route.name for route in routes] == ["item", "Echo"]


async def test_create_app_passes_native_options_through() -> None:
    started: list[str] = []

    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append("up")
        yield
        started.append("down")

    app = pe.create_app([Route("/", WhoAmI)], framework="starlette", lifespan=lifespan, debug=True)
    assert app.debug is True
    async with TestClient(app):
        assert started == ["up"]
    assert started == ["up", "down"]


def test_starlette_is_the_default_for_serve() -> None:
    from portable_endpoints.cli import default_framework

    assert default_framework() == "starlette"
