"""Litestar's own authentication middleware: ``request.user`` / ``request.auth`` and ``requires`` read
what it wrote in the scope, on portable routes beside native ones."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import AuthCredentials, SimpleUser, requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected

pytestmark = pytest.mark.anyio


class TokenAuth(AbstractAuthenticationMiddleware):
    """Litestar's documented pattern; the user and credentials are the portable types here."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        token = connection.headers.get("x-token") or connection.query_params.get("token")
        if token is None:
            return AuthenticationResult(user=None, auth=AuthCredentials())
        if token != "s3cret":
            raise NotAuthorizedException()
        return AuthenticationResult(user=SimpleUser("ada"), auth=AuthCredentials(["authenticated"]))


@requires("authenticated")
async def me(request: Request) -> JSONResponse:
    return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})


ROUTES = [Route("/me", me), WebSocketRoute("/ws", socket)]


async def test_requires_reads_litestars_own_authentication() -> None:
    app = pe.create_app(ROUTES, framework="litestar", middleware=[DefineMiddleware(TokenAuth)])
    async with TestClient(app) as client:
        assert (await client.get("/me", headers={"x-token": "s3cret"})).json() == {
            "user": "ada",
            "scopes": ["authenticated"],
        }
        # Litestar's user None reads as an unauthenticated request: requires refuses it.
        assert (await client.get("/me")).status_code == 403
        assert (await client.get("/me", headers={"x-token": "wrong"})).status_code == 401
        async with client.websocket_connect("/ws?token=s3cret") as websocket:
            assert await websocket.receive_json() == {"user": "ada"}
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws?token=wrong"):
                pass
