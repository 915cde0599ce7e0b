"""``start_app``: an ASGI app run until its first message, then handed the host's ``send``; what
happens to the app when the host gives up on it at either stage. Where the host sends the response
on the request's ``send`` at once, the app runs inline instead, with the same outcomes."""

from __future__ import annotations

import asyncio
import gc

import pytest

from portable_endpoints._handover import catch_http_errors, raise_http_errors, start_app
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.requests import Request
from portable_endpoints.types import Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def http_scope() -> Scope:
    return {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}


async def no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def host_send(message: Message) -> None:
    raise AssertionError("the host's send of the request is not the app's before the handover")


class HandedOverRequest(Request[None]):
    """A request whose host sends the response through a channel of its own, later."""

    __slots__ = ()
    sends_response_at_once = False


def request() -> Request[None]:
    return HandedOverRequest(http_scope(), no_body, host_send)


async def test_the_app_answers_through_the_send_it_is_handed() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: Message) -> None:
        sent.append(message)

    response = await start_app(app, http_scope(), request())
    assert sent == []
    await response(http_scope(), no_body, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]


async def test_an_http_exception_before_the_first_message_comes_out_of_start_app() -> None:
    class Foreign(Exception):
        status_code, detail, headers = 418, "teapot", {"x-why": "tea"}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise Foreign

    with pytest.raises(HTTPException) as raised:
        await start_app(app, http_scope(), request())
    assert (raised.value.status_code, raised.value.detail, raised.value.headers) == (418, "teapot", {"x-why": "tea"})
    assert isinstance(raised.value.__cause__, Foreign)


async def test_a_response_dropped_unsent_cancels_the_app() -> None:
    cancelled = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        except asyncio.CancelledError:
            cancelled.set()
            raise

    response = await start_app(app, http_scope(), request())
    del response
    gc.collect()
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_cancelled_before_the_first_message_the_app_is_cancelled() -> None:
    cancelled = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    starting = asyncio.ensure_future(start_app(app, http_scope(), request()))
    await asyncio.sleep(0.01)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    await asyncio.wait_for(cancelled.wait(), 5)


def test_only_the_app_a_portable_mount_serves_may_raise() -> None:
    scope = http_scope()
    assert not raise_http_errors(scope)
    catch_http_errors(scope)
    assert raise_http_errors(scope)
    # A Starlette app in between sets its own handlers: what is raised below it is its to answer.
    scope["starlette.exception_handlers"] = ({}, {})
    assert not raise_http_errors(scope)


async def test_inline_the_app_answers_on_the_requests_send_during_start_app() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: Message) -> None:
        sent.append(message)

    response = await start_app(app, http_scope(), Request(http_scope(), no_body, send))
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    await response(http_scope(), no_body, host_send)  # nothing left to send
    assert len(sent) == 2


async def test_inline_an_http_exception_before_the_first_message_comes_out_of_start_app() -> None:
    class Foreign(Exception):
        status_code, detail, headers = 418, "teapot", {"x-why": "tea"}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise Foreign

    with pytest.raises(HTTPException) as raised:
        await start_app(app, http_scope(), Request(http_scope(), no_body, host_send))
    assert (raised.value.status_code, raised.value.detail, raised.value.headers) == (418, "teapot", {"x-why": "tea"})
    assert isinstance(raised.value.__cause__, Foreign)


async def test_inline_an_exception_after_the_first_message_comes_out_where_the_response_is_sent() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HTTPException(404)

    async def send(message: Message) -> None:
        sent.append(message)

    response = await start_app(app, http_scope(), Request(http_scope(), no_body, send))
    assert len(sent) == 1
    with pytest.raises(HTTPException) as raised:
        await response(http_scope(), no_body, send)
    assert raised.value.status_code == 404
