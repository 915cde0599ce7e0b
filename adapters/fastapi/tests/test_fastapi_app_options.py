"""FastAPI's own exception handlers (keyed by its exception classes) beside create_app's portable ones."""

from __future__ import annotations

import fastapi
import pytest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse as FastAPIPlainTextResponse

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Teapot(Exception):
    pass


class Raises(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise Teapot("short")


async def portable_handler(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"portable {isinstance(request, Request)}", status_code=418)


async def fastapi_handler(request: fastapi.Request, exc: Exception) -> FastAPIPlainTextResponse:
    return FastAPIPlainTextResponse(f"fastapi {isinstance(request, fastapi.Request)}", status_code=422)


async def test_handlers_keyed_by_fastapis_exceptions_stay_fastapis() -> None:
    app = pe.create_app(
        [Route("/teapot", Raises)],
        framework="fastapi",
        exception_handlers={Teapot: portable_handler, RequestValidationError: fastapi_handler},
    )
    assert isinstance(app, fastapi.FastAPI)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    async with TestClient(app) as client:
        portable = await client.get("/teapot")
        native = await client.get("/items/abc")
    assert (portable.status_code, portable.text) == (418, "portable True")
    assert (native.status_code, native.text) == (422, "fastapi True")
