"""``AuthenticationMiddleware``: runs an ``AuthenticationBackend`` for every HTTP and WebSocket connection.

Ported from Starlette 1.10's ``starlette.middleware.authentication`` (BSD-3-Clause, Encode OSS Ltd.).
It sets ``scope["auth"]`` and ``scope["user"]``, which ``request.auth`` / ``request.user`` read on
every host. A backend's ``AuthenticationError`` is answered by ``on_error`` (default: a 400 with
the error's own message, which backends write for clients; a WebSocket is closed before it is
accepted); any other exception propagates to the host, whose 500 shows neither text nor traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portable_endpoints.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    UnauthenticatedUser,
)
from portable_endpoints.requests import HTTPConnection
from portable_endpoints.responses import PlainTextResponse, Response
from portable_endpoints.types import ASGIApp, Receive, Scope, Send

ErrorHandler = Callable[[HTTPConnection[Any], AuthenticationError], Response]


class AuthenticationMiddleware:
    """``Middleware(AuthenticationMiddleware, backend=MyBackend())``, in ``middleware=`` on every host."""

    def __init__(self, app: ASGIApp, backend: AuthenticationBackend, on_error: ErrorHandler | None = None) -> None:
        self.app = app
        self.backend = backend
        self.on_error: ErrorHandler = on_error if on_error is not None else self.default_on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn: HTTPConnection[Any] = HTTPConnection(scope)
        try:
            auth_result = await self.backend.authenticate(conn)
        except AuthenticationError as exc:
            response = self.on_error(conn, exc)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            else:
                await response(scope, receive, send)
            return
        if auth_result is None:
            auth_result = AuthCredentials(), UnauthenticatedUser()
        scope["auth"], scope["user"] = auth_result
        await self.app(scope, receive, send)

    @staticmethod
    def default_on_error(conn: HTTPConnection[Any], exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=400)


__all__ = ["AuthenticationMiddleware"]
