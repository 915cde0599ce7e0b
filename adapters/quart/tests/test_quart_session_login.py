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
from portable_endpoints.authentication import AuthCredentials, SimpleUser, UnauthenticatedUser
from portable_endpoints.testing import TestClient
from tests.session_login import PASSWORD, ROUTES

pytestmark = pytest.mark.anyio


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
