"""Starlette's router across the tables of one app: ``create_app``, then each ``pe.mount``.

A host whose own router prefers a literal path to a parameter must still let the route declared
first win, and a method mismatch in one table still falls through to a full match in another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import portable_endpoints as pe
from portable_endpoints import PlainTextResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


def answer(text: str) -> Callable[[Request], Awaitable[PlainTextResponse]]:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(text)

    endpoint.__name__ = text
    return endpoint


def session(text: str) -> Callable[[WebSocket], Awaitable[None]]:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(text)
        await websocket.close()

    endpoint.__name__ = text
    return endpoint


async def test_a_route_declared_before_a_mount_wins_over_a_literal_path_mounted_later(pe_host: Host) -> None:
    app = pe_host.app([Route("/things/{name}", answer("first"))])
    pe.mount(app, [Route("/things/special", answer("mounted")), Route("/other", answer("other"))])
    async with TestClient(app) as client:
        assert (await client.get("/things/special")).text == "first"
        assert (await client.get("/things/plain")).text == "first"
        assert (await client.get("/other")).text == "other"


async def test_a_method_mismatch_falls_through_to_a_full_match_of_a_later_mount(pe_host: Host) -> None:
    app = pe_host.app([Route("/things/special", answer("get-special"), methods=["GET"])])
    pe.mount(app, [Route("/things/{name}", answer("post-any"), methods=["POST"])])
    async with TestClient(app) as client:
        assert (await client.get("/things/special")).text == "get-special"
        assert (await client.post("/things/special")).text == "post-any"
        refused = await client.get("/things/other")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"


async def test_websocket_routes_declared_first_win_across_mounts(pe_host: Host) -> None:
    app = pe_host.app([WebSocketRoute("/ws/{room}", session("first"))])
    pe.mount(app, [WebSocketRoute("/ws/lobby", session("mounted"))])
    async with TestClient(app) as client, client.websocket_connect("/ws/lobby") as ws:
        assert await ws.receive_text() == "first"
