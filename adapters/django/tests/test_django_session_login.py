"""A login and logout with Django's own ``SessionMiddleware`` (signed cookies, in this process).

Django's ``AuthenticationMiddleware`` needs ``django.contrib.auth`` and a database, which this
process's settings do not have: ``test_django_auth.py`` runs it, with database sessions, in a
process of its own. Here the portable endpoints keep who is logged in in ``request.session``.
"""

from __future__ import annotations

import pytest

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio
PASSWORD = "lovelace-password"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


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
    return JSONResponse({"user": request.session.get("user", ""), "visits": request.session["visits"]})


async def me(request: Request) -> JSONResponse:
    user = request.session.get("user")
    if user is None:
        return JSONResponse({"error": "log in first"}, status_code=403)
    return JSONResponse({"user": user})


ROUTES = [
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/visit", visit),
    Route("/me", me),
]


async def test_login_and_logout_with_djangos_signed_cookie_session() -> None:
    app = pe.create_app(ROUTES, framework="django", MIDDLEWARE=[SESSIONS])
    async with TestClient(app) as client:
        assert (await client.get("/visit")).json() == {"user": "", "visits": 1}
        anonymous = client.cookies["sessionid"]
        assert (await client.get("/me")).status_code == 403
        refused = await client.post("/login", data={"username": "ada", "password": "wrong"})
        assert (refused.status_code, client.cookies["sessionid"]) == (400, anonymous)
        assert (await client.post("/login", data={"username": "ada", "password": PASSWORD})).json() == {"login": True}
        assert client.cookies["sessionid"] != anonymous  # a new session at login
        assert (await client.get("/me")).json() == {"user": "ada"}
        assert (await client.get("/visit")).json() == {"user": "ada", "visits": 1}
        logged_in = client.cookies["sessionid"]
        await client.post("/logout")
        # Django keeps an empty session after clear() (flush() would delete it): a new, empty cookie.
        assert client.cookies["sessionid"] not in (anonymous, logged_in)
        assert (await client.get("/me")).status_code == 403
