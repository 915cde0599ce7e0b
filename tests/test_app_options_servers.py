"""create_app's options under a real server (uvicorn), on every host: the lifespan (startup before
the first request, its state in that request, shutdown when the server stops), and a server error
answered by the ``500`` handler before it reaches the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.gzip import GZipMiddleware
from portable_endpoints.testing.plugin import Host
from portable_endpoints.types import Receive, Scope, Send

from .servers import running


class Events(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({"events": list(request.state.events), "db": request.state.db})


def test_lifespan_under_uvicorn(pe_host: Host) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"events": events, "db": "connected"}
        events.append("shutdown")

    app = pe_host.app([Route("/", Events)], lifespan=lifespan)
    with running(app, "uvicorn") as address:
        response = httpx.get(f"http://{address}/")
        assert events == ["startup"]
    assert response.json() == {"events": ["startup"], "db": "connected"}
    assert events == ["startup", "shutdown"]


class Fails(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        raise ValueError("bad value")


def test_a_server_error_is_answered_then_reaches_the_server_under_uvicorn(pe_host: Host) -> None:
    """Starlette's ``ServerErrorMiddleware`` order under a real server: the client gets the ``500``
    handler's answer, then the exception reaches the server (uvicorn logs it), which keeps serving."""

    async def server_error(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse(f"server error: {exc}", status_code=500)

    app = pe_host.app(
        [Route("/", Events), Route("/fails", Fails)],
        middleware=[Middleware(GZipMiddleware)],
        exception_handlers={500: server_error},
    )
    reached_the_server: list[BaseException] = []

    async def server_side(scope: Scope, receive: Receive, send: Send) -> None:
        # What uvicorn calls: the app's exception, had it escaped, is recorded here, then re-raised.
        try:
            await app(scope, receive, send)
        except Exception as exc:
            reached_the_server.append(exc)
            raise

    with running(server_side, "uvicorn") as address:
        failed = httpx.get(f"http://{address}/fails")
        again = httpx.get(f"http://{address}/fails")
    assert (failed.status_code, failed.text) == (500, "server error: bad value")
    assert again.status_code == 500
    assert [repr(exc) for exc in reached_the_server] == ["ValueError('bad value')"] * 2
