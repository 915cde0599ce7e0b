"""WebSocket on Quart, made Starlette's: each test fails without the adapter's normalisation it names.

``drive`` plays the server by hand, so a test sees every ASGI message the app sends, including
any Quart would add of its own, and can pick the ``spec_version`` the app is told.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import anyio
import pytest
import quart
from quart.signals import got_websocket_exception, websocket_received, websocket_sent

import portable_endpoints as pe
from portable_endpoints import WebSocket, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.types import Message

pytestmark = pytest.mark.anyio


def scope(path: str = "/ws", spec_version: str | None = "2.4") -> dict[str, Any]:
    return {
        "type": "websocket",
        **({"asgi": {"version": "3.0", "spec_version": spec_version}} if spec_version else {}),
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ["testclient", 50000],
        "server": ["testserver", 80],
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
    }


async def drive(
    app: Any, inbound: Sequence[Message], *, spec_version: str | None = "2.4", path: str = "/ws"
) -> list[Message]:
    """Run one connection: ``inbound`` after the connect message, then wait for the app to end."""
    sent: list[Message] = []
    to_app, app_in = anyio.create_memory_object_stream[Message](math.inf)
    for message in [{"type": "websocket.connect"}, *inbound]:
        to_app.send_nowait(message)

    async def send(message: Message) -> None:
        sent.append(dict(message))

    with anyio.fail_after(5):
        await app(scope(path, spec_version), app_in.receive, send)
    to_app.close()
    app_in.close()
    return sent


class Recorder(WebSocketEndpoint):
    encoding = None
    events: list[Any]

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        self.events.append(("receive", data))
        if data == "slow":
            await anyio.sleep(0.1)
            self.events.append(("slow done",))
        elif data == "close":
            await websocket.close(4000, "server-bye")
        elif data == "raise":
            raise ValueError("endpoint bug")

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        self.events.append(("disconnect", close_code))


def recorder() -> tuple[quart.Quart, list[Any]]:
    events: list[Any] = []
    endpoint = type("Rec", (Recorder,), {"events": events})
    return pe.create_app([WebSocketRoute("/ws", endpoint)], framework="quart"), events


@pytest.mark.parametrize("spec_version", ["2.1", "2.0", None])
async def test_close_reason_and_accept_headers_reach_servers_below_spec_2_3(spec_version: str | None) -> None:
    # Quart drops a close reason below spec 2.3, and accept headers (with a warning) at 2.0.
    class Greeting(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.accept(headers=[(b"x-server", b"portable")])
            await websocket.close(4001, "see you")

    app = pe.create_app([WebSocketRoute("/ws", Greeting)], framework="quart")
    sent = await drive(app, [{"type": "websocket.disconnect", "code": 4001}], spec_version=spec_version)
    assert sent == [
        {"type": "websocket.accept", "subprotocol": None, "headers": [(b"x-server", b"portable")]},
        {"type": "websocket.close", "code": 4001, "reason": "see you"},
    ]


async def test_the_clients_close_code_reaches_on_disconnect_after_a_slow_receive() -> None:
    # Quart cancels its handler when the client closes, and discards the close code.
    app, events = recorder()
    sent = await drive(
        app,
        [
            {"type": "websocket.receive", "text": "slow"},
            {"type": "websocket.disconnect", "code": 4002, "reason": "bye"},
        ],
    )
    assert events == [("receive", "slow"), ("slow done",), ("disconnect", 4002)]
    assert sent == [{"type": "websocket.accept", "subprotocol": None, "headers": []}]


async def test_empty_frames_keep_their_type() -> None:
    # Quart reads a frame as `bytes or text`: an empty binary frame becomes text (or crashes it).
    app, events = recorder()
    await drive(
        app,
        [
            {"type": "websocket.receive", "bytes": b""},
            {"type": "websocket.receive", "text": ""},
            {"type": "websocket.receive", "bytes": b"", "text": None},
            {"type": "websocket.disconnect", "code": 1000},
        ],
    )
    assert events == [("receive", b""), ("receive", ""), ("receive", b""), ("disconnect", 1000)]


async def test_an_endpoint_closing_ends_the_call_without_waiting_for_the_client() -> None:
    # Quart keeps reading until the client's disconnect; this client never sends one.
    app, events = recorder()
    sent = await drive(app, [{"type": "websocket.receive", "text": "close"}])
    assert sent[-1] == {"type": "websocket.close", "code": 4000, "reason": "server-bye"}
    assert events == [("receive", "close"), ("disconnect", 4000)]


async def test_an_endpoint_error_closes_1011_once_and_reaches_quart() -> None:
    # Quart would answer the failed handler with its own close 1000 (or a 500 page).
    app, events = recorder()
    errors: list[Exception] = []

    async def record(sender: Any, exception: Exception, **extra: Any) -> None:
        errors.append(exception)

    got_websocket_exception.connect(record, app)
    sent = await drive(app, [{"type": "websocket.receive", "text": "raise"}])
    assert sent[1:] == [{"type": "websocket.close", "code": 1011, "reason": ""}]
    assert events == [("receive", "raise"), ("disconnect", 1011)]
    assert [type(error) for error in errors] == [ValueError]


async def test_a_failing_on_connect_is_refused_once() -> None:
    # Quart would answer again with its 500 page after the endpoint's refusal.
    class Broken(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            raise RuntimeError("cannot connect")

    app = pe.create_app([WebSocketRoute("/ws", Broken)], framework="quart")
    assert await drive(app, []) == [{"type": "websocket.close", "code": 1011, "reason": ""}]


async def test_close_before_accept_is_the_only_answer() -> None:
    # Quart accepts implicitly on the first send or receive; nothing must accept here.
    class Refuse(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.close(1008, "no")

    app = pe.create_app([WebSocketRoute("/ws", Refuse)], framework="quart")
    assert await drive(app, []) == [{"type": "websocket.close", "code": 1008, "reason": "no"}]


async def test_denial_response_goes_out_as_the_endpoint_sends_it() -> None:
    class Deny(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            response = pe.PlainTextResponse("members only", status_code=401, headers={"x-why": "café"})
            await websocket.send_denial_response(response)

    app = pe.create_app([WebSocketRoute("/ws", Deny)], framework="quart")
    sent = await drive(app, [])
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 401
    assert (b"x-why", b"caf\xe9") in sent[0]["headers"]
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b"members only"


async def test_a_path_starlette_would_not_match_gets_quarts_404_and_the_call_ends() -> None:
    # Werkzeug matches "//ws" as "/ws". Quart's 404 answers the handshake; with its reader still
    # waiting for a message from a client that got a 404, the call would not end.
    app, events = recorder()
    sent = await drive(app, [], path="//ws")
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 404
    assert events == []


async def test_quarts_frame_signals_fire_for_portable_endpoints() -> None:
    # Quart fires them from its own reader and send; the endpoint uses neither.
    frames: list[Any] = []

    async def received(data: Any) -> None:
        frames.append(("received", data))

    async def sent(data: Any) -> None:
        frames.append(("sent", data))

    class Echo(WebSocketEndpoint):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"echo {data}")

    app = pe.create_app([WebSocketRoute("/ws", Echo)], framework="quart")
    with websocket_received.connected_to(received), websocket_sent.connected_to(sent):
        await drive(app, [{"type": "websocket.receive", "text": "hi"}, {"type": "websocket.disconnect", "code": 1000}])
    assert frames == [("received", "hi"), ("sent", "echo hi")]
