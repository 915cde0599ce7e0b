"""Security on every host: header injection, WebSocket origins, standard verbs only, no leaked error text."""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, PlainTextResponse, Request, Route, WebSocket, WebSocketEndpoint
from portable_endpoints import WebSocketRoute as WSRoute
from portable_endpoints.testing import WebSocketRejected
from portable_endpoints.testing._raw import ClientScript, drive_http, drive_websocket, http_scope, websocket_scope
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio

SECRET = "secret-detail"


class Injecting(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        how = request.query_params["how"]
        if how == "constructor":
            return PlainTextResponse("x", headers={"x-evil": "a\r\nSet-Cookie: pwned=1"})
        response = PlainTextResponse("x")
        if how == "name":
            response.headers["x-evil\r\nset-cookie"] = "pwned=1"
        elif how == "nul":
            response.headers["x-evil"] = "a\x00pwned"
        elif how == "lf":
            response.headers.append("x-evil", "a\npwned: 1")
        else:
            response.set_cookie("k", "v", domain="a\r\nSet-Cookie: pwned=1")
        return response


@pytest.mark.parametrize("how", ["constructor", "name", "nul", "lf", "cookie"])
async def test_header_with_cr_lf_or_nul_is_refused_before_anything_is_sent(pe_host: Host, how: str) -> None:
    app = pe_host.app([Route("/", Injecting)])
    outcome = await drive_http(app, http_scope("GET", "/", query_string=f"how={how}".encode()))
    assert outcome.finished
    everything = b"".join(b"".join(k + v for k, v in m.get("headers", [])) + m.get("body", b"") for m in outcome.sent)
    assert b"pwned" not in everything
    # The endpoint's own ValueError: the host answers 500 or lets it reach the server.
    assert outcome.status in (None, 500)
    if outcome.status is None:
        assert isinstance(outcome.error, ValueError)
        assert "CR, LF or NUL" in str(outcome.error)


class SameSite(WebSocketEndpoint):
    allowed_origins = ("http://testserver", "https://Example.com:443")


class OpaqueAllowed(WebSocketEndpoint):
    allowed_origins = ("null",)


@pytest.mark.parametrize(
    ("origins", "accepted"),
    [
        (["http://testserver"], True),
        (["HTTP://TestServer"], True),
        (["http://testserver:80"], True),
        (["https://example.com"], True),
        (["HTTPS://EXAMPLE.COM"], True),
        (["http://example.com"], False),
        (["https://example.com:8443"], False),
        (["http://testserver.evil"], False),
        (["http://evil.example"], False),
        (["null"], False),
        (["NULL"], False),
        ([], False),
        (["http://testserver", "http://evil.example"], False),
        (["http://evil.example", "http://testserver"], False),
    ],
)
async def test_allowed_origins_case_insensitive_null_and_missing(
    pe_host: Host, origins: list[str], accepted: bool
) -> None:
    app = pe_host.app([WSRoute("/ws", SameSite)])
    headers = [(b"origin", origin.encode()) for origin in origins]
    outcome = await drive_websocket(app, websocket_scope("/ws", headers=headers), ClientScript())
    assert outcome.finished
    assert outcome.error is None
    assert outcome.accepted is accepted
    if not accepted:
        # Closed before accepting: the server answers the handshake with a 403.
        assert outcome.sent[0]["type"] == "websocket.close"


async def test_a_refused_origin_is_a_403_handshake(pe_host: Host) -> None:
    async with pe_host.client([WSRoute("/ws", SameSite), WSRoute("/opaque", OpaqueAllowed)]) as client:
        for origin in ("null", "http://evil.example", "HTTP://EVIL.example"):
            with pytest.raises(WebSocketRejected) as rejected:
                async with client.websocket_connect("/ws", headers={"origin": origin}):
                    pass
            assert rejected.value.status_code == 403
        async with client.websocket_connect("/ws", headers={"origin": "HTTP://TESTSERVER"}) as ws:
            assert ws.accepted_subprotocol is None
        # "null" matches only where it is listed explicitly.
        async with client.websocket_connect("/opaque", headers={"origin": "null"}) as ws:
            assert ws.accepted_subprotocol is None


class Attributes(HTTPEndpoint):
    """An endpoint whose non-verb attributes would be reachable if methods were looked up by name."""

    ran: list[str] = []

    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("get")

    async def _dispatch(self, request: Request) -> PlainTextResponse:
        self.ran.append("_dispatch")
        return PlainTextResponse("private")

    async def helper(self, request: Request) -> PlainTextResponse:
        self.ran.append("helper")
        return PlainTextResponse("helper")

    async def trace(self, request: Request) -> PlainTextResponse:
        self.ran.append("trace")
        return PlainTextResponse("trace")

    async def connect(self, request: Request) -> PlainTextResponse:
        self.ran.append("connect")
        return PlainTextResponse("connect")


@pytest.mark.parametrize(
    "method",
    [
        "_DISPATCH",
        "_dispatch",
        "DISPATCH",
        "dispatch",
        "HELPER",
        "helper",
        "TRACE",
        "CONNECT",
        "get",
        "Get",
        "__INIT__",
    ],
)
async def test_only_standard_verbs_dispatch(pe_host: Host, method: str) -> None:
    Attributes.ran.clear()
    app = pe_host.app([Route("/", Attributes)])
    outcome = await drive_http(app, http_scope(method, "/"))
    assert outcome.finished
    assert outcome.error is None
    assert outcome.status == 405
    assert outcome.header("allow") == "GET, HEAD"
    assert Attributes.ran == []


class Failing(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise RuntimeError(SECRET)


class FailingSocket(WebSocketEndpoint):
    encoding = "text"

    async def on_connect(self, websocket: WebSocket) -> None:
        if websocket.query_params.get("when") == "connect":
            raise RuntimeError(SECRET)
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        raise RuntimeError(SECRET)


def is_the_endpoints_own(error: BaseException | None) -> bool:
    """No error escaped, or the one that did is the endpoint's (a host may wrap it: Litestar does)."""
    while error is not None:
        if isinstance(error, RuntimeError) and str(error) == SECRET:
            return True
        error = error.__cause__ or error.__context__
    return False


def leaked(outcome: Any) -> bool:
    text = repr(outcome.sent).encode() + outcome.body
    return SECRET.encode() in text or b"Traceback" in text


async def test_no_exception_text_in_an_http_response(pe_host: Host) -> None:
    app = pe_host.app([Route("/", Failing)])
    outcome = await drive_http(app, http_scope("GET", "/"))
    assert outcome.finished
    assert outcome.status in (None, 500)
    assert not leaked(outcome)
    # The endpoint's own error reaches the server (which logs it), or the host handled it with a 500.
    assert outcome.error is None or is_the_endpoints_own(outcome.error)


@pytest.mark.parametrize("when", ["connect", "receive"])
async def test_no_exception_text_in_a_websocket_close(pe_host: Host, when: str) -> None:
    app = pe_host.app([WSRoute("/ws", FailingSocket)])
    script = ClientScript(messages=[{"type": "websocket.receive", "text": "hi"}], until_app_closes=True)
    scope = websocket_scope("/ws", extra={"query_string": f"when={when}".encode()})
    outcome = await drive_websocket(app, scope, script)
    assert outcome.finished
    assert not leaked(outcome)
    if when == "receive":
        assert outcome.accepted
        assert outcome.close == (1011, "")
    else:
        assert not outcome.accepted
    assert outcome.error is None or is_the_endpoints_own(outcome.error)
