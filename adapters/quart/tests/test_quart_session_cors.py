"""Quart's own session and quart-cors with portable routes."""

from __future__ import annotations

import pytest
import quart
from quart_cors import cors

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Counter(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        request.session["count"] = request.session.get("count", 0) + 1
        return JSONResponse(
            {"count": request.session["count"], "same": request.session is quart.session._get_current_object()}
        )


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")


async def test_request_session_is_quarts_session() -> None:
    app = pe.create_app([Route("/count", Counter)], framework="quart")
    app.secret_key = "k"
    async with TestClient(app) as client:
        assert (await client.get("/count")).json() == {"count": 1, "same": True}
        assert (await client.get("/count")).json()["count"] == 2
        assert "session" in client.cookies


async def test_quart_cors_answers_preflights_for_portable_routes() -> None:
    app = cors(pe.create_app([Route("/page", Page)], framework="quart"), allow_origin="https://example.org")
    async with TestClient(app) as client:
        preflight = await client.options(
            "/page", headers={"origin": "https://example.org", "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://example.org"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        response = await client.get("/page", headers={"origin": "https://example.org"})
        assert response.text == "page"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        # Not a preflight: OPTIONS stays the core's 405 with Starlette's Allow.
        plain = await client.options("/page")
        assert plain.status_code == 405
        assert plain.headers["allow"] == "GET, HEAD"
