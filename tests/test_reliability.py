"""A bounded load + fault run on loopback: every fault ends cleanly and the server keeps serving."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
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


# -- A few hundred clients at once, a tenth of them vanishing -------------------------------------

#: clients of each kind; ``nox -s soak`` raises it (and the rounds) through the environment
CLIENTS = int(os.environ.get("PE_LOAD_CLIENTS", "200"))
MESSAGES = int(os.environ.get("PE_LOAD_MESSAGES", "5"))
LOAD_ROUNDS = int(os.environ.get("PE_LOAD_ROUNDS", "1"))
#: the RSS growth over the baseline still counted as "back near it": the allocator keeps some of
#: what the peak of concurrent connections used (Python's object count does not grow, checked too)
RSS_SLACK = int(os.environ.get("PE_LOAD_RSS_SLACK_MIB", "40")) * 1024 * 1024
#: objects the garbage collector tracks that may be left after the run, beyond one per connection
#: (the test's own record of its close codes): module caches and the like, not per connection
OBJECT_SLACK = 5000


class Connections:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.disconnects: dict[str, list[int]] = {}

    def add(self, connection: str, code: int) -> None:
        with self.lock:
            self.disconnects.setdefault(connection, []).append(code)


CONNECTIONS = Connections()


class Ordered(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(data)

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        CONNECTIONS.add(websocket.query_params["id"], close_code)


class Upload(HTTPEndpoint):
    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))


async def tasks(request: Request) -> PlainTextResponse:
    # Counted on the server's own loop: every task but this request's.
    return PlainTextResponse(str(len(asyncio.all_tasks()) - 1))


LOAD_ROUTES = [WebSocketRoute("/ordered", Ordered), Route("/upload", Upload), Route("/tasks", tasks)]


def rss() -> int:
    """This process's resident set size in bytes (the server runs in this process)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def ws_client(address: str, index: int, drop: bool) -> list[str] | str:
    connection = f"ws{index}" if index >= 0 else f"warm{-index}"
    async with websockets.connect(f"ws://{address}/ordered?id={connection}", max_queue=None) as ws:
        expected = [f"{index}:{n}" for n in range(MESSAGES)]
        for message in expected:
            await ws.send(message)
        if drop:
            # Gone mid-message: a frame header announcing 1000 bytes, a few of them, then nothing.
            ws.transport.write(b"\x81\xfe\x03\xe8\x00\x00\x00\x00abc")
            ws.transport.abort()
            return "dropped"
        echoed = [await asyncio.wait_for(ws.recv(), 10) for _ in expected]
        assert echoed == expected, f"{connection}: {echoed} != {expected}"
        return [str(message) for message in echoed]


async def http_client(client: httpx.AsyncClient, address: str, index: int, drop: bool) -> int | str:
    if drop:
        await asyncio.to_thread(vanish_mid_body, address)
        return "dropped"
    body = b"x" * (1000 + index)
    response = await client.post("/upload", content=body)
    assert response.text == str(len(body))
    return response.status_code


@pytest.fixture
def quiet_http_client_log() -> Iterator[None]:
    """httpx logs each request at INFO once a host has configured logging (Litestar does); the
    records pytest captures would count as objects the run left behind."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("quiet_http_client_log")
def test_hundreds_of_clients_a_tenth_vanishing_mid_body_or_mid_message(pe_host: Host) -> None:
    CONNECTIONS.disconnects.clear()
    with running(pe_host.app(LOAD_ROUTES), "uvicorn") as address:

        async def run() -> dict[str, Any]:
            limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
            async with httpx.AsyncClient(base_url=f"http://{address}", timeout=20, limits=limits) as client:
                # Warm up (imports, caches, thread pools) before the baseline.
                await asyncio.gather(*(ws_client(address, -1 - i, drop=i % 2 == 0) for i in range(10)))
                await asyncio.gather(*(http_client(client, address, i, drop=i % 2 == 0) for i in range(10)))
                await asyncio.sleep(0.2)
                gc.collect()
                figures: dict[str, Any] = {
                    "tasks_before": int((await client.get("/tasks")).text),
                    "rss_before": rss(),
                    "objects_before": len(gc.get_objects()),
                }
                results: list[Any] = []
                for round_number in range(LOAD_ROUNDS):
                    first = round_number * CLIENTS
                    # A client pool of its own, closed after the round: its hundreds of kept-alive
                    # connections are this process's objects too, and no leak of the server's.
                    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=20, limits=limits) as load:
                        results += await asyncio.gather(
                            *(ws_client(address, first + i, drop=i % 10 == 0) for i in range(CLIENTS)),
                            *(http_client(load, address, first + i, drop=i % 10 == 0) for i in range(CLIENTS)),
                        )
                expected_connections = CLIENTS * LOAD_ROUNDS
                for _ in range(200):  # every on_disconnect has run
                    if sum(key.startswith("ws") for key in CONNECTIONS.disconnects) >= expected_connections:
                        break
                    await asyncio.sleep(0.05)
                for _ in range(100):  # the dropped bodies' requests have ended
                    figures["tasks_after"] = int((await client.get("/tasks")).text)
                    if figures["tasks_after"] <= figures["tasks_before"]:
                        break
                    await asyncio.sleep(0.05)
                gc.collect()
                figures["rss_after"] = rss()
                figures["objects_after"] = len(gc.get_objects())
                figures["still_answering"] = (await client.get("/tasks")).status_code
                figures["results"] = results
                return figures

        figures = asyncio.run(run())
    results = figures.pop("results")
    dropped = sum(1 for result in results if result == "dropped")
    echoed = sum(len(result) for result in results if isinstance(result, list))
    connections = CLIENTS * LOAD_ROUNDS
    print(
        f"\n[{pe_host.name}] load: {connections} WebSocket + {connections} HTTP clients, {dropped} dropped, "
        f"{echoed} messages echoed in order, leaked tasks {figures['tasks_after'] - figures['tasks_before']}, "
        f"RSS {figures['rss_before'] / 2**20:.1f} -> {figures['rss_after'] / 2**20:.1f} MiB, "
        f"GC-tracked objects {figures['objects_before']} -> {figures['objects_after']}"
    )
    assert dropped == 2 * LOAD_ROUNDS * -(-CLIENTS // 10)
    assert echoed == (CLIENTS - -(-CLIENTS // 10)) * LOAD_ROUNDS * MESSAGES
    assert sorted(key for key in CONNECTIONS.disconnects if key.startswith("ws")) == sorted(
        f"ws{i}" for i in range(connections)
    )
    assert all(len(codes) == 1 for codes in CONNECTIONS.disconnects.values()), "on_disconnect ran more than once"
    assert figures["tasks_after"] <= figures["tasks_before"], "tasks left running"
    assert figures["rss_after"] - figures["rss_before"] < RSS_SLACK
    assert figures["objects_after"] - figures["objects_before"] < connections + OBJECT_SLACK
    assert figures["still_answering"] == 200
