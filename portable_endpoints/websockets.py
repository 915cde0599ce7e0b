"""The neutral WebSocket, built on ASGI websocket messages; each adapter supplies receive/send."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from portable_endpoints._json import codec_of
from portable_endpoints.exceptions import MalformedJSONMessage
from portable_endpoints.requests import HTTPConnection, NativeT
from portable_endpoints.types import Message, Receive, Scope, Send, URLPathResolver

if TYPE_CHECKING:
    from portable_endpoints.responses import Response


class WebSocketState(enum.Enum):
    """Where one side of a WebSocket is: connecting, connected, disconnected, or sending a denial response."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class WebSocketDisconnect(Exception):
    """The client closed the connection, with ``code`` and ``reason``."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class _Forwarding(Protocol):
    async def stop(self) -> None: ...


class _Hub(Protocol):
    """What ``WebSocket.subscribe`` needs of a hub (``portable_endpoints.broadcast.Broadcast``)."""

    async def forward(self, websocket: WebSocket[Any], topic: str) -> _Forwarding: ...


_CONNECTING_SENDS = {"websocket.accept", "websocket.close", "websocket.http.response.start"}


class WebSocket(HTTPConnection[NativeT]):
    """A WebSocket connection over ASGI ``websocket.*`` messages; the adapter supplies receive and send.

    ``native`` / ``native_factory`` give the host's own websocket object, as for ``Request``.
    """

    __slots__ = ("_forwardings", "_receive", "_send", "application_state", "client_state", "close_code", "close_reason")

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        native: NativeT | None = None,
        native_factory: Callable[[], NativeT] | None = None,
        path_params: dict[str, Any] | None = None,
        route_table: URLPathResolver | None = None,
    ) -> None:
        super().__init__(
            scope, native=native, native_factory=native_factory, path_params=path_params, route_table=route_table
        )
        self._receive = receive
        self._send = send
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING
        #: the code and reason of the close frame this side sent, once it has sent one
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client asked for, in its order of preference."""
        return list(self.scope.get("subprotocols", ()))

    async def receive(self) -> Message:
        """The next ASGI message, with its state transition checked."""
        if self.client_state is WebSocketState.DISCONNECTED:
            raise RuntimeError('Cannot call "receive" once a disconnect message has been received.')
        message = await self._receive()
        kind = message["type"]
        if self.client_state is WebSocketState.CONNECTING:
            if kind != "websocket.connect":
                raise RuntimeError(f'Expected ASGI message "websocket.connect", but got {kind!r}')
            self.client_state = WebSocketState.CONNECTED
        elif kind == "websocket.disconnect":
            self.client_state = WebSocketState.DISCONNECTED
        elif kind != "websocket.receive":
            raise RuntimeError(f'Expected "websocket.receive" or "websocket.disconnect", but got {kind!r}')
        return message

    async def send(self, message: Message) -> None:
        """Send an ASGI message, with its state transition checked."""
        kind = message["type"]
        state = self.application_state
        if state is WebSocketState.CONNECTING:
            if kind not in _CONNECTING_SENDS:
                raise RuntimeError(f'Expected "websocket.accept", "websocket.close" or a denial response, got {kind!r}')
            self.application_state = {
                "websocket.accept": WebSocketState.CONNECTED,
                "websocket.close": WebSocketState.DISCONNECTED,
            }.get(kind, WebSocketState.RESPONSE)
        elif state is WebSocketState.CONNECTED:
            if kind == "websocket.close":
                self.application_state = WebSocketState.DISCONNECTED
            elif kind != "websocket.send":
                raise RuntimeError(f'Expected "websocket.send" or "websocket.close", but got {kind!r}')
        elif state is WebSocketState.RESPONSE:
            if kind != "websocket.http.response.body":
                raise RuntimeError(f'Expected "websocket.http.response.body", but got {kind!r}')
            if not message.get("more_body", False):
                self.application_state = WebSocketState.DISCONNECTED
        else:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')
        if kind == "websocket.close":
            self.close_code, self.close_reason = message.get("code", 1000), message.get("reason") or ""
        try:
            await self._send(message)
        except OSError:
            self.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Complete the handshake, choosing ``subprotocol`` and adding ``headers`` to the response."""
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or ())})

    def _require_connected(self) -> None:
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError('WebSocket is not connected. Need to call "accept" first.')

    async def _receive_data(self, key: str) -> Any:
        self._require_connected()
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        data = message.get(key)
        if data is None:
            await self.close(code=1003)
            other = "bytes" if key == "text" else "text"
            raise RuntimeError(f"Expected a {key} websocket message, but got {other}")
        return data

    async def receive_text(self) -> str:
        """The next text message; a binary one closes with 1003 and raises ``RuntimeError``."""
        return str(await self._receive_data("text"))

    async def receive_bytes(self) -> bytes:
        """The next binary message; a text one closes with 1003 and raises ``RuntimeError``."""
        return bytes(await self._receive_data("bytes"))

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message parsed as JSON, from a text frame (``mode="text"``) or a binary one (``"binary"``).

        Malformed JSON raises ``MalformedJSONMessage``, a ``json.JSONDecodeError``, with the
        connection still open; uncaught, it closes the connection with 1003.
        """
        if mode not in ("text", "binary"):
            raise RuntimeError('The "mode" argument should be "text" or "binary".')
        data = await self._receive_data("text" if mode == "text" else "bytes")
        try:
            return codec_of(self.route_table).loads(data)
        except ValueError as exc:  # every codec's malformed-JSON and bad-UTF-8 errors
            # Open still, as Starlette's (which raises JSONDecodeError): the endpoint may answer and go on.
            raise MalformedJSONMessage.from_codec_error(exc, data) from exc

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        """JSON messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send ``data`` as compact JSON, in a text frame (``mode="text"``) or a binary one (``"binary"``)."""
        if mode not in ("text", "binary"):
            raise RuntimeError('The "mode" argument should be "text" or "binary".')
        codec = codec_of(self.route_table)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": codec.dumps_text(data)})
        else:
            await self.send({"type": "websocket.send", "bytes": codec.dumps_text(data).encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close with ``code`` and ``reason``; before ``accept`` this rejects the handshake (403)."""
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def abort(self, code: int = 1011, reason: str = "") -> None:
        """Close after a failure if still open; never raises, so the original error wins."""
        if self.application_state in (WebSocketState.CONNECTING, WebSocketState.CONNECTED):
            try:
                await self.close(code, reason)
            except Exception:  # the transport is already gone; nothing more to tell the client
                self.application_state = WebSocketState.DISCONNECTED

    async def subscribe(self, hub: _Hub, topic: str) -> None:
        """Forward every message ``hub`` carries on ``topic`` to this client, until unsubscribed or closed.

        The session stops the forwarding before ``on_disconnect``. Subscribing twice is a no-op.
        """
        forwardings: dict[tuple[int, str], _Forwarding] = getattr(self, "_forwardings", None) or {}
        self._forwardings = forwardings
        if (id(hub), topic) not in forwardings:
            forwardings[id(hub), topic] = await hub.forward(self, topic)

    async def unsubscribe(self, hub: _Hub, topic: str) -> None:
        """Stop forwarding ``topic`` from ``hub`` (a no-op when not subscribed)."""
        forwarding = (getattr(self, "_forwardings", None) or {}).pop((id(hub), topic), None)
        if forwarding is not None:
            await forwarding.stop()

    async def _stop_forwarding(self) -> None:
        """Stop every ``subscribe``; the session calls this before ``on_disconnect``."""
        forwardings = getattr(self, "_forwardings", None)
        while forwardings:
            await forwardings.popitem()[1].stop()

    async def send_denial_response(self, response: Response) -> None:
        """Reject the handshake with a full HTTP response (needs the denial-response extension)."""
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError("The server doesn't support the WebSocket Denial Response extension.")
        await response(self.scope, self.receive, self.send)
