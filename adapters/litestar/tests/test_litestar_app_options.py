"""Litestar's own middleware, lifespan and exception handlers beside create_app's portable ones.

The rule: a ``Middleware(cls, ...)`` declaration is portable (around the whole app, before
Litestar routes); any other ``middleware=`` entry (``DefineMiddleware``, a middleware class) is
Litestar's own, untouched (after routing); ``lifespan=`` a list is Litestar's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.middleware import DefineMiddleware

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, PlainTextResponse, Request, Route
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


class Stamp:
    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app = app
        self.value = value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-stamp", self.value.encode())]}
            await send(message)

        await self.app(scope, receive, stamped if scope["type"] == "http" else send)


class Hello(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")


async def test_portable_and_litestar_middleware_side_by_side() -> None:
    app = pe.create_app(
        [Route("/", Hello)],
        framework="litestar",
        middleware=[
            Middleware(Stamp, "portable"),
            DefineMiddleware(Stamp, value="litestar"),  # type: ignore[arg-type]
        ],
    )
    assert type(app).__name__ == "Litestar"  # the host's own app object
    async with TestClient(app) as client:
        found = await client.get("/")
        missing = await client.get("/nowhere")
    assert found.headers.getlist("x-stamp") == ["litestar", "portable"]
    # Litestar's own middleware runs after routing: not for a path no route matches.
    assert missing.headers.getlist("x-stamp") == ["portable"]


async def test_litestar_lifespan_list_beside_nothing_portable() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def own(app: Litestar) -> AsyncIterator[None]:
        events.append("litestar up")
        yield
        events.append("litestar down")

    app = pe.create_app([Route("/", Hello)], framework="litestar", lifespan=[own])
    async with TestClient(app):
        assert events == ["litestar up"]
    assert events == ["litestar up", "litestar down"]


async def test_portable_lifespan_beside_litestar_on_startup_hooks() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def portable(app: Any) -> AsyncIterator[dict[str, str]]:
        events.append("portable up")
        yield {"db": "connected"}
        events.append("portable down")

    class State(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(request.state.db)

    app = pe.create_app(
        [Route("/", State)],
        framework="litestar",
        lifespan=portable,
        on_startup=[lambda: events.append("litestar startup")],
        on_shutdown=[lambda: events.append("litestar shutdown")],
    )
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "connected"
    # One of Litestar's lifespan managers: after its own managers, before its on_startup hooks.
    assert events == ["portable up", "litestar startup", "portable down", "litestar shutdown"]
