"""create_app's app options: Starlette's own middleware on every host, and the clear errors of bad input."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware import Middleware as StarletteMiddleware
from starlette.middleware.cors import CORSMiddleware

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, PlainTextResponse, Request, Route
from portable_endpoints.middleware import Middleware
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import Host
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send


class Hello(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")


async def not_found(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("no such page", status_code=404)


@pytest.mark.anyio
@pytest.mark.parametrize("declaration", [StarletteMiddleware, Middleware])
async def test_starlettes_cors_middleware_on_every_host_a_404_too(pe_host: Host, declaration: Any) -> None:
    app = pe_host.app(
        [Route("/", Hello)],
        middleware=[declaration(CORSMiddleware, allow_origins=["https://example.org"])],
        exception_handlers={404: not_found},
    )
    headers = {"origin": "https://example.org"}
    async with TestClient(app) as client:
        found = await client.get("/", headers=headers)
        missing = await client.get("/nowhere", headers=headers)
        preflight = await client.options("/nowhere", headers={**headers, "access-control-request-method": "GET"})
    assert found.headers["access-control-allow-origin"] == "https://example.org"
    assert (missing.status_code, missing.text) == (404, "no such page")
    assert missing.headers["access-control-allow-origin"] == "https://example.org"
    # The preflight is answered by the middleware, before any routing.
    assert preflight.status_code == 200


async def handler(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("handled")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"exception_handlers": [(404, handler)]}, "must be a mapping"),
        ({"exception_handlers": {"404": handler}}, "must be an Exception subclass or an HTTP status code"),
        ({"exception_handlers": {KeyboardInterrupt: handler}}, "must be an Exception subclass"),
        ({"exception_handlers": {99: handler}}, "is not an HTTP status code"),
        ({"exception_handlers": {ValueError: "handler"}}, "must be callable"),
        ({"lifespan": 3}, "must be a callable taking the app"),
        ({"middleware": "CORSMiddleware"}, "must be a list of Middleware"),
        ({"middleware": Middleware(CORSMiddleware)}, "must be a list of Middleware"),
    ],
)
def test_bad_app_options_are_clear_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(pe.ConfigurationError, match=message):
        pe.create_app([Route("/", Hello)], framework="asgi", **options)


def test_mount_checks_its_exception_handlers() -> None:
    app = pe.create_app([], framework="asgi")
    with pytest.raises(pe.ConfigurationError, match="must be callable"):
        pe.mount(app, [Route("/", Hello)], exception_handlers={404: None})  # type: ignore[dict-item]


#: The installed hosts with no ``middleware`` option of their own.
WITHOUT_MIDDLEWARE_OPTION = [
    info.name for info in pe.adapters() if info.available and info.name in ("asgi", "quart", "django", "sanic")
]


@pytest.mark.parametrize("framework", WITHOUT_MIDDLEWARE_OPTION)
def test_a_host_without_a_middleware_option_refuses_other_entries(framework: str) -> None:
    with pytest.raises(pe.ConfigurationError, match="middleware"):
        pe.create_app([Route("/", Hello)], framework=framework, middleware=[CORSMiddleware])


@pytest.mark.anyio
async def test_a_handler_returning_a_non_asgi_value_for_an_unmatched_path_is_a_clear_error() -> None:
    def bad(request: Request, exc: Exception) -> Any:
        return "no"

    app = pe.create_app([], framework="asgi", exception_handlers={404: bad})
    async with TestClient(app) as client:
        with pytest.raises(TypeError, match="return a portable Response"):
            await client.get("/nowhere")


@pytest.mark.anyio
async def test_a_handler_returning_none_is_a_clear_error() -> None:
    class Raises(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            raise ValueError("boom")

    app = pe.create_app([Route("/", Raises)], framework="asgi", exception_handlers={ValueError: lambda r, e: None})
    async with TestClient(app) as client:
        with pytest.raises(TypeError, match="returned None"):
            await client.get("/")


class NoWrap:
    name = "nowrap"


def test_an_adapter_that_cannot_wrap_its_app_says_so() -> None:
    from portable_endpoints import _app
    from portable_endpoints.routing import RouteTable

    with pytest.raises(pe.ConfigurationError, match="wrap_asgi"):
        _app.install(NoWrap(), object(), RouteTable([]), middleware=[Middleware(CORSMiddleware)], lifespan=None)


class PlainApp:
    """An app of a plain class, whose adapter has no wrap_asgi and which has no asgi_app."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await PlainTextResponse("plain", status_code=404)(scope, receive, send)


class StampHeader:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-stamp", b"yes")]}
            await send(message)

        await self.app(scope, receive, stamped)


@pytest.mark.anyio
async def test_an_app_of_a_plain_class_gets_the_stack_and_stays_an_instance_of_its_class() -> None:
    from portable_endpoints import _app
    from portable_endpoints.routing import RouteTable

    app = PlainApp()
    _app.install(NoWrap(), app, RouteTable([]), middleware=[Middleware(StampHeader)], lifespan=None)
    assert isinstance(app, PlainApp)
    assert (type(app).__name__, type(app).__module__) == ("PlainApp", __name__)
    async with TestClient(app) as client:
        response = await client.get("/")
    assert (response.status_code, response.text, response.headers["x-stamp"]) == (404, "plain", "yes")


@pytest.mark.anyio
@pytest.mark.parametrize("refusal", ["returns", "raises"])
async def test_the_lifespan_runs_on_a_host_that_speaks_none(refusal: str) -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from portable_endpoints import _app
    from portable_endpoints.routing import RouteTable

    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"db": "connected"}
        events.append("shutdown")

    class NoLifespan(PlainApp):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan" and refusal == "raises":
                raise ValueError("no lifespan here")
            if scope["type"] == "http":
                await PlainTextResponse(scope["state"]["db"])(scope, receive, send)

    app = NoLifespan()
    _app.install(NoWrap(), app, RouteTable([]), middleware=[], lifespan=lifespan)
    async with TestClient(app) as client:
        assert events == ["startup"]
        assert (await client.get("/")).text == "connected"
    assert events == ["startup", "shutdown"]
