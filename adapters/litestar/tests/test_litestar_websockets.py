"""Litestar-only WebSocket facts: the app's socket class, and who closes after an endpoint error."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from litestar import WebSocket as LitestarWebSocket

import portable_endpoints as pe
from portable_endpoints import WebSocket, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


async def test_the_native_socket_is_the_apps_own_websocket_class() -> None:
    class AppSocket(LitestarWebSocket[Any, Any, Any]):
        pass

    seen: list[Any] = []

    async def session(websocket: WebSocket) -> None:
        seen.append(websocket.native)
        await websocket.accept()
        await websocket.native.send_text("sent natively")  # the native socket follows the session
        await websocket.close()

    app = pe.create_app([WebSocketRoute("/ws", session)], framework="litestar", websocket_class=AppSocket)
    async with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        assert await ws.receive_text() == "sent natively"
    assert isinstance(seen[0], AppSocket)


async def run_session(app: Any, *frames: dict[str, Any]) -> tuple[list[dict[str, Any]], BaseException | None]:
    """Every message the app sends for one connection, and what it raised to the server."""
    incoming = [{"type": "websocket.connect"}, *frames]
    sent: list[dict[str, Any]] = []
    closed = anyio.Event()

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await closed.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            closed.set()

    scope: dict[str, Any] = {"type": "websocket", "path": "/ws", "raw_path": b"/ws", "root_path": ""}
    scope |= {"query_string": b"", "headers": [], "scheme": "ws", "asgi": {"version": "3.0"}, "subprotocols": []}
    try:
        with anyio.fail_after(5):
            await app(scope, receive, send)
    except Exception as exc:
        return sent, exc
    return sent, None


async def test_after_the_endpoint_closed_litestar_sends_no_second_close() -> None:
    class Text(WebSocketEndpoint):
        encoding = "text"

    app = pe.create_app([WebSocketRoute("/ws", Text)], framework="litestar")
    sent, raised = await run_session(app, {"type": "websocket.receive", "bytes": b"not text"})
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 1003
    # The endpoint's error goes on to the server, as on every host (here wrapped by Litestar).
    assert isinstance(raised, Exception)
    assert isinstance(raised.__cause__, RuntimeError)


async def test_an_error_while_open_is_closed_1011_by_litestar_after_its_hooks() -> None:
    errors: list[Exception] = []

    async def record(exc: Exception, scope: Any) -> None:
        errors.append(exc)

    async def session(websocket: WebSocket) -> None:
        await websocket.accept()
        raise ValueError("endpoint bug")

    app = pe.create_app([WebSocketRoute("/ws", session)], framework="litestar", after_exception=[record])
    sent, raised = await run_session(app)
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 1011
    assert raised is None
    assert isinstance(errors[0].__cause__, ValueError)
