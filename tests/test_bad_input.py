"""Bad input gets a clear error, at definition or mount time."""

from __future__ import annotations

import pytest

import portable_endpoints as pe
from portable_endpoints import (
    ConfigurationError,
    HTTPEndpoint,
    PlainTextResponse,
    Request,
    Route,
    WebSocketEndpoint,
    WebSocketRoute,
)


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")


class Socket(WebSocketEndpoint):
    pass


def test_unknown_encoding_fails_when_the_class_is_defined() -> None:
    with pytest.raises(ConfigurationError, match=r"encoding = 'xml' is not one of"):

        class Xml(WebSocketEndpoint):
            encoding = "xml"  # type: ignore[assignment]


@pytest.mark.parametrize("endpoint", [42, "Page", object(), None, int])
def test_route_to_something_that_is_not_an_endpoint(endpoint: object) -> None:
    with pytest.raises(ConfigurationError, match="endpoint must be an HTTPEndpoint subclass or a callable"):
        Route("/", endpoint)  # type: ignore[arg-type]


def test_endpoint_kinds_are_not_interchangeable() -> None:
    with pytest.raises(ConfigurationError, match="is a WebSocketEndpoint; use WebSocketRoute"):
        Route("/", Socket)
    with pytest.raises(ConfigurationError, match="is an HTTPEndpoint; use Route"):
        WebSocketRoute("/ws", Page)
    with pytest.raises(ConfigurationError, match="an async callable"):
        WebSocketRoute("/ws", lambda websocket: None)


def test_unknown_convertor_and_bad_paths() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown path convertor 'number' in '/n/\{n:number\}'"):
        Route("/n/{n:number}", Page)
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        Route("no-slash", Page)
    with pytest.raises(ConfigurationError, match="Duplicated param name"):
        Route("/{a}/{a}", Page)
    with pytest.raises(ConfigurationError, match="methods= applies to function endpoints"):
        Route("/", Page, methods=["GET"])
    with pytest.raises(ConfigurationError, match="Unsupported HTTP methods"):
        Route("/", lambda request: None, methods=["BREW"])


def test_unknown_framework_lists_installed_adapters() -> None:
    with pytest.raises(pe.AdapterNotFound, match=r"Unknown framework 'nope'; installed adapters: .*asgi"):
        pe.create_app([Route("/", Page)], framework="nope")


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from portable_endpoints import _plugins

    # Load only the built-in adapter, as on a machine without the Quart extra.
    monkeypatch.setenv(_plugins.PLUGINS_ENV, "asgi")
    _plugins.reset()
    try:
        with pytest.raises(pe.AdapterUnavailable, match=r"pip install 'portable-endpoints\[quart\]'"):
            pe.create_app([Route("/", Page)], framework="quart")
        assert [info.name for info in pe.adapters()] == ["asgi"]
    finally:
        monkeypatch.delenv(_plugins.PLUGINS_ENV)
        _plugins.reset()


def test_mount_on_an_object_no_adapter_owns() -> None:
    with pytest.raises(pe.AdapterNotFound, match=r"No installed adapter owns builtins\.dict objects"):
        pe.mount({}, [Route("/", Page)])


def test_response_headers_with_cr_or_lf_are_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        PlainTextResponse("x", headers={"x-evil": "a\r\nSet-Cookie: pwned=1"})
    response = PlainTextResponse("x")
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        response.headers["location"] = "/\nx"
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        response.set_cookie("k", "v", domain="a\r\nb")


def test_framework_must_be_a_name() -> None:
    with pytest.raises(TypeError, match="framework must be a name"):
        pe.create_app([], framework=None)  # type: ignore[arg-type]
