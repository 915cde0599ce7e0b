"""Any ASGI response on every host: returned by an endpoint, written through ``self.send`` by an
overridden ``dispatch()``, or a ``WebSocketEndpoint.dispatch()`` override.

The responses here are plain ASGI objects written in the test (what Starlette's and
sse-starlette's responses are to a host): status, raw headers (two ``Set-Cookie``), a body in
chunks, and work after the last body message, as their background tasks do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import anyio.lowlevel
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
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing.plugin import COMPOSITIONS, Host
from portable_endpoints.types import Receive, Scope, Send

pytestmark = pytest.mark.anyio


class ChunkedASGIResponse:
    """An ASGI response object that is no neutral response: chunks, repeated headers, after-work."""

    def __init__(self, chunks: Sequence[bytes], *, status: int = 200, after: Any = None) -> None:
        self.chunks = list(chunks)
        self.status = status
        self.after = after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"set-cookie", b"first=1; Path=/"),
            (b"set-cookie", b"second=2; Path=/"),
            (b"x-asgi", b"yes"),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await anyio.lowlevel.checkpoint()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.after is not None:
            await self.after()


async def raw_asgi_response(scope: Scope, receive: Receive, send: Send) -> None:
    body = f"{scope['method']} {scope['type']}".encode()
    await send({"type": "http.response.start", "status": 203, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def compositions(pe_host: Host) -> list[str]:
    """Every way the host composes routes (``native_routes`` needs its native kit)."""
    return [name for name in COMPOSITIONS if name != "native_routes" or pe_host.native_kit is not None]


async def test_an_asgi_response_object_is_sent_whole(pe_host: Host) -> None:
    class Chunks(HTTPEndpoint):
        async def get(self, request: Request) -> ChunkedASGIResponse:
            return ChunkedASGIResponse([b"one ", b"two ", b"three"], status=201)

    for composition in compositions(pe_host):
        async with pe_host.client([Route("/chunks", Chunks)], composition=composition) as client:
            response = await client.get("/chunks")
        assert response.status_code == 201
        assert response.text == "one two three"
        assert response.headers["x-asgi"] == "yes"
        assert response.headers.getlist("set-cookie") == ["first=1; Path=/", "second=2; Path=/"]
        assert response.cookies == {"first": "1", "second": "2"}


async def test_an_asgi_function_is_a_response_too(pe_host: Host) -> None:
    async def endpoint(request: Request) -> Any:
        return raw_asgi_response

    async with pe_host.client([Route("/raw", endpoint, methods=["GET", "POST"])]) as client:
        got = await client.get("/raw")
        posted = await client.post("/raw", content=b"ignored")
    assert (got.status_code, got.text) == (203, "GET http")
    assert (posted.status_code, posted.text) == (203, "POST http")


async def test_an_asgi_response_finishes_its_work_after_the_body(pe_host: Host) -> None:
    events: list[str] = []
    release = anyio.Event()
    finished = anyio.Event()

    async def after() -> None:
        await release.wait()
        events.append("after")
        finished.set()

    async def endpoint(request: Request) -> ChunkedASGIResponse:
        events.append("handler")
        return ChunkedASGIResponse([b"a", b"b"], after=after)

    async with pe_host.client([Route("/", endpoint)]) as client:
        response = await client.get("/")
        # The whole response arrived while the after-work still waited.
        assert response.text == "ab"
        assert events == ["handler"]
        release.set()
        with anyio.fail_after(5):
            await finished.wait()
    assert events == ["handler", "after"]


async def test_an_asgi_response_reads_the_request_body(pe_host: Host) -> None:
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body[::-1]})

    async def endpoint(request: Request) -> Any:
        return echo

    async with pe_host.client([Route("/echo", endpoint, methods=["POST"])]) as client:
        response = await client.post("/echo", content=[b"abc", b"def"])
    assert response.text == "fedcba"


async def test_an_asgi_app_failing_before_its_response_is_the_hosts_error(pe_host: Host) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("broken before answering")

    async def endpoint(request: Request) -> Any:
        return broken

    async with pe_host.client([Route("/broken", endpoint)], raise_app_exceptions=False) as client:
        response = await client.get("/broken")
    assert response.status_code == 500


class Negotiating(HTTPEndpoint):
    """Starlette's documented ``dispatch()`` override: content negotiation, answered through ``self.send``."""

    async def dispatch(self) -> None:
        request = Request(self.scope, receive=self.receive)
        accept = request.headers.get("accept", "")
        kind = "json" if "application/json" in accept else "text"
        handler = getattr(self, f"{request.method.lower()}_{kind}", None)
        if handler is None:
            body, status = b"no handler", 405
        else:
            body, status = await handler(request), 200
        content_type = b"application/json" if kind == "json" else b"text/plain"
        await self.send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
        await self.send({"type": "http.response.body", "body": body})

    async def get_json(self, request: Request) -> bytes:
        name: str = request.path_params["name"]
        return b'{"user": "%s"}' % name.encode()

    async def get_text(self, request: Request) -> bytes:
        name: str = request.path_params["name"]
        return b"user " + name.encode()

    async def post_text(self, request: Request) -> bytes:
        return b"posted " + await request.body()


async def test_an_overridden_dispatch_answers_through_self_send(pe_host: Host) -> None:
    for composition in compositions(pe_host):
        async with pe_host.client([Route("/users/{name}", Negotiating)], composition=composition) as client:
            as_json = await client.get("/users/ada", headers={"accept": "application/json"})
            as_text = await client.get("/users/ada")
            posted = await client.post("/users/ada", content=b"data")
            refused = await client.delete("/users/ada")
        assert (as_json.headers["content-type"], as_json.json()) == ("application/json", {"user": "ada"})
        assert (as_text.headers["content-type"], as_text.text) == ("text/plain", "user ada")
        assert posted.text == "posted data"
        assert (refused.status_code, refused.text) == (405, "no handler")


class WebDAV(HTTPEndpoint):
    """An overridden ``dispatch()`` reached by every method, standard or not, as in Starlette: a
    WebDAV ``PROPFIND`` answered through ``self.send``, anything else by sending a response object."""

    async def dispatch(self) -> None:
        request = Request(self.scope, receive=self.receive)
        if request.method == "PROPFIND":
            listing = b"<multistatus>" + await request.body() + b"</multistatus>"
            headers = [(b"content-type", b"application/xml"), (b"x-depth", request.headers["depth"].encode())]
            await self.send({"type": "http.response.start", "status": 207, "headers": headers})
            await self.send({"type": "http.response.body", "body": listing})
            return
        name = request.path_params["name"]
        response = PlainTextResponse(f"{request.method} {name}", headers={"x-method": request.method})
        await response(self.scope, self.receive, self.send)


class Tagged:
    """A pure ASGI route middleware, to show the method reaches a ``dispatch()`` inside one too."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-tag", scope["method"].encode())]
            await send(message)

        await self.app(scope, receive, tagged)


@pytest.mark.parametrize("path", ["/files/a.txt", "/tagged/a.txt"])
async def test_an_overridden_dispatch_is_reached_by_every_method(pe_host: Host, path: str) -> None:
    routes = [Route("/files/{name}", WebDAV), Route("/tagged/{name}", WebDAV, middleware=[Middleware(Tagged)])]
    for composition in compositions(pe_host):
        async with pe_host.client(routes, composition=composition) as client:
            listing = await client.request("PROPFIND", path, content=b"<prop/>", headers={"depth": "1"})
            purged = await client.request("PURGE", path)
            foo = await client.request("FOO", path, content=b"ignored")
            got = await client.get(path)
            queried = await client.request("QUERY", path)
        assert (got.status_code, got.text) == (200, "GET a.txt"), composition
        if composition == "native_routes" and not pe_host.supports("native_routes.any_method"):
            # Declared limit: composed by hand, a method outside the framework's verbs gets its own 405.
            assert [r.status_code for r in (listing, purged, foo, queried)] == [405] * 4, composition
            continue
        assert (queried.status_code, queried.text) == (200, "QUERY a.txt"), composition
        assert listing.status_code == 207, composition
        assert (listing.headers["content-type"], listing.headers["x-depth"]) == ("application/xml", "1")
        assert listing.text == "<multistatus><prop/></multistatus>"
        for response, method in ((purged, "PURGE"), (foo, "FOO")):
            assert (response.status_code, response.text) == (200, f"{method} a.txt"), (composition, method)
            assert response.headers["x-method"] == method
        if path.startswith("/tagged"):
            assert [r.headers["x-tag"] for r in (listing, purged, foo, got)] == ["PROPFIND", "PURGE", "FOO", "GET"]


async def test_an_overridden_dispatch_streams_chunk_by_chunk(pe_host: Host) -> None:
    class Streaming(HTTPEndpoint):
        async def dispatch(self) -> None:
            await self.send({"type": "http.response.start", "status": 200, "headers": [(b"x-kind", b"stream")]})
            for number in range(5):
                await self.send({"type": "http.response.body", "body": b"%d," % number, "more_body": True})
            await self.send({"type": "http.response.body", "body": b"end"})

    async with pe_host.client([Route("/", Streaming)]) as client:
        response = await client.get("/")
    assert response.headers["x-kind"] == "stream"
    assert response.text == "0,1,2,3,4,end"


async def test_an_overridden_dispatch_may_call_super(pe_host: Host) -> None:
    seen: list[str] = []

    class Audited(HTTPEndpoint):
        async def dispatch(self) -> None:
            seen.append(self.scope["method"])
            await super().dispatch()

        async def get(self, request: Request) -> Any:
            return ChunkedASGIResponse([b"audited ", str(request.url_for("audited")).encode()])

    async with pe_host.client([Route("/audited", Audited, name="audited")]) as client:
        response = await client.get("/audited")
        refused = await client.post("/audited")
        unknown = await client.request("FOO", "/audited")
    assert response.text == "audited http://testserver/audited"
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    # FOO reaches the override; Starlette's dispatch() then answers it 405 as any unserved method.
    assert (unknown.status_code, unknown.headers["allow"]) == (405, "GET, HEAD")
    assert seen == ["GET", "POST", "FOO"]


async def test_a_websocket_endpoint_with_its_own_dispatch(pe_host: Host) -> None:
    closed: list[int] = []
    disconnected = anyio.Event()

    class Greeter(WebSocketEndpoint):
        encoding = "text"

        async def dispatch(self) -> None:
            websocket = WebSocket(self.scope, receive=self.receive, send=self.send)
            await websocket.accept(subprotocol=None)
            await websocket.send_text("hello " + self.scope["path_params"]["name"])
            text = await websocket.receive_text()
            await websocket.close(code=4001, reason=text)

    class Wrapped(WebSocketEndpoint):
        encoding = "text"

        async def dispatch(self) -> None:
            self.scope.setdefault("state", {})["wrapped"] = True
            await super().dispatch()

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"{data} {websocket.scope['state'].get('wrapped')}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            closed.append(close_code)
            disconnected.set()

    routes = [WebSocketRoute("/greet/{name}", Greeter), WebSocketRoute("/wrapped", Wrapped)]
    async with pe_host.client(routes) as client:
        async with client.websocket_connect("/greet/ada") as session:
            assert await session.receive_text() == "hello ada"
            await session.send_text("bye")
            with pytest.raises(WebSocketDisconnect) as closing:
                await session.receive()
            assert (closing.value.code, closing.value.reason) == (4001, "bye")
        async with client.websocket_connect("/wrapped") as session:
            await session.send_text("ping")
            assert await session.receive_text() == "ping True"
            await session.close(1000)
        with anyio.fail_after(5):
            await disconnected.wait()
    assert closed == [1000]
