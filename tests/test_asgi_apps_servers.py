"""Starlette's responses, a dispatch() override and mounted ASGI apps under real servers, on every host."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import starlette.background
import starlette.responses
import starlette.staticfiles
from websockets.sync.client import connect

from portable_endpoints import HTTPEndpoint, Mount, Request, Route
from portable_endpoints.testing.plugin import Host
from portable_endpoints.types import Receive, Scope, Send
from tests.servers import running

BACKGROUND_DONE = threading.Event()


async def numbers() -> AsyncIterator[str]:
    for number in range(50):
        yield f"{number},"


async def mark_done() -> None:
    BACKGROUND_DONE.set()


async def stream(request: Request) -> starlette.responses.StreamingResponse:
    response = starlette.responses.StreamingResponse(
        numbers(), media_type="text/plain", background=starlette.background.BackgroundTask(mark_done)
    )
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


class Negotiating(HTTPEndpoint):
    async def dispatch(self) -> None:
        accept = dict(self.scope["headers"]).get(b"accept", b"")
        response: starlette.responses.Response
        if b"json" in accept:
            response = starlette.responses.JSONResponse({"kind": "json"})
        else:
            response = starlette.responses.PlainTextResponse("text")
        await response(self.scope, self.receive, self.send)


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "websocket"
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.send", "text": f"{scope['root_path']} {message['text']}"})
    await send({"type": "websocket.close", "code": 1000})


@pytest.fixture(params=["uvicorn", "hypercorn", "granian"])
def address(request: pytest.FixtureRequest, pe_host: Host, tmp_path: Path) -> Iterator[str]:
    (tmp_path / "app.css").write_text("body {}" * 1000)
    routes = [
        Route("/stream", stream),
        Route("/negotiate", Negotiating),
        Mount("/static", app=starlette.staticfiles.StaticFiles(directory=tmp_path), name="static"),
        Mount("/live", app=echo_app),
    ]
    with running(pe_host.app(routes), request.param) as served:
        yield served


def test_asgi_responses_and_mounted_apps_over_the_wire(address: str) -> None:
    BACKGROUND_DONE.clear()
    response = httpx.get(f"http://{address}/stream")
    assert response.text == "".join(f"{number}," for number in range(50))
    assert response.headers.get_list("set-cookie")[0].startswith("a=1")
    assert response.headers.get_list("set-cookie")[1].startswith("b=2")
    assert BACKGROUND_DONE.wait(5)
    assert httpx.get(f"http://{address}/negotiate", headers={"accept": "application/json"}).json() == {"kind": "json"}
    assert httpx.get(f"http://{address}/negotiate").text == "text"
    css = httpx.get(f"http://{address}/static/app.css")
    assert (css.status_code, css.text) == (200, "body {}" * 1000)
    assert httpx.get(f"http://{address}/static/nothing.css").status_code == 404
    assert httpx.get(f"http://{address}/static").status_code == 307
    with connect(f"ws://{address}/live/room") as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "/live hi"


def test_a_starlette_stream_ends_soon_after_the_client_leaves(pe_host: Host) -> None:
    closed = threading.Event()

    async def forever() -> AsyncIterator[str]:
        try:
            number = 0
            while True:
                yield f"{number}\n"
                number += 1
                await asyncio.sleep(0.01)
        finally:
            closed.set()

    async def endless(request: Request) -> starlette.responses.StreamingResponse:
        return starlette.responses.StreamingResponse(forever(), media_type="text/plain")

    with running(pe_host.app([Route("/endless", endless)]), "uvicorn") as served:
        with httpx.stream("GET", f"http://{served}/endless") as response:
            for index, _ in enumerate(response.iter_lines()):
                if index == 5:
                    break
        assert closed.wait(5)
