"""A login and logout with Starlette's own ``SessionMiddleware``: the portable endpoints write
``request.session``, a portable ``AuthenticationBackend`` inside the session middleware reads it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

import portable_endpoints as pe
from portable_endpoints.middleware.authentication import AuthenticationMiddleware
from portable_endpoints.testing import TestClient
from tests.session_login import PASSWORD, ROUTES, SessionBackend

pytestmark = pytest.mark.anyio


async def test_login_and_logout_with_starlettes_session() -> None:
    middleware: Any = [
        Middleware(SessionMiddleware, secret_key="only-for-the-tests"),
        Middleware(AuthenticationMiddleware, backend=SessionBackend()),
    ]
    app = pe.create_app(ROUTES, framework="starlette", middleware=middleware)
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
