"""HTTP on Quart, made Starlette's: each test fails without the adapter's normalisation it names."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
import quart
from quart import g

import portable_endpoints as pe
from portable_endpoints import (
    BackgroundTask,
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    Route,
    StreamingResponse,
)
from portable_endpoints.sse import EventSourceResponse
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


class Raw(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind == "bare":
            return Response(b"raw")
        if kind == "empty":
            return Response(status_code=204)
        return PlainTextResponse("latin", headers={"x-latin": "café"})


async def test_headers_are_the_endpoints_byte_for_byte() -> None:
    # Quart would add "content-type: text/html; charset=utf-8" and send "café" as UTF-8.
    async with TestClient(pe.create_app([Route("/{kind}", Raw)], framework="quart")) as client:
        assert list((await client.get("/bare")).headers.raw) == [(b"content-length", b"3")]
        assert list((await client.get("/empty")).headers.raw) == []
        latin = await client.get("/latin")
    assert (b"x-latin", b"caf\xe9") in latin.headers.raw


async def test_a_bodyless_http_exception_sends_only_its_headers() -> None:
    class NotModified(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            raise pe.HTTPException(304, headers={"etag": '"v1"'})

    # Werkzeug would send an HTML page with it, which a client or server may refuse for a 304.
    async with TestClient(pe.create_app([Route("/", NotModified)], framework="quart")) as client:
        response = await client.get("/")
    assert (response.status_code, list(response.headers.raw), response.content) == (304, [(b"etag", b'"v1"')], b"")


async def test_a_stream_outlives_quarts_response_timeout() -> None:
    class Slow(HTTPEndpoint):
        async def get(self, request: Request) -> StreamingResponse:
            async def chunks() -> AsyncIterator[str]:
                for number in range(4):
                    await anyio.sleep(0.05)
                    yield f"{number},"

            return StreamingResponse(chunks(), media_type="text/plain")

    app = pe.create_app([Route("/", Slow)], framework="quart")
    app.config["RESPONSE_TIMEOUT"] = 0.1
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "0,1,2,3,"
        head = await client.head("/")
    assert (head.status_code, head.content, head.headers["content-type"]) == (200, b"", "text/plain; charset=utf-8")


async def test_an_event_stream_outlives_quarts_response_timeout() -> None:
    async def ticks() -> AsyncIterator[str]:
        for number in range(3):
            await anyio.sleep(0.1)
            yield str(number)

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(ticks(), ping=0.04)

    app = pe.create_app([Route("/", events)], framework="quart")
    app.config["RESPONSE_TIMEOUT"] = 0.1  # Quart would cut the stream after its first event
    async with TestClient(app) as client:
        text = (await client.get("/")).text
    assert [line for line in text.split("\r\n") if line.startswith("data")] == ["data: 0", "data: 1", "data: 2"]
    assert text.count(": ping - ") >= 3


async def test_background_runs_after_the_response_in_an_app_context_and_hooks_see_the_response() -> None:
    events: list[Any] = []
    sent = anyio.Event()

    ran = anyio.Event()

    async def task() -> None:
        await sent.wait()
        events.append(("background", quart.current_app.name))
        ran.set()

    class Later(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse("sent", background=BackgroundTask(task))

    app = pe.create_app([Route("/", Later)], framework="quart", import_name="later")

    async def stamp(response: quart.Response) -> quart.Response:
        response.headers["x-after-request"] = "yes"
        return response

    app.after_request(stamp)

    async with TestClient(app) as client:
        response = await client.get("/")
        assert (response.text, response.headers["x-after-request"]) == ("sent", "yes")
        assert events == []
        sent.set()
        with anyio.fail_after(5):
            await ran.wait()
    assert events == [("background", "later")]


class Read(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        how = request.query_params["how"]
        if how == "form":
            return JSONResponse(dict((await request.form()).multi_items()))
        if how == "stream":
            return JSONResponse(b"".join([chunk async for chunk in request.stream()]).decode())
        return JSONResponse((await request.body()).decode())


@pytest.mark.parametrize("how", ["body", "stream", "form"])
async def test_a_body_a_hook_has_read_is_still_the_endpoints(how: str) -> None:
    app = pe.create_app([Route("/", Read)], framework="quart")

    async def peek() -> None:
        g.peeked = await quart.request.get_data()

    app.before_request(peek)

    async with TestClient(app) as client:
        response = await client.post(f"/?how={how}", data={"a": "1"})
    assert response.json() == ({"a": "1"} if how == "form" else "a=1")


async def post_slowly(app: Any, path: str, chunks: list[bytes]) -> int:
    """POST ``chunks`` with no Content-Length, the last one late; the response status."""
    pending = list(chunks)
    status: list[int] = []
    done = anyio.Event()

    async def receive() -> dict[str, Any]:
        if pending:
            if len(pending) == 1:
                await anyio.sleep(0.05)  # the endpoint is reading before the body is complete
            return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif not message.get("more_body", False):
            done.set()

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ["testclient", 50000],
        "server": ["testserver", 80],
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    return status[0]


@pytest.mark.parametrize("how", ["body", "stream"])
async def test_quarts_body_limit_applies_to_every_way_of_reading(how: str) -> None:
    # Without a Content-Length, Quart 0.23 checks MAX_CONTENT_LENGTH only when the body is awaited.
    app = pe.create_app([Route("/", Read)], framework="quart")
    app.config["MAX_CONTENT_LENGTH"] = 8
    assert await post_slowly(app, f"/?how={how}", [b"1234", b"5678"]) == 200
    assert await post_slowly(app, f"/?how={how}", [b"12345", b"67890"]) == 413


async def test_sync_handlers_see_g_and_the_request_from_their_thread() -> None:
    class Blocking(HTTPEndpoint):
        def get(self, request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "user": request.state.user,
                    "path": quart.request.path,
                    "threaded": threading.current_thread() is not threading.main_thread(),
                }
            )

    app = pe.create_app([Route("/sync", Blocking)], framework="quart")

    async def who() -> None:
        g.user = "ada"

    app.before_request(who)

    async with TestClient(app) as client:
        assert (await client.get("/sync")).json() == {"user": "ada", "path": "/sync", "threaded": True}


async def test_url_for_reaches_quarts_own_endpoints_and_refuses_unknown_names() -> None:
    class Links(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            try:
                request.url_for("nowhere")
            except pe.NoMatchFound as exc:
                missing = str(exc)
            try:
                request.url_for("links", extra=1)
            except pe.NoMatchFound:
                extra = "refused"
            return JSONResponse({"native": str(request.url_for("native", page=2)), "missing": missing, "extra": extra})

    app = pe.create_app([Route("/links", Links, name="links")], framework="quart")

    async def native(page: int) -> str:
        return str(page)

    app.add_url_rule("/native/<int:page>", "native", native)

    async with TestClient(app, root_path="/root") as client:
        assert (await client.get("/links")).json() == {
            "native": "http://testserver/root/native/2",
            "missing": 'No route exists for name "nowhere" and params "".',
            "extra": "refused",
        }


async def test_a_body_of_declared_length_ends_on_its_last_chunk_and_a_stream_is_not_held() -> None:
    # Quart alone sends every body as a chunk marked more_body, then an empty last message.
    messages: list[dict[str, Any]] = []

    async def streamed(request: Request) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            # The first chunk has reached the server while the stream is still running.
            assert messages[-1] == {"type": "http.response.body", "body": b"first", "more_body": True}
            yield b"second"

        return StreamingResponse(chunks())

    inner = pe.create_app(
        [Route("/whole", lambda request: PlainTextResponse("x" * 100)), Route("/stream", streamed)],
        framework="quart",
    )

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def record(message: Any) -> None:
            if message["type"] == "http.response.body":
                messages.append(dict(message))
            await send(message)

        await inner(scope, receive, record)

    async with TestClient(recording) as client:
        assert (await client.get("/whole")).text == "x" * 100
        assert messages == [{"type": "http.response.body", "body": b"x" * 100, "more_body": False}]
        messages.clear()
        assert (await client.get("/stream")).text == "firstsecond"
        assert [message["body"] for message in messages] == [b"first", b"second", b""]
