"""FastAPI's own stack (Starlette's ``AuthenticationMiddleware`` and ``SessionMiddleware``, which
FastAPI apps use): the portable ``requires``, ``request.user`` and ``request.session`` read them."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import requires
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected

pytestmark = pytest.mark.anyio


class SessionUser(AuthenticationBackend):
    """Who is calling: the name the login endpoint put in FastAPI's (Starlette's) session."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.session.get("user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


async def login(request: Request) -> JSONResponse:
    request.session.clear()
    request.session["user"] = (await request.form())["username"]
    return JSONResponse({"signed_in": request.session["user"]})


async def logout(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({"signed_in": None})


@requires("authenticated", redirect="login")
async def me(request: Request) -> JSONResponse:
    return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})


ROUTES = [
    Route("/login", login, methods=["POST"], name="login"),
    Route("/logout", logout, methods=["POST"]),
    Route("/me", me),
    WebSocketRoute("/ws", socket),
]


async def test_fastapis_own_sessions_and_authentication_feed_requires() -> None:
    # FastAPI's own middleware option, as a FastAPI app declares it: sessions outside authentication.
    middleware: Any = [
        Middleware(SessionMiddleware, secret_key="fastapi-test-secret"),
        Middleware(AuthenticationMiddleware, backend=SessionUser()),
    ]
    app = pe.create_app(ROUTES, framework="fastapi", middleware=middleware)
    async with TestClient(app) as client:
        refused = await client.get("/me")
        assert refused.status_code == 303
        assert refused.headers["location"] == "http://testserver/login?next=http%3A%2F%2Ftestserver%2Fme"
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws"):
                pass
        signed_in = await client.post("/login", data={"username": "ada"})
        assert signed_in.json() == {"signed_in": "ada"}
        assert "session" in signed_in.cookies
        assert (await client.get("/me")).json() == {"user": "ada", "scopes": ["authenticated"]}
        async with client.websocket_connect("/ws") as websocket:
            assert await websocket.receive_json() == {"user": "ada"}
        await client.post("/logout")
        assert (await client.get("/me")).status_code == 303
