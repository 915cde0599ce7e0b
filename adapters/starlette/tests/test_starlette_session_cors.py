"""Starlette's own SessionMiddleware and CORSMiddleware around portable routes."""

from __future__ import annotations

import pytest
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Counter(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        request.session["count"] = request.session.get("count", 0) + 1
        return JSONResponse({"count": request.session["count"]})


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")


async def test_request_session_is_starlettes_session() -> None:
    app = pe.create_app(
        [Route("/count", Counter)], framework="starlette", middleware=[Middleware(SessionMiddleware, secret_key="k")]
    )
    async with TestClient(app) as client:
        assert (await client.get("/count")).json() == {"count": 1}
        response = await client.get("/count")
        assert response.json() == {"count": 2}
        assert "session" in client.cookies


async def test_cors_middleware_answers_preflights_for_portable_routes() -> None:
    middleware = [Middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_methods=["GET", "POST"])]
    app = pe.create_app([Route("/page", Page)], framework="starlette", middleware=middleware)
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
