"""Litestar's own session middleware and CORSConfig with portable routes."""

from __future__ import annotations

import pytest
from litestar.config.cors import CORSConfig
from litestar.middleware.session.server_side import ServerSideSessionConfig

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Counter(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        request.session["count"] = request.session.get("count", 0) + 1
        return JSONResponse({"count": request.session["count"], "same": request.session is request.native.session})


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")


async def test_request_session_is_litestars_session() -> None:
    session = ServerSideSessionConfig()
    app = pe.create_app([Route("/count", Counter)], framework="litestar", middleware=[session.middleware])
    async with TestClient(app) as client:
        assert (await client.get("/count")).json() == {"count": 1, "same": True}
        assert (await client.get("/count")).json() == {"count": 2, "same": True}
        assert "session" in client.cookies


async def test_cors_config_answers_preflights_for_portable_routes() -> None:
    config = CORSConfig(allow_origins=["https://example.org"], allow_methods=["GET", "POST"])
    app = pe.create_app([Route("/page", Page)], framework="litestar", cors_config=config)
    async with TestClient(app) as client:
        preflight = await client.options(
            "/page", headers={"origin": "https://example.org", "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://example.org"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        response = await client.get("/page", headers={"origin": "https://example.org"})
        assert response.text == "page"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
