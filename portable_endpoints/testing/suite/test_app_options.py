"""The app around the routes, as Starlette's: ``create_app(middleware=, lifespan=, exception_handlers=)``,
``pe.mount(exception_handlers=)`` and ``request.app.state``, on every host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.base import BaseHTTPMiddleware
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import NATIVE_PATH, NATIVE_TEXT, Host
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


class StampHeader:
    """A pure-ASGI middleware: adds ``x-stamp: <value>`` to every HTTP response (and records order)."""

    def __init__(self, app: ASGIApp, value: str, seen: list[str] | None = None) -> None:
        self.app = app
        self.value = value
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.seen is not None:
            self.seen.append(self.value)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-stamp", self.value.encode())]}
            await send(message)

        await self.app(scope, receive, stamped)


class RefuseHost:
    """A pure-ASGI middleware refusing, before any routing, a request whose Host is not ``allowed``."""

    def __init__(self, app: ASGIApp, allowed: str) -> None:
        self.app = app
        self.allowed = allowed.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"host") != self.allowed:
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Hello(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")


class Teapot(Exception):
    pass


class LoudTeapot(Teapot):
    pass


class Raises(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        kind = request.query_params["kind"]
        if kind == "teapot":
            raise Teapot("short and stout")
        if kind == "loud":
            raise LoudTeapot("LOUD")
        if kind == "value":
            raise ValueError("bad value")
        if kind == "returned-404":
            return PlainTextResponse("my own 404", status_code=404)
        raise HTTPException(int(kind), detail=f"detail {kind}")


async def teapot_handler(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"teapot handled: {exc} at {request.url.path}", status_code=418)


def status_handler(request: Request, exc: Exception) -> JSONResponse:  # sync: runs in a worker thread
    assert isinstance(exc, HTTPException)
    return JSONResponse({"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)


async def server_error_handler(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"server error: {exc!r}", status_code=500)


# -- middleware ---------------------------------------------------------------------------------


async def test_middleware_wraps_the_whole_app_unmatched_paths_too(pe_host: Host) -> None:
    app = pe_host.app([Route("/", Hello)], middleware=[Middleware(StampHeader, "outer")])
    async with TestClient(app) as client:
        found = await client.get("/")
        missing = await client.get("/nowhere")
    assert (found.status_code, found.text, found.headers["x-stamp"]) == (200, "hello", "outer")
    assert missing.status_code == 404
    assert missing.headers["x-stamp"] == "outer"


async def test_middleware_order_is_starlettes_first_outermost(pe_host: Host) -> None:
    seen: list[str] = []
    middleware = [Middleware(StampHeader, "first", seen), Middleware(StampHeader, value="second", seen=seen)]
    app = pe_host.app([Route("/", Hello)], middleware=middleware)
    async with TestClient(app) as client:
        response = await client.get("/")
    assert seen == ["first", "second"]
    # The innermost adds its header first.
    assert response.headers.getlist("x-stamp") == ["second", "first"]


async def test_middleware_refuses_before_routing(pe_host: Host) -> None:
    app = pe_host.app([Route("/", Hello)], middleware=[Middleware(RefuseHost, allowed="good.example")])
    async with TestClient(app, base_url="http://bad.example") as client:
        refused = await client.get("/")
        refused_missing = await client.get("/nowhere")
    async with TestClient(app, base_url="http://good.example") as client:
        allowed = await client.get("/")
    assert (refused.status_code, refused.text) == (400, "Invalid host header")
    assert (refused_missing.status_code, refused_missing.text) == (400, "Invalid host header")
    assert (allowed.status_code, allowed.text) == (200, "hello")


class RecordScopes:
    """A pure-ASGI middleware recording the type of every scope it sees."""

    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(scope["type"])
        await self.app(scope, receive, send)


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(data)


async def test_middleware_sees_websockets_too(pe_host: Host) -> None:
    seen: list[str] = []
    app = pe_host.app([WebSocketRoute("/ws", Echo)], middleware=[Middleware(RecordScopes, seen)])
    async with TestClient(app) as client, client.websocket_connect("/ws") as websocket:
        await websocket.send_text("hi")
        assert await websocket.receive_text() == "hi"
    assert "websocket" in seen


# -- lifespan -----------------------------------------------------------------------------------


class LifespanProbe(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        before = getattr(request.state, "scratch", None)
        request.state.scratch = "set by an earlier request"
        events = request.state.events
        return JSONResponse({"events": list(events), "scratch_before": before, "db": request.state.db})


async def test_lifespan_runs_around_the_app_and_its_state_reaches_each_request(pe_host: Host) -> None:
    events: list[str] = []
    apps: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        apps.append(app)
        events.append("startup")
        yield {"events": events, "db": "connected"}
        events.append("shutdown")

    app = pe_host.app([Route("/", LifespanProbe)], lifespan=lifespan)
    async with TestClient(app) as client:
        first = (await client.get("/")).json()
        second = (await client.get("/")).json()
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]
    assert apps == [app]
    assert first == {"events": ["startup"], "scratch_before": None, "db": "connected"}
    # A shallow copy per request: what one request sets is not the next one's.
    assert second["scratch_before"] is None


async def test_lifespan_yielding_nothing_is_fine(pe_host: Host) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = pe_host.app([Route("/", Hello)], lifespan=lifespan)
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "hello"
    assert events == ["startup", "shutdown"]


async def test_a_failing_lifespan_startup_fails_the_start(pe_host: Host) -> None:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield  # pragma: no cover

    app = pe_host.app([Route("/", Hello)], lifespan=lifespan)
    with pytest.raises(RuntimeError, match="Lifespan startup failed"):
        async with TestClient(app):
            pass  # pragma: no cover


# -- exception handlers -------------------------------------------------------------------------

HANDLERS: dict[Any, Any] = {Teapot: teapot_handler, 403: status_handler, 404: status_handler}


async def test_exception_handlers_answer_what_endpoints_raise(pe_host: Host) -> None:
    app = pe_host.app([Route("/raise", Raises)], exception_handlers=HANDLERS)
    async with TestClient(app) as client:
        teapot = await client.get("/raise?kind=teapot")
        loud = await client.get("/raise?kind=loud")
        forbidden = await client.get("/raise?kind=403")
        not_found = await client.get("/raise?kind=404")
        unhandled = await client.get("/raise?kind=409")
    assert (teapot.status_code, teapot.text) == (418, "teapot handled: short and stout at /raise")
    # The nearest class of the exception's MRO.
    assert (loud.status_code, loud.text) == (418, "teapot handled: LOUD at /raise")
    assert (forbidden.status_code, forbidden.json()) == (403, {"status": 403, "detail": "detail 403"})
    assert (not_found.status_code, not_found.json()) == (404, {"status": 404, "detail": "detail 404"})
    # No handler: the host's own error, as without exception_handlers.
    assert unhandled.status_code == 409


async def test_the_404_handler_answers_paths_no_route_matches(pe_host: Host) -> None:
    middleware = [Middleware(StampHeader, "outer")]
    app = pe_host.app(
        [Route("/raise", Raises)], exception_handlers=HANDLERS, middleware=middleware, redirect_slashes=False
    )
    async with TestClient(app) as client:
        missing = await client.get("/nowhere")
        head = await client.head("/nowhere")
        returned = await client.get("/raise?kind=returned-404")
    assert (missing.status_code, missing.json()) == (404, {"status": 404, "detail": "Not Found"})
    # Inside the app's middleware, as Starlette's ExceptionMiddleware.
    assert missing.headers["x-stamp"] == "outer"
    assert (head.status_code, head.content) == (404, b"")
    # A 404 the endpoint returns is its response, not the host's not-found.
    assert (returned.status_code, returned.text) == (404, "my own 404")


async def test_the_500_handler_answers_any_other_exception(pe_host: Host) -> None:
    handlers = {**HANDLERS, 500: server_error_handler}
    app = pe_host.app([Route("/raise", Raises)], exception_handlers=handlers)
    # As Starlette's TestClient(app, raise_server_exceptions=False): the exception is re-raised to
    # the server after the handler's response (next test).
    async with TestClient(app, raise_app_exceptions=False) as client:
        error = await client.get("/raise?kind=value")
        teapot = await client.get("/raise?kind=teapot")
        http_500 = await client.get("/raise?kind=500")
    assert (error.status_code, error.text) == (500, "server error: ValueError('bad value')")
    assert teapot.status_code == 418
    # As Starlette: the 500 handler is the server-error handler, not HTTPException(500)'s.
    assert http_500.status_code == 500
    assert http_500.text != "server error: HTTPException(status_code=500, detail='detail 500')"


async def test_the_exception_reaches_the_server_after_the_500_handlers_answer(pe_host: Host) -> None:
    """Starlette's ``ServerErrorMiddleware`` answers, then re-raises: the server logs it, and a
    test client that raises app exceptions raises it in the test (this one, once the response is
    in: at the latest when the client closes)."""
    app = pe_host.app([Route("/raise", Raises)], exception_handlers={500: server_error_handler})
    async with TestClient(app) as client:
        conflict = await client.get("/raise?kind=409")  # an HTTPException is no server error
    assert conflict.status_code == 409
    with pytest.raises(ValueError, match="bad value"):
        async with TestClient(app) as client:
            await client.get("/raise?kind=value")


async def test_the_500_answer_goes_out_around_the_middleware_which_sees_the_exception(pe_host: Host) -> None:
    """Starlette's order: the middleware sees the endpoint's exception raised through it, and the
    500 handler's answer is sent outside them (a header-adding middleware never adds to it)."""
    caught: list[str] = []

    class Recover(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Any) -> Any:
            try:
                return await call_next(request)
            except LookupError as exc:
                caught.append(repr(exc))
                return JSONResponse({"recovered": str(exc)}, status_code=503)

    class Faults(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            if request.query_params["kind"] == "lookup":
                raise KeyError("missing")
            raise ValueError("bad value")

    middleware = [Middleware(StampHeader, "outer"), Middleware(Recover)]
    app = pe_host.app([Route("/fault", Faults)], middleware=middleware, exception_handlers={500: server_error_handler})
    async with TestClient(app, raise_app_exceptions=False) as client:
        recovered = await client.get("/fault?kind=lookup")
        error = await client.get("/fault?kind=value")
    assert (recovered.status_code, recovered.json()) == (503, {"recovered": "'missing'"})
    assert recovered.headers["x-stamp"] == "outer"
    assert caught == ["KeyError('missing')"]
    assert (error.status_code, error.text) == (500, "server error: ValueError('bad value')")
    assert "x-stamp" not in error.headers


async def test_with_middleware_and_no_500_handler_the_answer_is_a_plain_500(pe_host: Host) -> None:
    app = pe_host.app([Route("/raise", Raises)], middleware=[Middleware(StampHeader, "outer")])
    async with TestClient(app, raise_app_exceptions=False) as client:
        error = await client.get("/raise?kind=value")
    assert (error.status_code, error.text) == (500, "Internal Server Error")
    assert "x-stamp" not in error.headers
    with pytest.raises(ValueError, match="bad value"):
        async with TestClient(app) as client:
            await client.get("/raise?kind=value")


async def test_an_exception_class_handler_beats_the_exception_handler(pe_host: Host) -> None:
    app = pe_host.app(
        [Route("/raise", Raises)], exception_handlers={Exception: server_error_handler, Teapot: teapot_handler}
    )
    async with TestClient(app, raise_app_exceptions=False) as client:
        teapot = await client.get("/raise?kind=teapot")
        error = await client.get("/raise?kind=value")
    assert teapot.status_code == 418
    assert (error.status_code, error.text) == (500, "server error: ValueError('bad value')")


async def test_without_a_handler_an_endpoint_exception_still_escapes(pe_host: Host) -> None:
    app = pe_host.app([Route("/raise", Raises)], exception_handlers={Teapot: teapot_handler})
    async with TestClient(app, raise_app_exceptions=False) as client:
        response = await client.get("/raise?kind=value")
    assert response.status_code == 500


async def test_mount_takes_exception_handlers_for_its_routes(pe_host: Host) -> None:
    kit = pe_host.native_kit
    app = (
        pe_host.app([Route(NATIVE_PATH, Hello)]) if kit is None else kit.app_with_native_route(NATIVE_PATH, NATIVE_TEXT)
    )
    pe.mount(app, [Route("/raise", Raises)], prefix="/v1", exception_handlers=HANDLERS)
    async with TestClient(app) as client:
        teapot = await client.get("/v1/raise?kind=teapot")
        forbidden = await client.get("/v1/raise?kind=403")
        native = await client.get(NATIVE_PATH)
    assert (teapot.status_code, teapot.text) == (418, "teapot handled: short and stout at /v1/raise")
    assert (forbidden.status_code, forbidden.json()) == (403, {"status": 403, "detail": "detail 403"})
    assert native.status_code == 200


async def test_a_handler_may_return_the_hosts_own_response(pe_host: Host) -> None:
    kit = pe_host.native_kit

    def native_handler(request: Request, exc: Exception) -> Any:
        headers = {"x-native": "yes"}
        if kit is None:  # a host without native objects (asgi): any ASGI response is its own
            return PlainTextResponse("native teapot", status_code=418, headers=headers)
        return kit.native_response("native teapot", status_code=418, headers=headers, cookies={})

    app = pe_host.app([Route("/raise", Raises)], exception_handlers={Teapot: native_handler})
    async with TestClient(app) as client:
        response = await client.get("/raise?kind=teapot")
    assert (response.status_code, response.text, response.headers["x-native"]) == (418, "native teapot", "yes")


# -- app.state ----------------------------------------------------------------------------------


class AppState(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{request.app.state.greeting} from {type(request.app).__name__}")


async def test_request_app_is_the_hosts_app_with_a_state(pe_host: Host) -> None:
    app = pe_host.app([Route("/", AppState)])
    app.state.greeting = "hi"
    async with TestClient(app) as client:
        response = await client.get("/")
    assert response.text == f"hi from {type(app).__name__}"


class StateAndApp(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{request.state.db} {request.app.state.greeting}")


async def test_routes_mounted_later_see_the_apps_lifespan_state_and_state(pe_host: Host) -> None:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        yield {"db": "connected"}

    app = pe_host.app([Route("/", StateAndApp)], lifespan=lifespan)
    pe.mount(app, [Route("/more", StateAndApp)], prefix="/v1")
    app.state.greeting = "hi"
    async with TestClient(app) as client:
        first = await client.get("/")
        mounted = await client.get("/v1/more")
    assert (first.text, mounted.text) == ("connected hi", "connected hi")
