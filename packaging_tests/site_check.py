"""Run inside a freshly installed virtualenv: serve a portable route on every host it has.

``python site_check.py HOST...`` builds one app per host with ``create_app``, asks it for a plain
route, a typed path parameter, a JSON echo and a WebSocket echo through the in-process test client,
and checks that ``pe.adapters()`` reports exactly those hosts as available. Prints one line per host.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import portable_endpoints as pe
from portable_endpoints.testing import TestClient


class Hello(pe.HTTPEndpoint):
    async def get(self, request: pe.Request) -> pe.Response:
        return pe.PlainTextResponse("Hello, world!")


class User(pe.HTTPEndpoint):
    async def get(self, request: pe.Request) -> pe.Response:
        user_id: int = request.path_params["user_id"]
        return pe.JSONResponse({"id": user_id, "type": type(user_id).__name__})

    async def post(self, request: pe.Request) -> pe.Response:
        return pe.JSONResponse(await request.json())


class Echo(pe.WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: pe.WebSocket, data: Any) -> None:
        await websocket.send_text(f"Message text was: {data}")


routes = [pe.Route("/", Hello), pe.Route("/users/{user_id:int}", User), pe.WebSocketRoute("/ws", Echo)]


async def check(host: str) -> None:
    async with TestClient(pe.create_app(routes, framework=host)) as client:
        hello = await client.get("/")
        assert (hello.status_code, hello.text) == (200, "Hello, world!"), (host, hello.status_code, hello.text)
        user = await client.get("/users/42")
        assert user.json() == {"id": 42, "type": "int"}, (host, user.text)
        echo = await client.post("/users/1", json={"a": [1, 2]})
        assert echo.json() == {"a": [1, 2]}, (host, echo.text)
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "Message text was: hi"


def main(hosts: list[str]) -> None:
    available = sorted(info.name for info in pe.adapters() if info.available)
    assert available == sorted(hosts), f"available adapters {available}, expected {sorted(hosts)}"
    for host in hosts:
        asyncio.run(check(host))
        print(f"{host}: ok")


if __name__ == "__main__":
    main(sys.argv[1:])
