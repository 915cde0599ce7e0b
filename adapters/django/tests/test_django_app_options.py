"""Django's own middleware (``MIDDLEWARE``) and error handlers (``handler404``...) beside
create_app's portable ``middleware=``, ``lifespan=`` and ``exception_handlers=``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pe_django_middleware import not_found
from portable_endpoints_django._app import PortableDjangoApp

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, HTTPException, PlainTextResponse, Request, Route
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

STAMP = "pe_django_middleware.Stamp"


class Outer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-portable", b"yes")]}
            await send(message)

        await self.app(scope, receive, stamped if scope["type"] == "http" else send)


class Teapot(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        if request.query_params.get("kind") == "missing":
            raise HTTPException(404, "no such thing")
        raise HTTPException(418, "short")


async def teapot(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("portable teapot", status_code=418)


async def test_portable_middleware_around_djangos_own_and_its_handler404() -> None:
    app = pe.create_app(
        [Route("/", Teapot)],
        framework="django",
        middleware=[Middleware(Outer)],
        MIDDLEWARE=[STAMP],
        handler404=not_found,
        exception_handlers={418: teapot},
    )
    assert isinstance(app, PortableDjangoApp)
    async with TestClient(app) as client:
        handled = await client.get("/")
        missing = await client.get("/?kind=missing")
        nowhere = await client.get("/nowhere")
    assert (handled.status_code, handled.text) == (418, "portable teapot")
    # Django's middleware runs inside the portable middleware, around the view.
    assert (handled.headers["x-portable"], handled.headers["x-middleware"]) == ("yes", "stamped")
    # No portable 404 handler: the app's own handler404 answers, for an endpoint and a path no route matches.
    assert (missing.status_code, missing.text) == (404, "custom 404: no such thing")
    assert (nowhere.status_code, nowhere.text.startswith("custom 404")) == (404, True)
    assert nowhere.headers["x-portable"] == "yes"


async def test_lifespan_on_django_which_speaks_none() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"db": "connected"}
        events.append("shutdown")

    class Reads(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"{request.state.db} {request.app.state.name}")

    app = pe.create_app([Route("/", Reads)], framework="django", lifespan=lifespan)
    app.state.name = "app"
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "connected app"
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]
