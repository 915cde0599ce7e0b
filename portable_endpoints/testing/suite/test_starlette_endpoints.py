"""Starlette's ``tests/test_endpoints.py``, re-expressed: every behaviour it asserts, on every host.

Each test names the upstream test it re-expresses. Where this project deliberately differs, the
test asserts our behaviour and says so (the list is in docs/porting.md):

- the 405 body follows the host's error format (Starlette's is ``Method Not Allowed``);
- a frame of the wrong type closes the connection with 1003 (Starlette's test client sees the
  ``RuntimeError`` the endpoint raised; here the endpoint raises it too, and the client sees 1003).
"""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import (
    HTTPEndpoint,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketDisconnect,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        username = request.path_params.get("username")
        if username is None:
            return PlainTextResponse("Hello, world!")
        return PlainTextResponse(f"Hello, {username}!")


# Starlette's test app, imports changed: two routes share the name "Homepage".
APP_ROUTES = [Route("/", Homepage), Route("/{username}", Homepage)]


async def test_http_endpoint_route(pe_host: Host) -> None:
    async with pe_host.client(APP_ROUTES) as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert response.text == "Hello, world!"


async def test_http_endpoint_route_path_params(pe_host: Host) -> None:
    async with pe_host.client(APP_ROUTES) as client:
        response = await client.get("/tomchristie")
        assert response.status_code == 200
        assert response.text == "Hello, tomchristie!"


async def test_http_endpoint_route_method(pe_host: Host) -> None:
    async with pe_host.client(APP_ROUTES) as client:
        response = await client.post("/")
        assert response.status_code == 405
        # Starlette 1.10 lists HEAD with GET. The body is the host's error format (difference).
        assert response.headers["allow"] == "GET, HEAD"


def websocket_routes(endpoint: type[WebSocketEndpoint]) -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws", endpoint)]


async def test_websocket_endpoint_on_connect(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            # The requested subprotocols, from the scope as Starlette's test reads them.
            await websocket.accept(subprotocol="wamp" if websocket["subprotocols"] == ["soap", "wamp"] else None)

    async with pe_host.client(websocket_routes(WebSocketApp)) as client:
        async with client.websocket_connect("/ws", subprotocols=["soap", "wamp"]) as websocket:
            assert websocket.accepted_subprotocol == "wamp"


async def test_websocket_endpoint_on_receive_bytes(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        encoding = "bytes"

        async def on_receive(self, websocket: WebSocket, data: bytes) -> None:
            await websocket.send_bytes(b"Message bytes was: " + data)

    async with pe_host.client(websocket_routes(WebSocketApp), raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_bytes(b"Hello, world!")
            assert await websocket.receive_bytes() == b"Message bytes was: Hello, world!"
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("Hello world")
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive()
            assert closed.value.code == 1003


async def test_websocket_endpoint_on_receive_json(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        encoding = "json"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_json({"message": data})

    async with pe_host.client(websocket_routes(WebSocketApp), raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_json({"hello": "world"})
            assert await websocket.receive_json() == {"message": {"hello": "world"}}
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("Hello world")
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive()
            assert closed.value.code == 1003


async def test_websocket_endpoint_on_receive_json_binary(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        encoding = "json"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_json({"message": data}, mode="binary")

    async with pe_host.client(websocket_routes(WebSocketApp)) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_json({"hello": "world"}, mode="binary")
            message = await websocket.receive()
            assert message.get("bytes") == b'{"message":{"hello":"world"}}'


async def test_websocket_endpoint_on_receive_text(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            await websocket.send_text(f"Message text was: {data}")

    async with pe_host.client(websocket_routes(WebSocketApp), raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("Hello, world!")
            assert await websocket.receive_text() == "Message text was: Hello, world!"
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_bytes(b"Hello world")
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive()
            assert closed.value.code == 1003


async def test_websocket_endpoint_on_default(pe_host: Host) -> None:
    class WebSocketApp(WebSocketEndpoint):
        encoding = None

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            await websocket.send_text(f"Message text was: {data}")

    async with pe_host.client(websocket_routes(WebSocketApp)) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("Hello, world!")
            assert await websocket.receive_text() == "Message text was: Hello, world!"


async def test_websocket_endpoint_on_disconnect(pe_host: Host) -> None:
    seen: list[int] = []

    class WebSocketApp(WebSocketEndpoint):
        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            seen.append(close_code)

    async with pe_host.client(websocket_routes(WebSocketApp)) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.close(code=1001)
    assert seen == [1001]


async def test_http_endpoint_class_is_itself_an_asgi_app() -> None:
    # Starlette's endpoints are ASGI apps (`uvicorn module:Homepage`); so are ours, on the asgi host.
    from portable_endpoints.testing import TestClient

    async with TestClient(Homepage) as client:
        response = await client.get("/anything")
        assert (response.status_code, response.text) == (200, "Hello, world!")
