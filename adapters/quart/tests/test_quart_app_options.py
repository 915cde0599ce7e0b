"""Quart's own error handlers and ``g`` beside create_app's portable app options."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import quart

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


async def test_quarts_own_error_handlers_answer_what_the_portable_ones_do_not() -> None:
    app = pe.create_app([Route("/", Raises)], framework="quart", exception_handlers={Teapot: portable_handler})

    async def quart_handler(exc: Exception) -> Any:
        return "quart handled", 299

    async def quart_not_found(exc: Exception) -> Any:
        return "quart not found", 404

    app.register_error_handler(ValueError, quart_handler)
    app.register_error_handler(404, quart_not_found)

    async with TestClient(app) as client:
        teapot = await client.get("/?kind=teapot")
        value = await client.get("/")
        missing = await client.get("/nowhere")
    assert (teapot.status_code, teapot.text) == (418, "portable handled")
    assert (value.status_code, value.text) == (299, "quart handled")
    # No portable 404 handler: Quart's own answers paths no route matches.
    assert (missing.status_code, missing.text) == (404, "quart not found")


async def test_lifespan_state_seeds_quarts_g_and_the_app_has_a_state() -> None:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        yield {"db": "connected"}

    class Reads(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            state = request.state.db
            return PlainTextResponse(f"{state} {quart.g.db} {request.app.state.name}")

    app = pe.create_app([Route("/", Reads)], framework="quart", lifespan=lifespan)
    assert type(app).__name__ == "Quart"  # the host's own app object
    app.state.name = "app"
    async with TestClient(app) as client:
        response = await client.get("/")
    # request.state is Quart's g, holding the lifespan state from its first use on.
    assert response.text == "connected connected app"


async def test_handlers_keyed_by_werkzeugs_exceptions_are_quarts_own() -> None:
    from werkzeug.exceptions import NotFound

    async def quart_not_found(error: Exception) -> Any:
        return f"quart {type(error).__name__}", 404

    app = pe.create_app([Route("/", Raises)], framework="quart", exception_handlers={NotFound: quart_not_found})
    async with TestClient(app) as client:
        missing = await client.get("/nowhere")
    assert (missing.status_code, missing.text) == (404, "quart NotFound")
