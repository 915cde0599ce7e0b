"""One test per Django / Channels internal the adapter touches (``_compat``): a release that moves one fails here."""

from __future__ import annotations

import tempfile
from typing import Any, cast

import pytest
from channels.routing import URLRouter
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpResponse
from django.urls import path
from portable_endpoints_django import _compat

import portable_endpoints as pe
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def configured() -> None:
    pe.create_app([], framework="django")  # settings configured, Django set up


def _request(body: bytes, max_size: int) -> ASGIRequest:
    spool = tempfile.SpooledTemporaryFile(max_size=max_size, mode="w+b")  # noqa: SIM115  # the request closes it
    spool.write(body)
    spool.seek(0)
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": []}
    return ASGIRequest(scope, spool)


def test_body_is_on_disk_reads_the_handlers_spooled_file() -> None:
    for body, on_disk in ((b"small", False), (b"x" * 200, True)):
        request = _request(body, 100)
        assert _compat.body_is_on_disk(request) is on_disk
        request.close()


def test_cached_body_is_httprequest_body_once_read() -> None:
    request = _request(b"payload", 100)
    assert _compat.cached_body(request) is None
    assert request.body == b"payload"
    assert _compat.cached_body(request) == b"payload"
    request.close()


def test_init_response_makes_a_response_django_can_send() -> None:
    response = HttpResponse.__new__(HttpResponse)
    _compat.init_response(response, 201, b"made")
    cookies = _compat.fill_headers(response, [(b"x-a", b"1"), (b"set-cookie", b"a=1"), (b"x-a", b"2")])
    assert (response.status_code, response.content, response.reason_phrase) == (201, b"made", "Created")
    assert list(response.items()) == [("x-a", "1, 2")]
    assert cookies == ["a=1"]
    response.headers["X-Later"] = "set by middleware"  # ResponseHeaders still validates and stores
    assert response.headers["x-later"] == "set by middleware"
    response.close()  # closers, request_finished: what the handler calls after sending
    assert response.closed


async def test_load_middleware_builds_a_chain_from_the_given_list() -> None:
    class Handler(ASGIHandler):
        def __init__(self, middleware: list[str] | None) -> None:
            _compat.load_middleware(self, middleware)

    from django.conf import settings

    before = list(settings.MIDDLEWARE)
    handler = Handler(["pe_django_middleware.Stamp"])
    assert before == settings.MIDDLEWARE  # swapped in only while the chain is built
    assert len(getattr(handler, "_view_middleware")) == 1  # noqa: B009  # Stamp.process_view


async def test_urlrouter_hands_patterns_the_path_and_keeps_their_positional_args() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["url_route"])
        await send({"type": "websocket.close", "code": 1000})

    from django.urls import re_path

    router = URLRouter([path("rooms/", URLRouter([re_path(r"^(\w+)$", cast(Any, app))]))])
    async with TestClient(router, lifespan=False) as client:
        with pytest.raises(Exception, match="rejected"):
            async with client.websocket_connect("/rooms/lobby"):
                pass
    assert seen == [{"args": ("lobby",), "kwargs": {}}]
