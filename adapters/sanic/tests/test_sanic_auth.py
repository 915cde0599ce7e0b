"""Sanic has no authentication of its own: the idiomatic place is request middleware
(``app.on_request``, which also runs before a WebSocket handshake), which sets
``request.transport.scope["user"]`` / ``["auth"]`` (portable routes run in Sanic's ASGI mode, whose
transport carries the scope); the portable ``requires``, ``request.user`` and ``websocket.user``
read them (docs/authentication.md)."""

from __future__ import annotations

import pytest
import sanic

import portable_endpoints as pe
from tests.bearer_hooks import ROUTES, authenticate, walk

pytestmark = pytest.mark.anyio


async def bearer_user(request: sanic.Request) -> None:
    """Sanic request middleware: who is calling, from the ``Authorization`` header."""
    authenticate(request.transport.scope, request.headers.get("authorization", ""))


async def test_sanic_request_middleware_feeds_requires_and_the_user() -> None:
    app = pe.create_app(ROUTES, framework="sanic")
    app.on_request(bearer_user)
    await walk(app)
