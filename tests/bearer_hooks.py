"""What the Falcon and Sanic own-authentication tests share: the endpoints a host's own hook
guards, the scope it writes for a bearer token, and the walk both run (their hosts have no
authentication of their own, so a Falcon middleware or a Sanic request middleware writes it)."""

from __future__ import annotations

import pytest

from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import AuthCredentials, SimpleUser, UnauthenticatedUser, requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected
from portable_endpoints.types import ASGIApp, Scope

TOKENS = {"token-of-ada": "ada"}

#: the endpoints a request reached, so a test sees that a refused one reached none
reached: list[str] = []


def authenticate(scope: Scope, authorization: str) -> None:
    """Write who is calling into ``scope``, as a host's own hook would, from an ``Authorization`` value."""
    scheme, _, token = authorization.partition(" ")
    name = TOKENS.get(token) if scheme.lower() == "bearer" else None
    if name is None:
        scope["auth"], scope["user"] = AuthCredentials(), UnauthenticatedUser()
    else:
        scope["auth"], scope["user"] = AuthCredentials(["authenticated"]), SimpleUser(name)


@requires("authenticated")
async def me(request: Request) -> JSONResponse:
    reached.append("me")
    return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})
    await websocket.close()


ROUTES = [Route("/me", me), WebSocketRoute("/ws", socket)]


async def walk(app: ASGIApp) -> None:
    """Refused without a valid token (HTTP 403, the handshake never accepted), served with one."""
    reached.clear()
    async with TestClient(app) as client:
        assert (await client.get("/me")).status_code == 403
        assert (await client.get("/me", headers={"Authorization": "Bearer nope"})).status_code == 403
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
