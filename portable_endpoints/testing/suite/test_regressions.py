"""Differences the hostile-ASGI harness and the differential fuzz found, each pinned on every host.

Each test names what was wrong; docs/reliability.md lists them with their fixes.
"""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import WebSocket, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.testing._raw import ClientScript, drive_websocket, websocket_scope
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Recorded(WebSocketEndpoint):
    events: list[Any] = []

    async def on_connect(self, websocket: WebSocket) -> None:
        self.events.append(("connect", websocket.path_params))
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(str(data))

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        self.events.append(("disconnect", close_code))


@pytest.mark.parametrize("spec_version", ["2.0", "2.4"])
async def test_regression_a_websocket_scope_with_a_method_is_served_as_a_websocket(
    pe_host: Host, spec_version: str
) -> None:
    """Litestar routed ``{"type": "websocket", "method": "GET"}`` by its method: a 404 (close 4500)."""
    Recorded.events = []
    app = pe_host.app([WebSocketRoute("/ws/{room}", Recorded)])
    scope = websocket_scope("/ws/lobby", spec_version=spec_version, extra={"method": "GET"})
    script = ClientScript(messages=[{"type": "websocket.receive", "text": "hi"}])
    outcome = await drive_websocket(app, scope, script)
    assert outcome.error is None
    assert outcome.accepted
    assert outcome.texts == ["hi"]
    assert Recorded.events == [("connect", {"room": "lobby"}), ("disconnect", 1000)]


async def test_regression_a_client_gone_before_accept_is_a_1006_disconnect_not_an_error(pe_host: Host) -> None:
    """A spec-2.4 server's ``send`` raises ``OSError`` once the client has gone: the accept did.

    The session re-raised it as the endpoint's error, with ``on_disconnect(1011)``; it is the
    client leaving: ``on_disconnect(1006)``, nothing escapes.
    """
    Recorded.events = []
    app = pe_host.app([WebSocketRoute("/ws/{room}", Recorded)])
    script = ClientScript(gone_at=-1, send_raises=True, goodbye={"type": "websocket.disconnect", "code": 1001})
    outcome = await drive_websocket(app, websocket_scope("/ws/lobby"), script)
    assert outcome.error is None
    assert outcome.leaked_tasks == []
    assert Recorded.events == [("connect", {"room": "lobby"}), ("disconnect", 1006)]


async def test_regression_a_client_gone_mid_session_ends_with_its_close_code(pe_host: Host) -> None:
    """Sends dropped silently after the client left (hypercorn's way): the disconnect's code still arrives."""
    Recorded.events = []
    app = pe_host.app([WebSocketRoute("/ws/{room}", Recorded)])
    script = ClientScript(
        messages=[{"type": "websocket.receive", "text": "a", "bytes": None}],
        gone_at=1,
        goodbye={"type": "websocket.disconnect", "code": None},
    )
    outcome = await drive_websocket(app, websocket_scope("/ws/lobby"), script)
    assert outcome.error is None
    assert outcome.texts == ["a"]
    assert Recorded.events == [("connect", {"room": "lobby"}), ("disconnect", 1000)]


async def test_regression_a_slash_redirect_carries_no_content_type(pe_host: Host) -> None:
    """Django's 307 to the slash-toggled twin said ``Content-Type: text/html``, and then no
    ``Content-Length: 0``, and its ``Location`` unquoted; Starlette's sends those two headers only."""
    from portable_endpoints import PlainTextResponse, Request, Route

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")

    async with pe_host.client([Route("/slash/a b/", page)]) as client:
        for method in ("GET", "HEAD", "POST"):
            response = await client.request(method, "/slash/a b?q=1")
            assert response.status_code == 307
            assert sorted(response.headers.items()) == [
                ("content-length", "0"),
                ("location", "http://testserver/slash/a%20b/?q=1"),
            ], method
            assert response.content == b""
