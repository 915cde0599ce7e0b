"""Raw ASGI connections driven by a script, for the hostile-input harness and the limit tests.

The ``TestClient`` behaves like a well-mannered server. These drivers play the rest of the ASGI
spec: a client that vanishes at a chosen await point, ``send`` failing (spec 2.4 servers raise
``OSError``) or silently dropped once the client is gone, a body held back until the app answers,
receives after the disconnect. Each returns what the app did, as data, so a test can compare it
across hosts; nothing is asserted inside the app.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel

from portable_endpoints.types import ASGIApp, Message

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

TIMEOUT = 10.0
#: how long a held-back body waits for the app to answer before the driver gives up on it
HOLD_TIMEOUT = 5.0


class ClientGone(OSError):
    """What a spec-2.4 server raises from ``send`` once the client has gone."""


@dataclass
class Outcome:
    """Everything the app did on one connection."""

    sent: list[Message] = field(default_factory=list)
    #: messages the app sent after it had completed the response or sent its close
    sent_after_end: list[Message] = field(default_factory=list)
    #: the exception that escaped the app, if any
    error: BaseException | None = None
    #: how many times the app called ``receive``
    receives: int = 0
    #: tasks the app started that were still running after it returned
    leaked_tasks: list[str] = field(default_factory=list)
    #: whether the app returned before the driver's timeout
    finished: bool = True

    @property
    def status(self) -> int | None:
        for message in self.sent:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                return int(message["status"])
        return None

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        for message in self.sent:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                return [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
        return []

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        values = [value.decode("latin-1") for key, value in self.headers if key == wanted]
        return ", ".join(values) if values else None

    @property
    def body(self) -> bytes:
        kinds = ("http.response.body", "websocket.http.response.body")
        return b"".join(bytes(m.get("body", b"")) for m in self.sent if m["type"] in kinds)

    @property
    def accepted(self) -> bool:
        return any(message["type"] == "websocket.accept" for message in self.sent)

    @property
    def close(self) -> tuple[int, str] | None:
        """The app's close frame (code, reason), if it sent one."""
        for message in self.sent:
            if message["type"] == "websocket.close":
                return int(message.get("code") or 1000), str(message.get("reason") or "")
        return None

    @property
    def texts(self) -> list[Any]:
        return [
            m.get("text") if m.get("text") is not None else m.get("bytes")
            for m in self.sent
            if m["type"] == "websocket.send"
        ]


def _is_end(message: Message) -> bool:
    kind = message["type"]
    if kind in ("http.response.body", "websocket.http.response.body"):
        return not bool(message.get("more_body", False))
    return bool(kind == "websocket.close")


async def _run(app: ASGIApp, scope: dict[str, Any], outcome: Outcome, receive: Any, send: Any) -> None:
    before = set(asyncio.all_tasks())
    try:
        with anyio.fail_after(TIMEOUT):
            await app(scope, receive, send)
    except TimeoutError:
        outcome.finished = False
    except BaseExceptionGroup as group:  # a host's task group wrapping the one error
        outcome.error = group.exceptions[0] if len(group.exceptions) == 1 else group
    except Exception as exc:
        outcome.error = exc
    # Give tasks the app cancelled a few turns of the loop to finish, as a server would.
    for _ in range(20):
        await anyio.lowlevel.checkpoint()
    current = asyncio.current_task()
    outcome.leaked_tasks = [
        repr(task.get_coro()) for task in asyncio.all_tasks() - before if task is not current and not task.done()
    ]


def http_scope(
    method: str = "GET",
    path: str = "/",
    *,
    raw_path: bytes | None = None,
    query_string: bytes = b"",
    headers: Sequence[tuple[bytes, bytes]] = (),
    spec_version: str = "2.4",
    root_path: str = "",
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape") if raw_path is None else raw_path,
        "root_path": root_path,
        "query_string": query_string,
        "headers": [(b"host", b"testserver"), *headers],
        "client": ["127.0.0.1", 50000],
        "server": ["testserver", 80],
        "extensions": {},
        "state": {},
    }


def websocket_scope(
    path: str = "/",
    *,
    headers: Sequence[tuple[bytes, bytes]] = (),
    subprotocols: Sequence[str] = (),
    spec_version: str = "2.4",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    scope = http_scope("GET", path, headers=headers, spec_version=spec_version)
    scope.update({"type": "websocket", "scheme": "ws", "subprotocols": list(subprotocols)})
    del scope["method"]
    scope.update(extra or {})
    return scope


async def drive_http(
    app: ASGIApp,
    scope: dict[str, Any],
    chunks: Sequence[bytes] = (),
    *,
    disconnect_after: int | None = None,
    hold: bool = False,
) -> Outcome:
    """Serve one request: ``chunks`` as the body, then what a server does next.

    ``disconnect_after=k``: the client leaves after ``k`` chunks (every later receive is
    ``http.disconnect``). ``hold``: the last chunk says ``more_body`` and the rest never comes until
    the app has answered (an app that reads the whole body first hangs, and the driver reports it).
    Otherwise, once the body is in, ``receive`` waits for the response, then says disconnect.
    """
    outcome = Outcome()
    # No body is still one message, as servers send it (a host may read it before routing).
    pending = list(chunks) or ([] if hold else [b""])
    delivered = 0
    ended = anyio.Event()

    async def receive() -> Message:
        nonlocal delivered
        outcome.receives += 1
        if disconnect_after is not None and delivered >= disconnect_after:
            return {"type": "http.disconnect"}
        if pending:
            delivered += 1
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or hold}
        with anyio.move_on_after(HOLD_TIMEOUT if hold else TIMEOUT):
            await ended.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if ended.is_set():
            outcome.sent_after_end.append(message)
            return
        outcome.sent.append(message)
        if _is_end(message):
            ended.set()

    await _run(app, scope, outcome, receive, send)
    return outcome


@dataclass
class ClientScript:
    """What a WebSocket client does: messages after ``websocket.connect``, then how it leaves.

    ``gone_at``: the index in ``messages`` at which the client vanishes (``len(messages)``: after
    them all; ``-1``: right after its handshake request, before the app accepts); from then on
    every receive is the disconnect ``goodbye`` (repeated: a receive after the disconnect), and
    ``send`` raises ``ClientGone`` (``send_raises``) or is silently dropped.
    """

    messages: list[Message] = field(default_factory=list)
    goodbye: Message = field(default_factory=lambda: {"type": "websocket.disconnect", "code": 1000})
    gone_at: int | None = None
    send_raises: bool = False
    connect: bool = True
    #: the client stays until the app closes (``goodbye`` then answers the app's close)
    until_app_closes: bool = False


async def drive_websocket(app: ASGIApp, scope: dict[str, Any], script: ClientScript) -> Outcome:
    outcome = Outcome()
    pending = list(script.messages)
    gone_at = len(pending) if script.gone_at is None else script.gone_at
    delivered = 0
    connected = not script.connect
    app_closed = anyio.Event()
    gone = False

    async def receive() -> Message:
        nonlocal delivered, connected, gone
        outcome.receives += 1
        if not connected:
            connected = True
            gone = gone_at < 0  # the client vanishes right after its handshake request
            return {"type": "websocket.connect"}
        if script.until_app_closes and not pending:
            with anyio.move_on_after(TIMEOUT):
                await app_closed.wait()
            gone = True
            return dict(script.goodbye)
        if delivered >= gone_at or not pending:
            gone = True
            return dict(script.goodbye)
        delivered += 1
        return pending.pop(0)

    async def send(message: Message) -> None:
        if app_closed.is_set():
            outcome.sent_after_end.append(message)
            return
        if gone and script.send_raises:
            raise ClientGone("the client has gone")
        outcome.sent.append(message)
        if _is_end(message):
            app_closed.set()

    await _run(app, scope, outcome, receive, send)
    return outcome


__all__ = [
    "ClientGone",
    "ClientScript",
    "Outcome",
    "drive_http",
    "drive_websocket",
    "http_scope",
    "websocket_scope",
]
