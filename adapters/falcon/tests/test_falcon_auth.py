"""Falcon has no authentication of its own: the idiomatic place is a Falcon middleware, whose
``process_request`` (and ``process_request_ws``) sets ``req.scope["user"]`` / ``["auth"]``, which
the portable ``requires``, ``request.user`` and ``websocket.user`` read (docs/authentication.md)."""

from __future__ import annotations

import falcon.asgi
import pytest

import portable_endpoints as pe
from tests.bearer_hooks import ROUTES, authenticate, walk

pytestmark = pytest.mark.anyio


class BearerUser:
    """Falcon middleware: who is calling, from the ``Authorization`` header."""

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        authenticate(req.scope, req.get_header("Authorization") or "")

    async def process_request_ws(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
        authenticate(req.scope, req.get_header("Authorization") or "")


async def test_a_falcon_middleware_feeds_requires_and_the_user() -> None:
    app = pe.create_app(ROUTES, framework="falcon")
    app.add_middleware(BearerUser())
    await walk(app)
