"""``request.session`` on every host: the host's session, or a clear error naming what to install.

The host-specific setups (Starlette's SessionMiddleware, Quart's secret key, Litestar's session
middleware, and each host's CORS) are tested in each adapter's own tests.
"""

from __future__ import annotations

import pytest

from portable_endpoints import PlainTextResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


async def test_request_session_without_a_session_names_what_to_install(pe_host: Host) -> None:
    async def counter(request: Request) -> PlainTextResponse:
        try:
            request.session["count"] = 1
        except AssertionError as exc:  # as Starlette's: an AssertionError
            return PlainTextResponse(str(exc), status_code=500)
        return PlainTextResponse("a session")

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            websocket.session.get("count")
        except AssertionError as exc:
            await websocket.send_text(str(exc))
        await websocket.close()

    async with pe_host.client([Route("/", counter), WebSocketRoute("/ws", socket)]) as client:
        response = await client.get("/")
        assert response.status_code == 500
        # The message names what to install for a session on this host.
        assert "session" in response.text.lower()
        assert any(word in response.text for word in ("install", "MIDDLEWARE", "secret_key"))
        async with client.websocket_connect("/ws") as session:
            assert "session" in (await session.receive_text()).lower()
