"""What Falcon sends for an endpoint's outcome: ASGI response objects, background tasks, streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import falcon.asgi
import pytest
from portable_endpoints_falcon._responses import Chunks

import portable_endpoints as pe
from portable_endpoints import BackgroundTask, PlainTextResponse, Request, Route
from portable_endpoints.testing import TestClient
from portable_endpoints.types import Receive, Scope, Send

pytestmark = pytest.mark.anyio


class RawASGIResponse:
    """An ASGI response object of its own making (as Starlette's responses are), in two body messages."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": [(b"x-raw", b"1"), (b"x-raw", b"2")]})
        await send({"type": "http.response.body", "body": b"raw ", "more_body": True})
        await send({"type": "http.response.body", "body": b"body"})


async def raw(request: Request) -> Any:
    return RawASGIResponse()


def apps() -> list[Any]:
    plain: Any = falcon.asgi.App()
    pe.mount(plain, [Route("/raw", raw)])
    return [pe.create_app([Route("/raw", raw)], framework="falcon"), plain]


@pytest.mark.parametrize("app", apps(), ids=["create_app", "falcon.asgi.App"])
async def test_an_asgi_response_object_is_sent_as_it_is(app: Any) -> None:
    async with TestClient(app) as client:
        response = await client.get("/raw")
        assert (response.status_code, response.text) == (202, "raw body")
        assert response.headers.getlist("x-raw") == ["1", "2"]


@pytest.mark.parametrize("kind", ["create_app", "falcon.asgi.App"])
async def test_background_tasks_run_after_the_response_on_any_falcon_app(kind: str) -> None:
    finished = anyio.Event()

    async def task() -> None:
        finished.set()

    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("sent", background=BackgroundTask(task))

    routes = [Route("/", endpoint)]
    app: Any = pe.create_app(routes, framework="falcon") if kind == "create_app" else falcon.asgi.App()
    if kind != "create_app":
        pe.mount(app, routes)
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "sent"
        with anyio.fail_after(5):
            await finished.wait()


async def test_falcon_closing_a_stream_closes_the_body_generator() -> None:
    closed = anyio.Event()

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"chunk"
        finally:
            closed.set()

    stream = Chunks(body())
    assert await stream.__anext__() == b"chunk"
    await stream.close()  # what Falcon does when sending ends early
    assert closed.is_set()


async def test_head_of_a_stream_gets_no_content_length_of_falcons() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"streamed"

    async def endpoint(request: Request) -> pe.StreamingResponse:
        return pe.StreamingResponse(body(), media_type="text/plain")

    async with TestClient(pe.create_app([Route("/", endpoint)], framework="falcon")) as client:
        response = await client.request("HEAD", "/")
        assert (response.status_code, response.content) == (200, b"")
        assert "content-length" not in response.headers
        assert (await client.get("/")).text == "streamed"


def sink_app(routes: list[Any]) -> Any:
    """A plain ``falcon.asgi.App`` with the routes as a hand-added sink: no ``App`` call around it."""
    app: Any = falcon.asgi.App()
    sink = pe.native_routes(routes, framework="falcon")
    app.add_sink(sink.serve, sink.prefix)
    return app


async def test_on_a_plain_app_an_asgi_response_object_goes_through_the_bridge() -> None:
    async with TestClient(sink_app([Route("/raw", raw)])) as client:
        response = await client.get("/raw")
        assert (response.status_code, response.text) == (202, "raw body")
        assert response.headers.getlist("x-raw") == ["1", "2"]


async def test_on_a_plain_app_a_stream_stops_when_its_client_leaves_and_its_background_runs() -> None:
    closed, background_ran = anyio.Event(), anyio.Event()

    async def lines() -> AsyncIterator[str]:
        try:
            for number in range(3):
                yield f"line {number}\n"
            await anyio.sleep_forever()  # waiting, sending nothing: only the disconnect can end it
        finally:
            closed.set()

    async def task() -> None:
        background_ran.set()

    async def endless(request: Request) -> pe.StreamingResponse:
        return pe.StreamingResponse(lines(), media_type="text/plain", background=BackgroundTask(task))

    async with TestClient(sink_app([Route("/", endless)]), spec_version="2.3") as client:
        async with client.stream("GET", "/") as response:
            async for line in response.aiter_lines():
                if line == "line 2":
                    break
        with anyio.fail_after(1):
            await closed.wait()
            # Starlette's rule before spec 2.4: the background task runs after the disconnect too.
            await background_ran.wait()
