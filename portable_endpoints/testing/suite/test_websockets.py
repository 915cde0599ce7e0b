"""WebSocket sessions on every host: encodings, accept, close codes and reasons, rejection, errors."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from portable_endpoints import (
    PlainTextResponse,
    WebSocket,
    WebSocketDisconnect,
    WebSocketEndpoint,
    WebSocketException,
    WebSocketRoute,
)
from portable_endpoints.testing import WebSocketRejected
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Recorder:
    """Collects what an endpoint saw; ``wait()`` until on_disconnect has run."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.disconnected = anyio.Event()

    def disconnect(self, code: int) -> None:
        self.events.append(("disconnect", code))
        self.disconnected.set()

    async def wait(self) -> list[Any]:
        with anyio.fail_after(5):
            await self.disconnected.wait()
        await anyio.sleep(0.01)  # a second on_disconnect would land here
        return self.events


def echo_endpoint(recorder: Recorder, encoding: str | None) -> type[WebSocketEndpoint]:
    class Echo(WebSocketEndpoint):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            recorder.events.append(("receive", data))
            if isinstance(data, bytes):
                await websocket.send_bytes(b"echo " + data)
            elif isinstance(data, str):
                await websocket.send_text(f"Message text was: {data}")
            else:
                await websocket.send_json({"echo": data})

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    Echo.encoding = encoding  # type: ignore[assignment]
    return Echo


async def test_text_echo_seed_example(pe_host: Host) -> None:
    recorder = Recorder()
    async with pe_host.client([WebSocketRoute("/ws", echo_endpoint(recorder, "text"))]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hello")
            assert await ws.receive_text() == "Message text was: hello"
    assert await recorder.wait() == [("receive", "hello"), ("disconnect", 1000)]


async def test_bytes_encoding(pe_host: Host) -> None:
    recorder = Recorder()
    async with pe_host.client([WebSocketRoute("/ws", echo_endpoint(recorder, "bytes"))]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_bytes(b"\x00raw")
            assert await ws.receive_bytes() == b"echo \x00raw"
    assert await recorder.wait() == [("receive", b"\x00raw"), ("disconnect", 1000)]


@pytest.mark.parametrize("mode", ["text", "binary"])
async def test_json_encoding_from_text_and_binary_frames(pe_host: Host, mode: str) -> None:
    recorder = Recorder()
    async with pe_host.client([WebSocketRoute("/ws", echo_endpoint(recorder, "json"))]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_json({"hello": "world"}, mode=mode)
            assert await ws.receive_json() == {"echo": {"hello": "world"}}
    assert await recorder.wait() == [("receive", {"hello": "world"}), ("disconnect", 1000)]


async def test_no_encoding_passes_frames_through(pe_host: Host) -> None:
    recorder = Recorder()
    async with pe_host.client([WebSocketRoute("/ws", echo_endpoint(recorder, None))]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("t")
            assert await ws.receive_text() == "Message text was: t"
            await ws.send_bytes(b"b")
            assert await ws.receive_bytes() == b"echo b"
    assert await recorder.wait() == [("receive", "t"), ("receive", b"b"), ("disconnect", 1000)]


@pytest.mark.parametrize(
    ("encoding", "frame"),
    [("text", b"bytes frame"), ("bytes", "text frame"), ("json", "{malformed"), ("json", b"\xff\xfe")],
)
async def test_wrong_frame_type_closes_1003(pe_host: Host, encoding: str, frame: str | bytes) -> None:
    recorder = Recorder()
    routes = [WebSocketRoute("/ws", echo_endpoint(recorder, encoding))]
    async with pe_host.client(routes, raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_text(frame)
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1003
    # The endpoint raised RuntimeError, so on_disconnect sees 1011, exactly once (as on Starlette).
    assert await recorder.wait() == [("disconnect", 1011)]


@pytest.mark.parametrize("code", [1000, 1001, 4001])
async def test_on_disconnect_gets_the_clients_close_code(pe_host: Host, code: int) -> None:
    recorder = Recorder()
    async with pe_host.client([WebSocketRoute("/ws", echo_endpoint(recorder, "text"))]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("x")
            await ws.receive_text()
            await ws.close(code)
    assert await recorder.wait() == [("receive", "x"), ("disconnect", code)]


async def test_accept_with_subprotocol_and_headers(pe_host: Host) -> None:
    class Negotiate(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            chosen = "chat.v2" if "chat.v2" in websocket.subprotocols else None
            await websocket.accept(subprotocol=chosen, headers=[(b"x-server", b"portable")])
            await websocket.send_json({"asked": websocket.subprotocols})

    async with pe_host.client([WebSocketRoute("/ws", Negotiate)]) as client:
        async with client.websocket_connect("/ws", subprotocols=["chat.v1", "chat.v2"]) as ws:
            assert ws.accepted_subprotocol == "chat.v2"
            assert ws.accepted_headers["x-server"] == "portable"
            assert await ws.receive_json() == {"asked": ["chat.v1", "chat.v2"]}


async def test_server_close_code_and_reason_reach_the_client(pe_host: Host) -> None:
    recorder = Recorder()

    class Closer(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.close(code=4000 + int(data), reason=f"bye {data}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    async with pe_host.client([WebSocketRoute("/ws", Closer)]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("7")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert (closed.value.code, closed.value.reason) == (4007, "bye 7")
    assert await recorder.wait() == [("disconnect", 4007)]


async def test_close_before_accept_rejects_the_handshake(pe_host: Host) -> None:
    recorder = Recorder()

    class Refuse(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.close(code=1008)

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    async with pe_host.client([WebSocketRoute("/ws", Refuse)]) as client:
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/ws"):
                pass
        assert rejected.value.status_code == 403
    assert await recorder.wait() == [("disconnect", 1008)]


async def test_endpoint_error_closes_1011_once(pe_host: Host) -> None:
    recorder = Recorder()

    class Crash(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            raise ValueError("endpoint bug")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    async with pe_host.client([WebSocketRoute("/ws", Crash)], raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("go")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1011
    assert await recorder.wait() == [("disconnect", 1011)]


async def test_websocket_exception_closes_with_its_code(pe_host: Host) -> None:
    recorder = Recorder()

    class Policy(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            raise WebSocketException(4403, "forbidden topic")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    async with pe_host.client([WebSocketRoute("/ws", Policy)]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("go")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert (closed.value.code, closed.value.reason) == (4403, "forbidden topic")
    assert await recorder.wait() == [("disconnect", 4403)]


async def test_connection_metadata_and_raw_api(pe_host: Host) -> None:
    recorder = Recorder()

    async def session(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "room": websocket.path_params["room"],
                "token": websocket.query_params["token"],
                "header": websocket.headers["x-client"],
                "url": str(websocket.url),
                "url_for": str(websocket.url_for("room", room=7)),
            }
        )
        # Recorded here, asserted in the test: a host may swallow an AssertionError raised in the app.
        recorder.events.append(("texts", [text async for text in websocket.iter_text()]))
        recorder.disconnected.set()

    async with pe_host.client([WebSocketRoute("/rooms/{room:int}", session, name="room")]) as client:
        async with client.websocket_connect("/rooms/3?token=t", headers={"x-client": "c"}) as ws:
            assert await ws.receive_json() == {
                "room": 3,
                "token": "t",
                "header": "c",
                "url": "ws://testserver/rooms/3?token=t",
                "url_for": "ws://testserver/rooms/7",
            }
            await ws.send_text("a")
            await ws.send_text("b")
    assert await recorder.wait() == [("texts", ["a", "b"])]


async def test_receive_text_on_a_binary_frame_closes_1003(pe_host: Host) -> None:
    async def session(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()

    async with pe_host.client([WebSocketRoute("/ws", session)], raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_bytes(b"not text")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1003


async def test_allowed_origins_reject_cross_site_handshakes(pe_host: Host) -> None:
    class SameSite(WebSocketEndpoint):
        allowed_origins = ("http://testserver",)

    async with pe_host.client([WebSocketRoute("/ws", SameSite)]) as client:
        async with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
            assert ws.accepted_subprotocol is None
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}):
                pass
        assert rejected.value.status_code == 403


async def test_denial_response_is_a_declared_capability(pe_host: Host) -> None:
    errors: list[str] = []

    async def session(websocket: WebSocket) -> None:
        try:
            await websocket.send_denial_response(PlainTextResponse("members only", status_code=401))
        except RuntimeError as exc:
            errors.append(str(exc))
            await websocket.close()

    async with pe_host.client([WebSocketRoute("/ws", session)]) as client:
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/ws"):
                pass
    if pe_host.supports("websocket.denial_response"):
        assert (rejected.value.status_code, rejected.value.content) == (401, b"members only")
        assert errors == []
    else:
        # The clear error, then the endpoint's own refusal: nothing of the denial reached the client.
        assert errors == ["The server doesn't support the WebSocket Denial Response extension."]
        assert (rejected.value.status_code, rejected.value.content) == (403, b"")


async def test_oversized_messages_close_1009_and_the_endpoint_never_sees_them(pe_host: Host) -> None:
    recorder = Recorder()

    class Small(WebSocketEndpoint):
        encoding = "text"
        max_message_size = 8

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            recorder.events.append(("receive", data))
            await websocket.send_text(data)

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            recorder.disconnect(close_code)

    async with pe_host.client([WebSocketRoute("/ws", Small)]) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("12345678")
            assert await ws.receive_text() == "12345678"
            await ws.send_text("123456789")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1009
    assert await recorder.wait() == [("receive", "12345678"), ("disconnect", 1009)]
