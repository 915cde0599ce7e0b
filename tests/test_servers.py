"""The chat demo and the suite's key cases under real servers, with real HTTP and WebSocket clients."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from examples.chat import routes as chat_routes
from portable_endpoints import (
    BackgroundTask,
    HTTPEndpoint,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing.plugin import Host

from .servers import SERVERS, running


class Seen:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.disconnected = threading.Event()


SEEN = Seen()


class Chat(WebSocketEndpoint):
    encoding = None

    async def on_connect(self, websocket: WebSocket) -> None:
        if websocket.query_params.get("refuse"):
            await websocket.close(1008)
            return
        chosen = "chat.v2" if "chat.v2" in websocket.subprotocols else None
        await websocket.accept(subprotocol=chosen, headers=[(b"x-server", b"portable")])

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        if data == "close-me":
            await websocket.close(code=4321, reason="closed by the endpoint")
        elif isinstance(data, bytes):
            await websocket.send_bytes(data[::-1])
        else:
            await websocket.send_text(f"text:{data}")

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        SEEN.events.append(("disconnect", close_code))
        SEEN.disconnected.set()


class Typed(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        number = request.path_params["number"]
        return PlainTextResponse(f"{type(number).__name__}:{number}")

    async def post(self, request: Request) -> PlainTextResponse:
        def record() -> None:
            SEEN.events.append("background")

        return PlainTextResponse("posted", background=BackgroundTask(record))


ROUTES = [*chat_routes, Route("/n/{number:int}", Typed), WebSocketRoute("/chat", Chat)]


# What the server itself hands any ASGI app when the client closes with 4001. Hypercorn 0.18
# answers wsproto's CloseConnection with StreamClosed and reports 1006 (protocol/ws_stream.py),
# dropping the client's code before any framework sees it; a bare ASGI app gets 1006 there too.
CLIENT_CLOSE_CODE_SEEN = {"uvicorn": 4001, "hypercorn": 1006}


class Served(NamedTuple):
    name: str
    address: str


@pytest.fixture(params=SERVERS)
def served(request: pytest.FixtureRequest, pe_host: Host) -> Iterator[Served]:
    SEEN.events.clear()
    SEEN.disconnected.clear()
    with running(pe_host.app(ROUTES), request.param) as address:
        yield Served(request.param, address)


def test_chat_demo_page_and_echo(served: Served) -> None:
    server = served.address
    page = httpx.get(f"http://{server}/")
    assert page.status_code == 200
    assert "<h1>WebSocket Chat</h1>" in page.text
    with connect(f"ws://{server}/ws") as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "Message text was: hello"


def test_http_semantics_over_the_wire(served: Served) -> None:
    server = served.address
    response = httpx.get(f"http://{server}/n/42")
    assert response.text == "int:42"
    assert httpx.get(f"http://{server}/n/-1").status_code == 404
    response = httpx.put(f"http://{server}/n/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = httpx.head(f"http://{server}/n/1")
    assert (response.status_code, response.content) == (200, b"")
    assert httpx.post(f"http://{server}/n/1").text == "posted"


def test_websocket_frames_subprotocol_and_client_close_code(served: Served) -> None:
    server = served.address
    with connect(f"ws://{server}/chat", subprotocols=["chat.v1", "chat.v2"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat.v2"
        assert ws.response is not None
        assert ws.response.headers["x-server"] == "portable"
        ws.send("abc")
        assert ws.recv(timeout=5) == "text:abc"
        ws.send(b"abc")
        assert ws.recv(timeout=5) == b"cba"
        ws.close(code=4001, reason="client leaving")
    assert SEEN.disconnected.wait(5)
    assert SEEN.events == [("disconnect", CLIENT_CLOSE_CODE_SEEN[served.name])]


def test_server_close_code_and_reason_reach_the_client(served: Served) -> None:
    server = served.address
    with connect(f"ws://{server}/chat") as ws:
        ws.send("close-me")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4321, "closed by the endpoint")
    assert SEEN.disconnected.wait(5)
    assert SEEN.events == [("disconnect", 4321)]


def test_close_before_accept_is_http_403(served: Served) -> None:
    server = served.address
    with pytest.raises(InvalidStatus) as rejected, connect(f"ws://{server}/chat?refuse=1"):
        pass
    assert rejected.value.response.status_code == 403
    assert SEEN.disconnected.wait(5)
    assert SEEN.events == [("disconnect", 1008)]
