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
    cookies, repeated = _compat.fill_headers(response, [(b"x-a", b"1"), (b"set-cookie", b"a=1"), (b"x-a", b"2")])
    assert (response.status_code, response.content, response.reason_phrase) == (201, b"made", "Created")
    assert list(response.items()) == [("x-a", "1, 2")]  # joined for middleware; sent apart (_responses)
    assert cookies == ["a=1"]
    assert repeated == {"x-a": ("1, 2", ["1", "2"])}
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
    assert _compat.has_exception_middleware(handler) is False
    assert _compat.has_exception_middleware(Handler(["portable_endpoints_django.testing.HandleStatuses"])) is True


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


async def test_read_body_keeps_djangos_reading_for_large_or_chunked_bodies() -> None:
    from django.conf import settings
    from django.core.exceptions import RequestAborted

    handler = ASGIHandler()

    def channel(*messages: dict[str, Any]) -> Any:
        pending = list(messages)

        async def receive() -> dict[str, Any]:
            return pending.pop(0)

        return receive

    small = await _compat.read_body(handler, channel({"type": "http.request", "body": b"abc"}))
    assert small.read() == b"abc"
    parts = channel({"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.request", "body": b"cd"})
    chunked = await _compat.read_body(handler, parts)
    assert (type(chunked).__name__, chunked.read()) == ("SpooledTemporaryFile", b"abcd")
    chunked.close()
    big = b"x" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1)
    spooled = await _compat.read_body(handler, channel({"type": "http.request", "body": big}))
    assert _compat.body_is_on_disk(cast(Any, type("R", (), {"_stream": spooled})())) is True
    spooled.close()
    with pytest.raises(RequestAborted):
        await _compat.read_body(handler, channel({"type": "http.disconnect"}))


def test_channels_middleware_keep_what_they_wrap_as_inner() -> None:
    from channels.routing import ProtocolTypeRouter
    from channels.sessions import SessionMiddlewareStack

    router = URLRouter([])
    app = ProtocolTypeRouter({"websocket": SessionMiddlewareStack(router)})
    inner = app.application_mapping["websocket"]
    while not isinstance(inner, URLRouter):
        inner = inner.inner
    assert inner is router


def test_a_nested_url_resolvers_resolve_is_what_the_root_resolver_calls() -> None:
    # PortablePatterns overrides URLResolver.resolve: Django's root resolver must delegate to it
    # with the path below the root's "^/", and return its match's view, args and kwargs.
    def view(request: Any) -> HttpResponse:
        return HttpResponse()

    calls: list[str] = []

    class Recording(_compat.URLResolver):
        def resolve(self, path: Any) -> Any:
            calls.append(str(path))
            return super().resolve(path)

    child = Recording(_compat.RoutePattern(""), [path("a/<int:n>", view, name="a")])
    root = _compat.URLResolver(_compat.RegexPattern(r"^/"), [child])
    match = root.resolve("/a/3")
    assert calls == ["a/3"]
    assert (match.func, match.kwargs, match.url_name, match.route) == (view, {"n": 3}, "a", "a/<int:n>")
    assert child.url_patterns == child.urlconf_name  # a list as the URLconf: its patterns
    with pytest.raises(_compat.Resolver404):
        root.resolve("/b")


def test_a_lazy_regex_pattern_gives_django_its_source_on_first_use() -> None:
    from django.urls.resolvers import RoutePattern, URLPattern, URLResolver

    written: list[str] = []

    class Items(_compat.LazyRegexPattern):
        def regex_source(self) -> str:
            written.append("items")
            return r"^items/(?P<item_id>[0-9]+)\Z"

    def view(request: Any, item_id: str) -> HttpResponse:
        return HttpResponse(item_id)

    pattern = Items("", name="items", is_endpoint=True)
    assert written == []  # RegexPattern.__init__ set its placeholder, nothing was written
    resolver = URLResolver(RoutePattern(""), [URLPattern(pattern, view, name="items")])
    assert resolver.reverse("items", item_id=5) == "items/5"
    assert pattern.regex.pattern == r"^items/(?P<item_id>[0-9]+)\Z"
    assert pattern.check() == []
    assert written == ["items"]  # once
