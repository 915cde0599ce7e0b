"""Litestar-only facts: native request, middleware, auth, guards, state, errors, responses, hooks, options."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from litestar import Litestar, MediaType, get
from litestar import Request as LitestarRequest
from litestar import Response as LitestarResponse
from litestar.background_tasks import BackgroundTask as LitestarBackgroundTask
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, ResponseHeader, State
from litestar.exceptions import (
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

import portable_endpoints as pe
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
from portable_endpoints.testing import TestClient, WebSocketRejected

pytestmark = pytest.mark.anyio


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(f"{type(websocket.native).__name__}: {data}")


class WhoAmI(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        native: LitestarRequest[Any, Any, Any] = request.native
        request.state.written = "portable"
        return JSONResponse(
            {
                "native": type(native).__name__,
                "user": native.user,
                "auth": native.auth,
                "state": request.state.tag,
                "same_state": native.state.written,
                "app_state": native.app.state.greeting,
            }
        )


class TokenAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        token = connection.headers.get("x-token")
        if token != "secret":
            raise NotAuthorizedException("no token")
        return AuthenticationResult(user={"name": "ada"}, auth=token)


def tag_state(app: Any) -> Any:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("state", {})["tag"] = "from-middleware"
        await app(scope, receive, send)

    return middleware


async def test_auth_middleware_state_and_the_native_request_reach_the_endpoint() -> None:
    app = pe.create_app(
        [Route("/me", WhoAmI)],
        framework="litestar",
        middleware=[DefineMiddleware(TokenAuth), tag_state],
        state=State({"greeting": "hello"}),
    )
    async with TestClient(app) as client:
        assert (await client.get("/me")).status_code == 401
        assert (await client.get("/me", headers={"x-token": "secret"})).json() == {
            "native": "Request",
            "user": {"name": "ada"},
            "auth": "secret",
            "state": "from-middleware",
            "same_state": "portable",
            "app_state": "hello",
        }
    assert isinstance(app, Litestar)


def admins_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if connection.headers.get("x-role") != "admin":
        raise PermissionDeniedException("admins only")


async def test_guards_apply_to_http_and_websocket_routes() -> None:
    routes = [Route("/me", WhoAmI), WebSocketRoute("/ws", Echo)]
    app = pe.create_app(routes, framework="litestar", guards=[admins_only], state=State({"greeting": "hi"}))
    async with TestClient(app) as client:
        response = await client.get("/me")
        assert response.status_code == 403
        assert "admins only" in response.text
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws"):
                pass
        async with client.websocket_connect("/ws", headers={"x-role": "admin"}) as ws:
            await ws.send_text("hi")
            assert (await ws.receive_text()).endswith(": hi")


async def test_http_exceptions_reach_litestars_handlers_keyed_by_exception_class() -> None:
    # Handlers keyed by status code are the suite's (test_native.py); Litestar also keys them by
    # class, so a portable error is Litestar's most specific exception class.
    def by_class(request: LitestarRequest[Any, Any, Any], exc: Exception) -> LitestarResponse[str]:
        return LitestarResponse(f"class handler {type(exc).__name__}", status_code=498, headers=exc.headers)  # type: ignore[attr-defined]

    class Refuse(HTTPEndpoint):
        async def put(self, request: Request) -> PlainTextResponse:
            raise pe.HTTPException(404)

    app = pe.create_app(
        [Route("/", Refuse)],
        framework="litestar",
        exception_handlers={NotFoundException: by_class, MethodNotAllowedException: by_class},
    )
    async with TestClient(app) as client:
        response = await client.put("/")
        assert (response.status_code, response.text) == (498, "class handler NotFoundException")
        response = await client.post("/")
        assert (response.status_code, response.text) == (498, "class handler MethodNotAllowedException")
        assert response.headers["allow"] == "PUT"


async def test_default_error_body_is_litestars() -> None:
    class Teapot(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            raise pe.HTTPException(418, "short and stout")

    async with TestClient(pe.create_app([Route("/", Teapot)], framework="litestar")) as client:
        response = await client.get("/")
        assert response.json() == {"status_code": 418, "detail": "short and stout"}
        assert response.headers["content-type"] == "application/json"


async def test_a_native_responses_own_background_task_runs_after_it() -> None:
    # That a native response passes through untouched is the suite's (test_native.py).
    ran = anyio.Event()

    async def mark() -> None:
        ran.set()

    class Native(HTTPEndpoint):
        async def get(self, request: Request) -> LitestarResponse[str]:
            return LitestarResponse("native", media_type=MediaType.TEXT, background=LitestarBackgroundTask(mark))

    async with TestClient(pe.create_app([Route("/", Native)], framework="litestar")) as client:
        assert (await client.get("/")).text == "native"
        with anyio.fail_after(5):
            await ran.wait()


class Hello(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        response = PlainTextResponse("hello", headers={"x-own": "endpoint"})
        response.set_cookie("own", "1")
        return response


async def test_layered_response_headers_and_cookies_apply_and_the_endpoints_own_win() -> None:
    app = pe.create_app(
        [Route("/", Hello)],
        framework="litestar",
        response_headers=[ResponseHeader(name="x-app", value="app"), ResponseHeader(name="x-own", value="app")],
        response_cookies=[Cookie(key="layer", value="2")],
    )
    async with TestClient(app) as client:
        for _ in range(2):  # the layers are added to a copy: nothing piles up on the endpoint's response
            response = await client.get("/")
            assert response.headers.getlist("x-own") == ["endpoint"]
            assert response.headers["x-app"] == "app"
            assert len(response.headers.getlist("set-cookie")) == 2
            assert response.cookies == {"own": "1", "layer": "2"}


async def test_after_request_hooks_get_a_litestar_response_they_can_change() -> None:
    seen: list[Any] = []

    async def after_request(response: LitestarResponse[Any]) -> LitestarResponse[Any]:
        seen.append((isinstance(response, LitestarResponse), response.status_code, response.media_type))
        response.set_header("x-after", "1")
        response.set_cookie("after", "yes")
        response.status_code = 203
        return response

    async with TestClient(pe.create_app([Route("/", Hello)], framework="litestar", after_request=after_request)) as c:
        response = await c.get("/")
    assert seen == [(True, 200, "text/plain")]
    assert (response.status_code, response.text) == (203, "hello")
    assert response.headers["x-after"] == "1"
    assert response.cookies == {"own": "1", "after": "yes"}


async def test_create_app_passes_native_options_through() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        events.append("up")
        yield
        events.append("down")

    @get("/native", media_type=MediaType.TEXT)
    async def native() -> str:
        return "native handler"

    app = pe.create_app(
        [Route("/", Hello)], framework="litestar", debug=True, lifespan=[lifespan], route_handlers=[native]
    )
    assert app.debug is True
    async with TestClient(app) as client:
        assert events == ["up"]
        assert (await client.get("/")).text == "hello"
        assert (await client.get("/native")).text == "native handler"
    assert events == ["up", "down"]


async def test_returning_something_that_is_not_a_response_is_a_clear_error() -> None:
    errors: list[Exception] = []

    async def record(exc: Exception, scope: Any) -> None:
        errors.append(exc)

    class Wrong(HTTPEndpoint):
        async def get(self, request: Request) -> Any:
            return {"not": "a response"}

    app = pe.create_app([Route("/", Wrong)], framework="litestar", after_exception=[record])
    async with TestClient(app) as client:
        assert (await client.get("/")).status_code == 500
    assert isinstance(errors[0], TypeError)
    assert "'Wrong' returned {'not': 'a response'}; return a Response" in str(errors[0])
