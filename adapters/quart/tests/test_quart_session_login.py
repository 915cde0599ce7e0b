"""A login and logout with Quart's own session (its signed cookie, ``app.secret_key``).

Quart has no authentication of its own, and its session exists only inside Quart's request
context, where a portable ``AuthenticationMiddleware`` around the app cannot see it. A Quart
``before_request`` hook can: it puts who is calling in the request's scope (``quart.request.scope``
is the portable request's scope), and ``request.user`` and ``requires`` read it there.
"""

from __future__ import annotations

from typing import Any

import pytest
import quart

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route
from portable_endpoints.authentication import AuthCredentials, SimpleUser, UnauthenticatedUser, requires
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio
PASSWORD = "lovelace-password"


async def login(request: Request) -> JSONResponse:
    form = await request.form()
    if form.get("password") != PASSWORD:
        return JSONResponse({"login": False}, status_code=400)
    request.session.clear()  # nothing from before the login survives it
    request.session["user"] = str(form["username"])
    return JSONResponse({"login": True})


async def logout(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({"logout": True})


async def visit(request: Request) -> JSONResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return JSONResponse({"user": request.user.display_name, "visits": request.session["visits"]})


@requires("authenticated")
async def me(request: Request) -> JSONResponse:
    return JSONResponse({"user": request.user.display_name, "session": request.session["user"]})


@requires("admin")
async def admin(request: Request) -> JSONResponse:
    return JSONResponse({"admin": True})


ROUTES = [
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/visit", visit),
    Route("/me", me),
    Route("/admin", admin),
]


async def user_from_the_session() -> None:
    """Quart's way to authenticate every request: a hook, in Quart's request context."""
    name = quart.session.get("user")
    scope: Any = quart.request.scope  # Quart types its scope without "user" and "auth"
    if name is None:
        scope["auth"], scope["user"] = AuthCredentials(), UnauthenticatedUser()
    else:
        scope["auth"], scope["user"] = AuthCredentials(["authenticated"]), SimpleUser(name)


async def test_login_and_logout_with_quarts_session() -> None:
    app = pe.create_app(ROUTES, framework="quart")
    app.secret_key = "only-for-the-tests"
    app.before_request(user_from_the_session)
    async with TestClient(app) as client:
        assert (await client.get("/visit")).json() == {"user": "", "visits": 1}
        anonymous = client.cookies["session"]
        assert (await client.get("/me")).status_code == 403
        refused = await client.post("/login", data={"username": "ada", "password": "wrong"})
        assert (refused.status_code, client.cookies["session"]) == (400, anonymous)
        assert (await client.post("/login", data={"username": "ada", "password": PASSWORD})).json() == {"login": True}
        assert client.cookies["session"] != anonymous  # a new session at login
        assert (await client.get("/me")).json() == {"user": "ada", "session": "ada"}
        assert (await client.get("/visit")).json() == {"user": "ada", "visits": 1}
        forbidden = await client.get("/admin")
        assert forbidden.status_code == 403
        assert "ada" not in forbidden.text
        assert client.cookies["session"] not in forbidden.text
        await client.post("/logout")
        assert "session" not in client.cookies  # cleared: the cookie is deleted
        assert (await client.get("/me")).status_code == 403
