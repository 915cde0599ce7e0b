"""A bounded load + fault run on loopback: every fault ends cleanly and the server keeps serving."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing.plugin import Host

from .servers import running

ROUNDS = 20  # each round: one of every fault, concurrently


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.disconnects = 0

    def add(self) -> None:
        with self.lock:
            self.disconnects += 1


COUNTER = Counter()


class Api(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse(await request.json())

    async def delete(self, request: Request) -> PlainTextResponse:
        raise RuntimeError("endpoint failure under load")


class Frames(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(data)

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        COUNTER.add()


ROUTES = [Route("/api", Api), WebSocketRoute("/ws", Frames)]


@pytest.fixture
def address(pe_host: Host) -> Iterator[str]:
    COUNTER.disconnects = 0
    with running(pe_host.app(ROUTES), "uvicorn") as served:
        yield served


def vanish_mid_body(address: str) -> None:
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"partial":'
        )


async def one_round(client: httpx.AsyncClient, address: str) -> list[Any]:
    async def good() -> int:
        return (await client.get("/api")).status_code

    async def malformed() -> int:
        return (await client.post("/api", content=b"{nope", headers={"content-type": "application/json"})).status_code

    async def bad_utf8() -> int:
        return (
            await client.post("/api", content=b"\xff\xfe", headers={"content-type": "application/json"})
        ).status_code

    async def unknown_method() -> int:
        return (await client.request("PURGE", "/api")).status_code  # parsed by h11 and httptools alike

    async def failing() -> int:
        return (await client.delete("/api")).status_code

    async def wrong_frame() -> int | None:
        async with websockets.connect(f"ws://{address}/ws") as ws:
            await ws.send(b"binary where text is expected")
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    async def vanishing_websocket() -> str:
        ws = await websockets.connect(f"ws://{address}/ws")
        await ws.send("hello")
        assert await ws.recv() == "hello"
        ws.transport.abort()  # gone without a close frame
        return "vanished"

    async def vanishing_body() -> str:
        await asyncio.to_thread(vanish_mid_body, address)
        return "vanished"

    return list(
        await asyncio.gather(
            good(),
            malformed(),
            bad_utf8(),
            unknown_method(),
            failing(),
            wrong_frame(),
            vanishing_websocket(),
            vanishing_body(),
        )
    )


def test_faults_under_load_end_cleanly_and_the_server_keeps_serving(address: str) -> None:
    async def run() -> list[list[Any]]:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as client:
            results = await asyncio.gather(*(one_round(client, address) for _ in range(ROUNDS)))
            for _ in range(50):  # every on_disconnect has run, exactly once each
                if COUNTER.disconnects >= 2 * ROUNDS:
                    break
                await asyncio.sleep(0.05)
            assert (await client.get("/api")).text == "ok"
            return results

    results = asyncio.run(run())
    assert results == [[200, 400, 400, 405, 500, 1003, "vanished", "vanished"]] * ROUNDS
    assert COUNTER.disconnects == 2 * ROUNDS
