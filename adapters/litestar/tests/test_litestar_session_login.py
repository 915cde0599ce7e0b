"""A login and logout with Litestar's own session middleware (server-side sessions): the portable
endpoints write ``request.session``, a portable ``AuthenticationBackend`` inside the session
middleware (Litestar's ``middleware=`` list, outermost first) reads it."""

from __future__ import annotations

from typing import Any, cast

import pytest
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.server_side import ServerSideSessionConfig

import portable_endpoints as pe
from portable_endpoints.middleware.authentication import AuthenticationMiddleware
from portable_endpoints.testing import TestClient
from tests.session_login import PASSWORD, ROUTES, SessionBackend

pytestmark = pytest.mark.anyio


async def test_login_and_logout_with_litestars_session() -> None:
    middleware: Any = [
        ServerSideSessionConfig().middleware,
        # Litestar types its middleware with its own scope types; the portable one takes any ASGI app.
        DefineMiddleware(cast(Any, AuthenticationMiddleware), backend=SessionBackend()),
    ]
    app = pe.create_app(ROUTES, framework="litestar", middleware=middleware)
    async with TestClient(app) as client:
        assert (await client.get("/visit")).json() == {"user": "", "visits": 1}
        anonymous = client.cookies["session"]
        assert (await client.get("/me")).status_code == 403
        refused = await client.post("/login", data={"username": "ada", "password": "wrong"})
        assert (refused.status_code, client.cookies["session"]) == (400, anonymous)
        assert (await client.post("/login", data={"username": "ada", "password": PASSWORD})).json() == {"login": True}
        # Litestar's server-side sessions keep their ID through session.clear(): only the data is
        # new (docs/authentication.md, "Sessions at login"); a signed-cookie session changes.
        assert client.cookies["session"] == anonymous
        assert (await client.get("/me")).json() == {"user": "ada", "session": "ada"}
        assert (await client.get("/visit")).json() == {"user": "ada", "visits": 1}
        forbidden = await client.get("/admin")
        assert forbidden.status_code == 403
        assert "ada" not in forbidden.text
        assert client.cookies["session"] not in forbidden.text
        await client.post("/logout")
        # An empty session keeps its ID too (Litestar deletes it only for request.clear_session()).
        assert client.cookies["session"] == anonymous
        assert (await client.get("/me")).status_code == 403
        assert (await client.get("/visit")).json() == {"user": "", "visits": 1}
