"""The portable middleware (``portable_endpoints.middleware``) around a host's app, on every host.

Each test wraps the app ``create_app`` returns in the middleware from outside, as plain ASGI
(``wrap(app, [Middleware(...)])``), and checks on the client side what Starlette's middleware does.
"""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from portable_endpoints import (
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    Route,
    StreamingResponse,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.middleware import Middleware, wrap
from portable_endpoints.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from portable_endpoints.middleware.cors import CORSMiddleware
from portable_endpoints.middleware.gzip import GZipMiddleware
from portable_endpoints.middleware.httpsredirect import HTTPSRedirectMiddleware
from portable_endpoints.middleware.sessions import Session, SessionMiddleware
from portable_endpoints.middleware.trustedhost import TrustedHostMiddleware
from portable_endpoints.testing import TestClient, WebSocketRejected
from portable_endpoints.testing.plugin import Host
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


async def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Homepage")


def wrapped(pe_host: Host, routes: list[Any], *middleware: Middleware) -> ASGIApp:
    app: ASGIApp = wrap(pe_host.app(routes), middleware)
    return app


async def test_cors_preflight_and_simple_requests(pe_host: Host) -> None:
    app = wrapped(
        pe_host,
        [Route("/", homepage, methods=["GET", "POST"])],
        Middleware(
            CORSMiddleware,
            allow_origins=["https://example.org"],
            allow_methods=["GET", "POST"],
            allow_headers=["X-Token"],
            allow_credentials=True,
            expose_headers=["X-Total"],
            max_age=60,
        ),
    )
    async with TestClient(app) as client:
        preflight = {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Token",
        }
        response = await client.options("/", headers=preflight)
        assert response.status_code == 200
        assert response.text == "OK"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["access-control-allow-methods"] == "GET, POST"
        assert response.headers["access-control-allow-headers"] == (
            "Accept, Accept-Language, Content-Language, Content-Type, X-Token"
        )
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["access-control-max-age"] == "60"

        refused = await client.options("/", headers={**preflight, "Origin": "https://evil.example"})
        assert refused.status_code == 400
        assert refused.text == "Disallowed CORS origin"

        response = await client.get("/", headers={"Origin": "https://example.org"})
        assert response.status_code == 200
        assert response.text == "Homepage"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["access-control-expose-headers"] == "X-Total"
        assert "Origin" in response.headers["vary"]

        response = await client.get("/", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers


async def test_gzip_compresses_a_large_body_and_leaves_a_small_one(pe_host: Host) -> None:
    async def large(request: Request) -> PlainTextResponse:
        return PlainTextResponse("x" * 4000)

    app = wrapped(pe_host, [Route("/large", large), Route("/small", homepage)], Middleware(GZipMiddleware))
    async with TestClient(app) as client:
        response = await client.get("/large", headers={"accept-encoding": "gzip"})
        assert response.status_code == 200
        assert response.text == "x" * 4000  # the client decodes gzip, as httpx
        assert response.headers["content-encoding"] == "gzip"
        assert int(response.headers["content-length"]) < 4000
        assert "Accept-Encoding" in response.headers["vary"]

        response = await client.get("/large", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in response.headers
        assert int(response.headers["content-length"]) == 4000

        response = await client.get("/small", headers={"accept-encoding": "gzip"})
        assert response.text == "Homepage"
        assert "content-encoding" not in response.headers


class BodyRecorder:
    """Records the body messages the wrapped app sends, as the server would get them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.chunks: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                self.chunks.append(bytes(message["body"]))
            await send(message)

        await self.app(scope, receive, recording_send)


async def test_gzip_compresses_a_stream_chunk_by_chunk_and_not_an_event_stream(pe_host: Host) -> None:
    async def stream(request: Request) -> StreamingResponse:
        async def chunks() -> Any:
            for _ in range(10):
                yield b"x" * 400

        media_type = request.query_params.get("type", "text/plain")
        return StreamingResponse(chunks(), media_type=media_type)

    recorder = BodyRecorder(wrapped(pe_host, [Route("/stream", stream)], Middleware(GZipMiddleware)))
    async with TestClient(recorder) as client:
        response = await client.get("/stream", headers={"accept-encoding": "gzip"})
        assert response.status_code == 200
        assert response.text == "x" * 4000
        assert response.headers["content-encoding"] == "gzip"
        assert "content-length" not in response.headers
        # Each chunk is compressed and flushed as it comes: the first alone decodes to a prefix.
        assert len(recorder.chunks) > 1
        first = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(recorder.chunks[0])
        assert first
        assert set(first) == {ord("x")}

        recorder.chunks.clear()
        response = await client.get("/stream?type=text/event-stream", headers={"accept-encoding": "gzip"})
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert response.text == "x" * 4000
        assert recorder.chunks[0] == b"x" * 400  # sent as it comes, not held back


async def test_session_is_set_read_back_and_cleared(pe_host: Host) -> None:
    async def view(request: Request) -> JSONResponse:
        session = request.session
        return JSONResponse({"session": dict(session), "portable": isinstance(session, Session)})

    async def update(request: Request) -> JSONResponse:
        request.session.update(await request.json())
        return JSONResponse({"session": dict(request.session)})

    async def clear(request: Request) -> JSONResponse:
        request.session.clear()
        return JSONResponse({"session": dict(request.session)})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        session = websocket.session
        await websocket.send_json({"session": dict(session), "portable": isinstance(session, Session)})
        await websocket.close()

    routes = [
        Route("/view", view),
        Route("/update", update, methods=["POST"]),
        Route("/clear", clear, methods=["POST"]),
        WebSocketRoute("/ws", socket),
    ]
    app = wrapped(pe_host, routes, Middleware(SessionMiddleware, secret_key="example", max_age=3600))
    async with TestClient(app) as client:
        response = await client.get("/view")
        assert response.json() == {"session": {}, "portable": True}
        assert "set-cookie" not in response.headers

        response = await client.post("/update", json={"some": "data"})
        assert response.json() == {"session": {"some": "data"}}
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("session=")
        assert "path=/; Max-Age=3600; httponly; samesite=lax" in cookie

        response = await client.get("/view")  # the client sends the cookie back
        assert response.json() == {"session": {"some": "data"}, "portable": True}
        assert response.headers["vary"] == "Cookie"

        async with client.websocket_connect("/ws") as websocket:
            assert await websocket.receive_json() == {"session": {"some": "data"}, "portable": True}

        response = await client.post("/clear")
        assert response.json() == {"session": {}}
        assert response.headers["set-cookie"].startswith("session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT")

        response = await client.get("/view")
        assert response.json() == {"session": {}, "portable": True}


async def test_trusted_host_refuses_other_hosts(pe_host: Host) -> None:
    app = wrapped(pe_host, [Route("/", homepage)], Middleware(TrustedHostMiddleware, allowed_hosts=["testserver"]))
    async with TestClient(app) as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert response.text == "Homepage"
    async with TestClient(app, base_url="http://evil.example") as client:
        response = await client.get("/")
        assert response.status_code == 400
        assert response.text == "Invalid host header"


async def test_https_redirect(pe_host: Host) -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    app = wrapped(pe_host, [Route("/", homepage), WebSocketRoute("/ws", socket)], Middleware(HTTPSRedirectMiddleware))
    async with TestClient(app) as client:
        response = await client.get("/?q=1")
        assert response.status_code == 307
        assert response.headers["location"] == "https://testserver/?q=1"
        # A WebSocket handshake gets the redirect as a denial response, to wss.
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/ws"):
                pass
        assert rejected.value.status_code == 307
        assert rejected.value.headers["location"] == "wss://testserver/ws"
    async with TestClient(app, base_url="https://testserver") as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert response.text == "Homepage"


class UserMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.user = "ada"
        response = await call_next(request)
        response.headers["X-User"] = request.state.user
        response.headers["X-Seen-By-Endpoint"] = request.state.seen
        return response


async def test_base_http_middleware_shares_request_state_with_the_endpoint(pe_host: Host) -> None:
    async def whoami(request: Request) -> PlainTextResponse:
        request.state.seen = "yes"
        return PlainTextResponse(request.state.user)

    app = wrapped(pe_host, [Route("/", whoami)], Middleware(UserMiddleware))
    async with TestClient(app) as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert response.text == "ada"
        assert response.headers["x-user"] == "ada"
        assert response.headers["x-seen-by-endpoint"] == "yes"


def state_middleware(app: ASGIApp) -> ASGIApp:
    async def with_user(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["user"] = "ada"
        await app(scope, receive, send)

    return with_user


async def test_websocket_state_comes_from_the_scope(pe_host: Host) -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.state.user)
        await websocket.close()

    app = wrapped(pe_host, [WebSocketRoute("/ws", socket)], Middleware(state_middleware))
    async with TestClient(app) as client:
        async with client.websocket_connect("/ws") as websocket:
            assert await websocket.receive_text() == "ada"
