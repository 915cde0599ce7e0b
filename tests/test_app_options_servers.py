"""create_app's lifespan under a real server (uvicorn), on every host: startup before the first
request, its state in that request, shutdown when the server stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route
from portable_endpoints.testing.plugin import Host

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
