"""Falcon has no authentication of its own: the idiomatic place is a Falcon middleware, whose
``process_request`` (and ``process_request_ws``) sets ``req.scope["user"]`` / ``["auth"]``, which
the portable ``requires``, ``request.user`` and ``websocket.user`` read (docs/authentication.md)."""

from __future__ import annotations

import falcon.asgi
import pytest

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import AuthCredentials, SimpleUser, UnauthenticatedUser, requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected

pytestmark = pytest.mark.anyio

TOKENS = {"token-of-ada": "ada"}


class BearerUser:
    """Falcon middleware: who is calling, from the ``Authorization`` header."""

    def _authenticate(self, req: falcon.asgi.Request) -> None:
        scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
        name = TOKENS.get(token) if scheme.lower() == "bearer" else None
        if name is None:
            req.scope["auth"], req.scope["user"] = AuthCredentials(), UnauthenticatedUser()
        else:
            req.scope["auth"], req.scope["user"] = AuthCredentials(["authenticated"]), SimpleUser(name)

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._authenticate(req)

    async def process_request_ws(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
        self._authenticate(req)


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


async def test_a_falcon_middleware_feeds_requires_and_the_user() -> None:
    app = pe.create_app([Route("/me", me), WebSocketRoute("/ws", socket)], framework="falcon")
    app.add_middleware(BearerUser())
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
