"""The hostile-ASGI harness: valid-but-unusual message streams and scopes, straight into each host's app.

Hypothesis generates the streams: ``websocket.receive`` with both ``text`` and ``bytes`` (one
``None``), ``websocket.disconnect`` without ``code``, with ``code: None``, without ``reason``,
``method`` in a WebSocket scope, ``spec_version`` 2.0 to 2.4, receives after the disconnect, the
client vanishing at every await point (before accept, after accept, mid-message; mid-body for
HTTP), ``send`` failing or dropped once it has gone, duplicate and latin-1 headers, raw paths with
percent-encoding, dot segments, ``//`` and invalid UTF-8.

Properties, on every host: no exception escapes but the endpoint's own, ``on_disconnect`` runs
exactly once with the right code, no task is left running, nothing is sent after the close, and
the normalised outcome is the one the built-in ``asgi`` host (the reference) gives.

The default run keeps the example count small (``PE_FUZZ_EXAMPLES``, 25); ``nox -s fuzz`` runs
many more, with a fresh random seed each time.
"""

from __future__ import annotations

import itertools
import os
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portable_endpoints import (
    HTTPEndpoint,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
    create_app,
)
from portable_endpoints.testing._raw import ClientScript, Outcome, drive_http, drive_websocket, http_scope
from portable_endpoints.testing._raw import websocket_scope as ws_scope
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio

EXAMPLES = int(os.environ.get("PE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # The default run is the same on every machine; the fuzz session explores.
    derandomize=os.environ.get("PE_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SPEC_VERSIONS = ["2.0", "2.1", "2.2", "2.3", "2.4"]

#: what each connection's endpoint saw, by the connection id the harness gives it
SEEN: dict[str, list[Any]] = {}
_ids = itertools.count()


def new_id() -> str:
    return f"c{next(_ids)}"


def seen(connection: str) -> list[Any]:
    return SEEN.setdefault(connection, [])


class Endpoint(WebSocketEndpoint):
    """Echoes; ``?do=close`` closes with 4001 on the first message, ``?do=raise`` raises on it."""

    async def on_connect(self, websocket: WebSocket) -> None:
        seen(websocket.query_params["id"]).append(("connect", websocket.path_params))
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        action = websocket.query_params.get("do", "echo")
        if action == "close":
            await websocket.close(4001, "done")
        elif action == "raise":
            raise RuntimeError("the endpoint's own error")
        elif isinstance(data, str):
            await websocket.send_text(data)
        else:
            await websocket.send_bytes(data)

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        seen(websocket.query_params["id"]).append(("disconnect", close_code))


class Items(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        seen(request.headers.get("x-id", "-")).append(("items.get", request.path_params))
        return PlainTextResponse("item")

    async def post(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        seen(request.headers.get("x-id", "-")).append(("items.post", request.path_params, len(body)))
        return PlainTextResponse(str(len(body)))


class Files(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        seen(request.headers.get("x-id", "-")).append(("files.get", request.path_params))
        return PlainTextResponse("file")


async def streamed(request: Request) -> PlainTextResponse:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    seen(request.headers.get("x-id", "-")).append(("stream", request.path_params, size))
    return PlainTextResponse(str(size))


ROUTES = [
    Route("/items/{item_id:int}", Items),
    Route("/files/{path:path}", Files),
    Route("/stream", streamed, methods=["POST", "PUT"]),
    WebSocketRoute("/ws/{room}", Endpoint),
]
_apps: dict[str, Any] = {}


def app_of(host: str) -> Any:
    if host not in _apps:
        _apps[host] = create_app(ROUTES, framework=host)
    return _apps[host]


# -- WebSocket -------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
data_messages = st.one_of(
    st.builds(lambda t: {"type": "websocket.receive", "text": t}, texts),
    st.builds(lambda b: {"type": "websocket.receive", "bytes": b}, st.binary(max_size=8)),
    st.builds(lambda t: {"type": "websocket.receive", "text": t, "bytes": None}, texts),
    st.builds(lambda b: {"type": "websocket.receive", "text": None, "bytes": b}, st.binary(max_size=8)),
)


@st.composite
def goodbyes(draw: st.DrawFn) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "websocket.disconnect"}
    code = draw(st.sampled_from(["absent", None, 1000, 1001, 1005, 1006, 3000, 4000, 4999]))
    if code != "absent":
        message["code"] = code
    reason = draw(st.sampled_from(["absent", None, "", "bye", "é"]))
    if reason != "absent":
        message["reason"] = reason
    return message


@st.composite
def websocket_cases(draw: st.DrawFn) -> tuple[dict[str, Any], ClientScript, str]:
    messages = draw(st.lists(data_messages, max_size=4))
    script = ClientScript(
        messages=messages,
        goodbye=draw(goodbyes()),
        gone_at=draw(st.integers(-1, len(messages))),
        send_raises=draw(st.booleans()),
    )
    action = draw(st.sampled_from(["echo", "echo", "close", "raise"]))
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["method"] = "GET"  # some servers put one in a WebSocket scope
    room = draw(st.sampled_from(["lobby", "caf%C3%A9", "a%20b", "%E2%82%AC"]))
    headers = draw(header_lists)
    scope = ws_scope(
        unquote(f"/ws/{room}"),
        headers=headers,
        spec_version=draw(st.sampled_from(SPEC_VERSIONS)),
        extra=extra,
    )
    scope["raw_path"] = f"/ws/{room}".encode()
    return scope, script, action


def expected_close_code(script: ClientScript, action: str) -> int:
    """The code ``on_disconnect`` must get for ``script`` against ``Endpoint``."""
    gone_at = len(script.messages) if script.gone_at is None else script.gone_at
    if gone_at < 0 and script.send_raises:
        return 1006  # the accept itself found the client gone
    if gone_at > 0 and action == "close":
        return 4001
    if gone_at > 0 and action == "raise":
        return 1011
    # Echoes go out before the client vanishes; then the disconnect arrives, maybe without a code.
    return int(script.goodbye.get("code") or 1000)


def websocket_outcome(outcome: Outcome, events: list[Any]) -> dict[str, Any]:
    return {
        "accepted": outcome.accepted,
        "close": outcome.close,
        "sent": outcome.texts,
        "events": events,
        "error": None if outcome.error is None else type(outcome.error).__name__,
    }


def the_endpoints_own(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, RuntimeError) and str(error) == "the endpoint's own error":
            return True
        error = error.__cause__ or error.__context__
    return False


async def run_websocket(host: str, case: tuple[dict[str, Any], ClientScript, str]) -> tuple[Outcome, list[Any]]:
    scope, script, action = case
    connection = new_id()
    scope = dict(scope, query_string=f"id={connection}&do={action}".encode())
    outcome = await drive_websocket(app_of(host), scope, script)
    return outcome, SEEN.pop(connection, [])


def check_websocket_invariants(outcome: Outcome, events: list[Any], script: ClientScript, action: str) -> None:
    assert outcome.finished, "the app never returned"
    assert outcome.leaked_tasks == []
    assert outcome.sent_after_end == []
    disconnects = [event for event in events if event[0] == "disconnect"]
    assert disconnects == [("disconnect", expected_close_code(script, action))]
    if outcome.error is not None:
        assert action == "raise"
        assert the_endpoints_own(outcome.error), repr(outcome.error)


@FUZZ
@given(case=websocket_cases())
async def test_websocket_streams_end_the_same_safe_way(pe_host: Host, case: Any) -> None:
    _, script, action = case
    reference, reference_events = await run_websocket("asgi", case)
    check_websocket_invariants(reference, reference_events, script, action)
    outcome, events = await run_websocket(pe_host.name, case)
    check_websocket_invariants(outcome, events, script, action)
    normal, expected = websocket_outcome(outcome, events), websocket_outcome(reference, reference_events)
    if action == "raise":  # a host may wrap the endpoint's own error (checked above)
        normal["error"] = expected["error"]
    assert normal == expected


# -- HTTP ------------------------------------------------------------------------------------

latin1 = st.binary(min_size=0, max_size=6).map(lambda b: bytes(c for c in b if c not in b"\r\n\x00"))
header_lists = st.lists(
    st.tuples(st.sampled_from([b"x-dup", b"accept", b"x-latin", b"cookie", b"user-agent"]), latin1),
    max_size=4,
)
segments = st.sampled_from(
    ["1", "42", "-1", "abc", "%31", "a%2Fb", "..", ".", "", "%2E%2E", "caf%C3%A9", "%FF", "%C3", "a b", "x%00y", "ü"]
)


@st.composite
def raw_paths(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(["/items/", "/files/", "/stream", "//items/", "/items//", "/nowhere/", "/", ""]))
    rest = "/".join(draw(st.lists(segments, max_size=3)))
    raw = prefix + rest
    if not raw.startswith("/"):
        raw = "/" + raw
    return quote(raw, safe="/%").encode("ascii")


@st.composite
def http_cases(draw: st.DrawFn) -> dict[str, Any]:
    raw_path = draw(raw_paths())
    chunks = draw(st.lists(st.binary(max_size=16), max_size=3))
    return {
        "method": draw(
            st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO", "_dispatch"])
        ),
        "raw_path": raw_path,
        # What servers put in "path": the raw path percent-decoded, invalid UTF-8 replaced.
        "path": unquote(raw_path.decode("ascii")),
        "headers": draw(header_lists),
        "query": draw(st.sampled_from([b"", b"a=1", b"a=1&a=2", b"%ff=%fe", b"x"])),
        "chunks": chunks,
        "disconnect_after": draw(st.none() | st.integers(0, len(chunks))),
        "spec_version": draw(st.sampled_from(SPEC_VERSIONS)),
    }


def http_outcome(outcome: Outcome, events: list[Any]) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "allow": outcome.header("allow"),
        "events": events,
        "error": None if outcome.error is None else type(outcome.error).__name__,
    }


async def run_http(host: str, case: dict[str, Any]) -> tuple[Outcome, list[Any]]:
    connection = new_id()
    scope = http_scope(
        case["method"],
        case["path"],
        raw_path=case["raw_path"],
        query_string=case["query"],
        headers=[*case["headers"], (b"x-id", connection.encode())],
        spec_version=case["spec_version"],
    )
    outcome = await drive_http(app_of(host), scope, case["chunks"], disconnect_after=case["disconnect_after"])
    return outcome, SEEN.pop(connection, [])


def check_http_invariants(outcome: Outcome, case: dict[str, Any]) -> None:
    assert outcome.finished, "the app never returned"
    assert outcome.error is None, repr(outcome.error)
    assert outcome.leaked_tasks == []
    assert outcome.sent_after_end == []


@FUZZ
@given(case=http_cases())
async def test_http_streams_end_the_same_safe_way(pe_host: Host, case: dict[str, Any]) -> None:
    reference, reference_events = await run_http("asgi", case)
    check_http_invariants(reference, case)
    outcome, events = await run_http(pe_host.name, case)
    check_http_invariants(outcome, case)
    normal, expected = http_outcome(outcome, events), http_outcome(reference, reference_events)
    if left_early(case) and normal["status"] is None and normal["events"] == []:
        # Nobody to answer: a host may stop when it sees the client gone (Django reads the whole
        # body before routing, and cancels the view on a disconnect).
        return
    assert normal == expected


def left_early(case: dict[str, Any]) -> bool:
    """Whether the client left without waiting for the answer (mid-body or right after it)."""
    return case["disconnect_after"] is not None
