"""Starlette's own ``AuthenticationMiddleware`` and backends: ``request.user`` / ``request.auth`` and the
portable ``requires`` read what it wrote in the scope, with Starlette's user and credential types."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected

pytestmark = pytest.mark.anyio


class HeaderAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-user") or conn.query_params.get("user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


class Me(HTTPEndpoint):
    @requires("authenticated", redirect="login")
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


async def login(request: Request) -> JSONResponse:
    return JSONResponse({"authenticated": request.user.is_authenticated})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})


ROUTES = [Route("/me", Me), Route("/login", login), WebSocketRoute("/ws", socket)]


async def test_requires_reads_starlettes_own_authentication() -> None:
    middleware: Any = [Middleware(AuthenticationMiddleware, backend=HeaderAuth())]
    app = pe.create_app(ROUTES, framework="starlette", middleware=middleware)
    async with TestClient(app) as client:
        assert (await client.get("/me", headers={"x-user": "ada"})).json() == {
            "user": "ada",
            "scopes": ["authenticated"],
        }
        refused = await client.get("/me")
        assert refused.status_code == 303
        assert refused.headers["location"] == "http://testserver/login?next=http%3A%2F%2Ftestserver%2Fme"
        assert (await client.get("/login")).json() == {"authenticated": False}
        async with client.websocket_connect("/ws?user=ada") as websocket:
            assert await websocket.receive_json() == {"user": "ada"}
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws"):
                pass
