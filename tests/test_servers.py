"""The chat demo and the suite's key cases under real servers, with real HTTP and WebSocket clients."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from examples.chat import routes as chat_routes
from portable_endpoints import (
    BackgroundTask,
    FileResponse,
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    StreamingResponse,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.sse import EventSourceResponse
from portable_endpoints.testing.plugin import Host

from .servers import SERVERS, running, wait_for_port


class Seen:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.disconnected = threading.Event()
        self.background = threading.Event()
        #: set by an endless stream's ``finally``: the stream stopped
        self.stream_closed = threading.Event()


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
            SEEN.background.set()

        return PlainTextResponse("posted", background=BackgroundTask(record))


class Json(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        response = JSONResponse({"echo": await request.json(), "cookie": request.cookies.get("flavour")})
        response.set_cookie("seen", "yes", httponly=True)
        response.set_cookie("also", "1")
        return response


class Dav(HTTPEndpoint):
    """An overridden ``dispatch()``: every method the server accepts reaches it (WebDAV's too)."""

    async def dispatch(self) -> None:
        request = Request(self.scope, receive=self.receive)
        response = PlainTextResponse(f"{request.method} {(await request.body()).decode()}", status_code=207)
        await response(self.scope, self.receive, self.send)


async def numbers() -> AsyncIterator[bytes]:
    for number in range(5):
        yield f"{number}\n".encode()


async def streamed(request: Request) -> StreamingResponse:
    return StreamingResponse(numbers(), media_type="text/plain")


async def three_then_wait(end: str) -> AsyncIterator[str]:
    """Three lines, then nothing, ever: only the client leaving can end it."""
    try:
        for number in range(3):
            yield f"{number}{end}"
        await anyio.sleep_forever()
    finally:
        SEEN.stream_closed.set()


async def endless(request: Request) -> StreamingResponse:
    return StreamingResponse(three_then_wait("\n"), media_type="text/plain")


#: a file of two and a half of ``FileResponse``'s 64 KiB chunks, for the servers that send it
#: themselves (``http.response.pathsend``: granian) and those that take its chunks
_SERVED_DIRECTORY = tempfile.TemporaryDirectory(prefix="pe-test-servers-")
SERVED_FILE = Path(_SERVED_DIRECTORY.name) / "blob.bin"
SERVED_FILE.write_bytes(bytes(range(256)) * 640)


async def served_file(request: Request) -> FileResponse:
    return FileResponse(SERVED_FILE)


async def endless_events(request: Request) -> EventSourceResponse:
    return EventSourceResponse(three_then_wait(""), ping=0)


def encoded(kind: Any) -> type[WebSocketEndpoint]:
    class Encoded(WebSocketEndpoint):
        encoding = kind

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            if kind == "json":
                await websocket.send_json({"got": data})
            elif kind == "bytes":
                await websocket.send_bytes(data * 2)
            else:
                await websocket.send_text(data.upper())

    return Encoded


async def raw_close(websocket: WebSocket) -> None:
    """Records the client's close message as the server hands it over: code and reason."""
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            SEEN.events.append(("raw", message.get("code"), message.get("reason") or ""))
            SEEN.disconnected.set()
            return


ROUTES = [
    *chat_routes,
    Route("/n/{number:int}", Typed),
    Route("/json", Json),
    Route("/dav", Dav),
    Route("/stream", streamed),
    Route("/file", served_file),
    Route("/endless", endless),
    Route("/events", endless_events),
    WebSocketRoute("/chat", Chat),
    WebSocketRoute("/enc/text", encoded("text"), name="enc_text"),
    WebSocketRoute("/enc/bytes", encoded("bytes"), name="enc_bytes"),
    WebSocketRoute("/enc/json", encoded("json"), name="enc_json"),
    WebSocketRoute("/raw", raw_close),
]


# What the server itself hands any ASGI app when the client closes with 4001 "client leaving".
# Hypercorn 0.18 answers wsproto's CloseConnection with StreamClosed and reports 1006 without a
# reason (protocol/ws_stream.py), dropping the client's code before any framework sees it; a bare
# ASGI app gets 1006 there too. Granian 2 passes the code but no reason. uvicorn passes both on
# (ASGI spec 2.3+), with either HTTP parser and either WebSocket implementation.
def client_close_seen(server: str) -> tuple[int, str]:
    if server == "hypercorn":
        return 1006, ""
    if server == "granian":
        return 4001, ""
    return 4001, "client leaving"


def keeps_accept_headers(server: str) -> bool:
    """Whether the server sends the ``headers`` of ``websocket.accept``; granian 2 drops them."""
    return server != "granian"


class Served(NamedTuple):
    name: str
    address: str


@pytest.fixture(scope="module")
def server_pool() -> Iterator[dict[tuple[str, str], str]]:
    """One running server per (host, server) for the whole module, started on first use."""
    with ExitStack() as stack:
        pool: dict[tuple[str, str], str] = {}
        pool_stack[0] = stack
        yield pool
    pool_stack[0] = None


pool_stack: list[ExitStack | None] = [None]


@pytest.fixture(params=SERVERS)
def served(request: pytest.FixtureRequest, pe_host: Host, server_pool: dict[tuple[str, str], str]) -> Served:
    SEEN.events.clear()
    SEEN.disconnected.clear()
    SEEN.background.clear()
    SEEN.stream_closed.clear()
    key = (pe_host.name, request.param)
    if key not in server_pool:
        stack = pool_stack[0]
        assert stack is not None
        server_pool[key] = stack.enter_context(running(pe_host.app(ROUTES), request.param))
    return Served(request.param, server_pool[key])


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
    assert SEEN.background.wait(5)


def test_any_method_reaches_an_overridden_dispatch_over_the_wire(served: Served) -> None:
    for method in ("PROPFIND", "PURGE", "FOO"):
        response = httpx.request(method, f"http://{served.address}/dav", content=b"<prop/>")
        if method == "FOO" and "httptools" in served.name:
            # httptools (llhttp) parses only the methods in its own table, WebDAV's and PURGE among
            # them; any other token is the server's 400 before an app runs. h11, hypercorn and
            # granian take any token (RFC 9110 section 9.1) and hand it to the app.
            assert response.status_code == 400
            continue
        assert (response.status_code, response.text) == (207, f"{method} <prop/>"), method


def test_websocket_frames_subprotocol_and_client_close_code(served: Served) -> None:
    server = served.address
    with connect(f"ws://{server}/chat", subprotocols=["chat.v1", "chat.v2"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat.v2"
        assert ws.response is not None
        assert ws.response.headers.get("x-server") == ("portable" if keeps_accept_headers(served.name) else None)
        ws.send("abc")
        assert ws.recv(timeout=5) == "text:abc"
        ws.send(b"abc")
        assert ws.recv(timeout=5) == b"cba"
        ws.close(code=4001, reason="client leaving")
    assert SEEN.disconnected.wait(5)
    assert SEEN.events == [("disconnect", client_close_seen(served.name)[0])]


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


def test_json_echo_cookies_and_streaming_over_the_wire(served: Served) -> None:
    server = served.address
    response = httpx.post(f"http://{server}/json", json={"a": [1, "é"]}, cookies={"flavour": "oat"})
    assert response.status_code == 200
    assert response.json() == {"echo": {"a": [1, "é"]}, "cookie": "oat"}
    assert response.headers.get_list("set-cookie") == [
        "seen=yes; HttpOnly; Path=/; SameSite=lax",
        "also=1; Path=/; SameSite=lax",
    ]
    assert httpx.post(f"http://{server}/json", content=b"{nope").status_code == 400
    with httpx.stream("GET", f"http://{server}/stream") as streamed:
        assert streamed.headers.get("content-length") is None
        assert b"".join(streamed.iter_bytes()) == b"0\n1\n2\n3\n4\n"


def test_a_file_over_the_wire_whole_ranged_and_head(served: Served) -> None:
    server = served.address
    data = SERVED_FILE.read_bytes()
    response = httpx.get(f"http://{server}/file")
    assert (response.status_code, response.content) == (200, data)
    assert response.headers["content-length"] == str(len(data))
    response = httpx.get(f"http://{server}/file", headers={"range": "bytes=3-9"})
    assert (response.status_code, response.content) == (206, data[3:10])
    response = httpx.head(f"http://{server}/file")
    assert (response.status_code, response.content) == (200, b"")


def test_each_websocket_encoding_over_the_wire(served: Served) -> None:
    server = served.address
    with connect(f"ws://{server}/enc/text") as ws:
        ws.send("abc")
        assert ws.recv(timeout=5) == "ABC"
    with connect(f"ws://{server}/enc/bytes") as ws:
        ws.send(b"ab")
        assert ws.recv(timeout=5) == b"abab"
    with connect(f"ws://{server}/enc/json") as ws:
        ws.send(json.dumps({"x": 1}))
        assert json.loads(ws.recv(timeout=5)) == {"got": {"x": 1}}
        ws.send(json.dumps([1]).encode())
        assert json.loads(ws.recv(timeout=5)) == {"got": [1]}
    with connect(f"ws://{server}/enc/text") as ws:
        ws.send(b"bytes where text is expected")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1003


def test_the_clients_close_code_and_reason_as_each_server_hands_them_over(served: Served) -> None:
    with connect(f"ws://{served.address}/raw") as ws:
        ws.close(code=4001, reason="client leaving")
    assert SEEN.disconnected.wait(5)
    assert SEEN.events == [("raw", *client_close_seen(served.name))]


#: How soon after its client leaves a stream must have stopped, on every host and server.
PROMPTLY = 1.0


@pytest.mark.parametrize(("path", "prefix"), [("/endless", ""), ("/events", "data: ")])
def test_a_stream_stops_within_a_second_of_its_client_leaving(served: Served, path: str, prefix: str) -> None:
    with httpx.stream("GET", f"http://{served.address}{path}", timeout=5) as response:
        lines = []
        for line in response.iter_lines():
            if line:
                lines.append(line)
            if len(lines) == 3:
                break  # leaving iter_lines closes the connection: the client has gone
    left = time.monotonic()
    assert lines == [f"{prefix}{number}" for number in range(3)]
    assert SEEN.stream_closed.wait(5), "the stream went on after its client left"
    assert time.monotonic() - left < PROMPTLY


#: What each server waits for open connections when stopping before cancelling them. A server
#: run in a thread, as here, is stopped without a signal, and no server tells the app it is
#: stopping (uvicorn's lifespan shutdown comes only after the wait), so an endless stream keeps it
#: up until this timeout. Told to stop by SIGTERM in its own process, it needs none: the stream
#: learns it from the signal (tests/test_shutdown_servers.py).
GRACEFUL_TIMEOUT = 0.5


#: The client's read timeout while a stream is open.
STREAM_CLIENT_TIMEOUT = 5
#: Whether the server cuts open connections after its graceful timeout. hypercorn on Python 3.12 and
#: later does not (pgjones/hypercorn#308): it waits for the connection to end, here when the
#: client's read timeout ends it; the stream is still closed, and the server still exits.
CUTS_AFTER_GRACEFUL_TIMEOUT = {"uvicorn-h11-wsproto": True, "hypercorn": sys.version_info < (3, 12)}


@pytest.mark.parametrize("server", ["uvicorn-h11-wsproto", "hypercorn"])
def test_stopping_the_server_closes_an_open_stream_after_its_graceful_timeout(pe_host: Host, server: str) -> None:
    SEEN.stream_closed.clear()
    lines: list[str] = []
    with running(pe_host.app(ROUTES), server, graceful_timeout=GRACEFUL_TIMEOUT) as address:
        wait_for_port(int(address.rpartition(":")[2]))

        def read() -> None:
            try:
                with httpx.stream("GET", f"http://{address}/endless", timeout=STREAM_CLIENT_TIMEOUT) as response:
                    lines.extend(response.iter_lines())
            except httpx.HTTPError:
                pass  # the server cut the stream, as it should

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 5
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lines[:3] == ["0", "1", "2"]
        stopping = time.monotonic()
    # Leaving ``running`` stopped the server and joined its thread (it fails if that takes 10 s).
    waited = GRACEFUL_TIMEOUT if CUTS_AFTER_GRACEFUL_TIMEOUT[server] else STREAM_CLIENT_TIMEOUT
    assert time.monotonic() - stopping < waited + 2
    assert SEEN.stream_closed.is_set()
    reader.join(5)
