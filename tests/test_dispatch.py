"""The one dispatch path (``portable_endpoints.hosting``): verb tables, 405, threads, the outcome."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from portable_endpoints import ConfigurationError, HTTPEndpoint, HTTPException, PlainTextResponse, Request, Route
from portable_endpoints.background import BackgroundTask
from portable_endpoints.hosting import (
    HTTP_METHODS,
    Dispatcher,
    class_verbs,
    function_verbs,
    plain_error,
    plain_parts,
    run_endpoint,
)
from portable_endpoints.requests import ClientDisconnect, read_asgi_body
from portable_endpoints.responses import StreamingResponse
from portable_endpoints.types import Message

pytestmark = pytest.mark.anyio


def request(method: str = "GET", messages: list[Message] | None = None, **kwargs: Any) -> Request[None]:
    pending = list(messages or [{"type": "http.request", "body": b""}])

    async def receive() -> Message:
        return pending.pop(0)

    scope = {"type": "http", "method": method, "path": "/", "headers": kwargs.pop("headers", [])}
    return Request(scope, receive, **kwargs)


class Verbs(HTTPEndpoint):
    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("post")

    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("get")

    def delete(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(threading.current_thread().name)

    async def _helper(self, request: Request) -> PlainTextResponse:
        raise AssertionError("never dispatched")


def test_class_verbs_follow_starlettes_order_and_head_falls_back_to_get() -> None:
    assert class_verbs(Verbs) == (("GET", "get"), ("HEAD", "get"), ("POST", "post"), ("DELETE", "delete"))
    assert Dispatcher(Verbs).allow == "GET, HEAD, POST, DELETE"


def test_function_verbs() -> None:
    assert function_verbs(None) == ("GET", "HEAD")
    assert function_verbs(["post", "get"]) == ("GET", "HEAD", "POST")
    assert function_verbs(["QUERY"]) == ("QUERY",)
    with pytest.raises(ValueError, match="Unsupported HTTP methods"):
        function_verbs(["FETCH"])
    assert HTTP_METHODS[-1] == "QUERY"


def test_dispatching_writes_nothing_onto_the_users_class() -> None:
    before = dict(vars(Verbs))
    Route("/", Verbs)
    Dispatcher(Verbs)
    assert dict(vars(Verbs)) == before


async def test_unserved_and_unknown_verbs_are_a_405_with_allow() -> None:
    dispatcher = Dispatcher(Verbs)
    for method in ("PUT", "_HELPER", "FOO"):
        with pytest.raises(HTTPException) as caught:
            await dispatcher(request(method))
        assert caught.value.status_code == 405
        assert caught.value.headers == {"Allow": "GET, HEAD, POST, DELETE"}


async def test_an_any_method_dispatcher_takes_every_method() -> None:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.method)

    dispatcher = Dispatcher(echo, methods=HTTP_METHODS, any_method=True)
    for method in ("GET", "QUERY", "PROPFIND", "FOO"):
        assert method in dispatcher.method_set
        assert (await dispatcher(request(method))).body == method.encode()
    assert dispatcher.methods == HTTP_METHODS  # what the route lists (schemas, the CLI)
    assert "FOO" not in Dispatcher(echo).method_set
    assert "FOO" in Route("/", OwnDispatch).method_set
    assert "FOO" not in Route("/", Verbs).method_set


class OwnDispatch(HTTPEndpoint):
    async def dispatch(self) -> None:
        await PlainTextResponse(self.scope["method"])(self.scope, self.receive, self.send)


def test_any_method_is_for_function_endpoints() -> None:
    with pytest.raises(ConfigurationError, match="any_method applies to function endpoints"):
        Dispatcher(Verbs, any_method=True)


async def test_sync_handlers_run_in_a_worker_thread() -> None:
    response = await Dispatcher(Verbs)(request("DELETE"))
    assert response.body != threading.current_thread().name.encode()


async def test_run_endpoint_translates_every_outcome() -> None:
    async def returns_text(request: Request) -> str:
        return "not a response"

    async def raises(request: Request) -> None:
        raise HTTPException(418, "teapot")

    async def reads_body(request: Request) -> PlainTextResponse:
        await request.body()
        return PlainTextResponse("unreachable")

    native = object()
    with pytest.raises(TypeError, match=r"Endpoint 'text' returned 'not a response'; return a Response"):
        await run_endpoint(Dispatcher(returns_text, name="text"), request(), http_error=plain_error)
    error = await run_endpoint(Dispatcher(raises), request(), http_error=lambda exc: ("native error", exc.detail))
    assert error == ("native error", "teapot")
    gone = request(messages=[{"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"}])
    assert await run_endpoint(Dispatcher(reads_body, methods=["POST"]), request("POST"), http_error=plain_error)
    assert await run_endpoint(Dispatcher(reads_body), gone, http_error=plain_error) is None

    async def returns_native(request: Request) -> object:
        return native

    outcome = await run_endpoint(
        Dispatcher(returns_native), request(), http_error=plain_error, is_native_response=lambda v: v is native
    )
    assert outcome is native


async def test_plain_error_has_no_body_for_204_and_304() -> None:
    assert plain_error(HTTPException(304, headers={"etag": '"x"'})).body == b""
    assert plain_error(HTTPException(404)).body == b"Not Found"


async def test_the_body_primitive_applies_its_limit() -> None:
    chunks: list[Message] = [{"type": "http.request", "body": b"12345", "more_body": True}]
    chunks.append({"type": "http.request", "body": b"678"})
    assert await read_asgi_body(request(messages=list(chunks)).receive) == b"12345678"
    with pytest.raises(HTTPException) as caught:
        await read_asgi_body(request(messages=list(chunks)).receive, 6)
    assert caught.value.status_code == 413
    with pytest.raises(ClientDisconnect):
        await read_asgi_body(request(messages=[{"type": "http.disconnect"}]).receive)


async def test_max_body_size_refuses_a_declared_length_before_reading() -> None:
    def never() -> Any:
        raise AssertionError("read although the declared length is over the limit")

    oversized = request(headers=[(b"content-length", b"100")], max_body_size=10)
    oversized.receive = never
    with pytest.raises(HTTPException) as caught:
        await oversized.body()
    assert caught.value.status_code == 413


async def test_max_body_size_cuts_a_stream_off_as_it_passes_the_limit() -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"x" * 8, "more_body": True} for _ in range(3)]
    read = []

    async def consume() -> None:
        async for chunk in request(messages=messages, max_body_size=10).stream():
            read.append(chunk)

    with pytest.raises(HTTPException) as caught:
        await consume()
    assert caught.value.status_code == 413
    assert read == [b"x" * 8]


async def test_body_chunks_of_a_host_keep_the_cores_rules() -> None:
    async def chunks() -> Any:
        yield b"ab"
        yield b"cd"

    req = request(body_chunks=chunks, max_body_size=3)
    with pytest.raises(HTTPException):
        await req.body()
    req = request(body_chunks=chunks)
    assert [chunk async for chunk in req.stream()] == [b"ab", b"cd", b""]
    with pytest.raises(RuntimeError, match="Stream consumed"):
        await req.body()


async def test_native_is_built_on_first_access_only() -> None:
    built = []

    def factory() -> str:
        built.append(1)
        return "native"

    req: Request[str] = Request({"type": "http"}, native_factory=factory)
    assert built == []
    assert req.native == "native"
    assert req.native == "native"
    assert built == [1]


def test_a_route_path_is_parsed_once_for_every_adapter() -> None:
    from portable_endpoints.routing import CompiledPath, PathParam

    path = CompiledPath("/files/{name}.{ext:str}/{rest:path}")
    assert [part if isinstance(part, str) else (part.name, part.kind) for part in path.parts] == [
        "/files/",
        ("name", "str"),
        ".",
        ("ext", "str"),
        "/",
        ("rest", "path"),
    ]
    assert [len(segment) for segment in path.segments] == [0, 1, 3, 1]
    assert path.template(lambda param: f"<{param.kind}:{param.name}>") == "/files/<str:name>.<str:ext>/<path:rest>"
    assert isinstance(path.parts[1], PathParam)
    assert path.parts[1].convertor.regex == "[^/]+"


def test_plain_parts_are_what_a_plain_response_sends() -> None:
    get, head = {"type": "http", "method": "GET"}, {"type": "http", "method": "HEAD"}
    response = PlainTextResponse("hi", status_code=201, headers={"x-a": "1"})
    assert plain_parts(response, get) == (201, response.raw_headers, b"hi")
    assert plain_parts(response, head) == (201, response.raw_headers, b"")
    # Anything not sent as exactly those two messages is sent by calling it.
    assert plain_parts(PlainTextResponse("hi", background=BackgroundTask(print)), get) is None
    assert plain_parts(StreamingResponse(iter([b"a"])), get) is None
    assert plain_parts(plain_error, get) is None
