"""Sanic has no authentication of its own: the idiomatic place is request middleware
(``@app.on_request``), which sets ``request.transport.scope["user"]`` / ``["auth"]`` (portable
routes run in Sanic's ASGI mode, whose transport carries the scope); the portable ``requires``,
``request.user`` and ``websocket.user`` read them (docs/authentication.md)."""

from __future__ import annotations

import pytest
import sanic

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import AuthCredentials, SimpleUser, UnauthenticatedUser, requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected

pytestmark = pytest.mark.anyio

TOKENS = {"token-of-ada": "ada"}


async def bearer_user(request: sanic.Request) -> None:
    """Sanic request middleware: who is calling, from the ``Authorization`` header."""
    scope = request.transport.scope
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    name = TOKENS.get(token) if scheme.lower() == "bearer" else None
    if name is None:
        scope["auth"], scope["user"] = AuthCredentials(), UnauthenticatedUser()
    else:
        scope["auth"], scope["user"] = AuthCredentials(["authenticated"]), SimpleUser(name)


reached: list[str] = []


@requires("authenticated")
async def me(request: Request) -> JSONResponse:
    reached.append("me")
    return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})
    await websocket.close()


async def test_sanic_request_middleware_feeds_requires_and_the_user() -> None:
    app = pe.create_app([Route("/me", me), WebSocketRoute("/ws", socket)], framework="sanic")
    app.on_request(bearer_user)
    reached.clear()
    async with TestClient(app) as client:
        refused = await client.get("/me")
        assert refused.status_code == 403
        wrong = await client.get("/me", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        assert reached == []
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws"):
                pass
        signed = {"Authorization": "Bearer token-of-ada"}
        answer = await client.get("/me", headers=signed)
        assert answer.json() == {"user": "ada", "scopes": ["authenticated"]}
        async with client.websocket_connect("/ws", headers=signed) as websocket:
            assert await websocket.receive_json() == {"user": "ada"}
    assert reached == ["me"]
