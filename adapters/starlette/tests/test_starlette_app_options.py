"""Starlette's own exception handlers and middleware beside create_app's portable app options."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware as StarletteMiddleware
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse as StarlettePlainTextResponse

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Teapot(Exception):
    pass


class Raises(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        if request.query_params.get("kind") == "teapot":
            raise Teapot("short")
        raise ValueError("bad")


async def portable_handler(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("portable handled", status_code=418)


async def starlette_handler(request: StarletteRequest, exc: Exception) -> StarlettePlainTextResponse:
    return StarlettePlainTextResponse("starlette handled", status_code=299)


class Stamp:
    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        scope.setdefault("stamps", []).append("starlette")
        await self.app(scope, receive, send)  # type: ignore[operator]


async def test_starlettes_own_handlers_answer_what_the_portable_ones_do_not() -> None:
    app = pe.create_app([Route("/", Raises)], framework="starlette", exception_handlers={Teapot: portable_handler})
    assert isinstance(app, Starlette)
    app.add_exception_handler(ValueError, starlette_handler)
    async with TestClient(app) as client:
        teapot = await client.get("/?kind=teapot")
        value = await client.get("/")
    assert (teapot.status_code, teapot.text) == (418, "portable handled")
    assert (value.status_code, value.text) == (299, "starlette handled")


async def test_starlettes_middleware_declarations_keep_starlettes_stack() -> None:
    app = pe.create_app([Route("/", Raises)], framework="starlette", middleware=[StarletteMiddleware(Stamp)])
    # The portable stack is the innermost of the app's user middleware: inside ServerErrorMiddleware.
    assert len(app.user_middleware) == 1
    app.add_middleware(Stamp)  # Starlette's own way still works, outermost
    assert len(app.user_middleware) == 2


async def test_routes_mounted_on_a_starlette_app_see_its_own_lifespan_state() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        yield {"db": "connected"}

    class Reads(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"{request.state.db} {request.app.state.greeting}")

    app = Starlette(lifespan=lifespan)
    app.state.greeting = "hi"
    pe.mount(app, [Route("/", Reads)])
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "connected hi"
