"""The endpoints of a login and logout, shared by each host's own-session test (Starlette's,
Litestar's and Quart's sessions, in the adapters' tests): they write ``request.session``; a
``SessionBackend`` inside the host's session middleware reads who is logged in from it."""

from __future__ import annotations

from typing import Any

from portable_endpoints import JSONResponse, Request, Route
from portable_endpoints.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
    requires,
)
from portable_endpoints.requests import HTTPConnection

PASSWORD = "lovelace-password"


class SessionBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, BaseUser]:
        name = conn.session.get("user")
        if name is None:
            return AuthCredentials(), UnauthenticatedUser()
        return AuthCredentials(["authenticated"]), SimpleUser(name)


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
