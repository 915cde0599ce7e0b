"""``HTTPEndpoint`` and ``WebSocketEndpoint``: Starlette's class-based endpoints, host-neutral.

Each class is also a plain ASGI application (``uvicorn module:MyEndpoint`` serves it), which is the
built-in ``asgi`` adapter at its smallest.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar, Literal, NoReturn

from portable_endpoints import status
from portable_endpoints._dispatch import dispatcher_for_class, serve_asgi
from portable_endpoints._json import JSONCodec, codec_of, current_codec
from portable_endpoints.exceptions import ConfigurationError, HTTPException, WebSocketException
from portable_endpoints.requests import Request
from portable_endpoints.types import Message, Receive, Scope, Send, URLPathResolver
from portable_endpoints.websockets import WebSocket, WebSocketDisconnect, WebSocketState

ENCODINGS = ("text", "bytes", "json", None)


class _UnsupportedData(Exception):
    """A frame the endpoint's encoding does not accept."""


async def _reject_frame(websocket: WebSocket[Any], exc: _UnsupportedData) -> NoReturn:
    await websocket.close(code=status.WS_1003_UNSUPPORTED_DATA)
    raise RuntimeError(str(exc)) from None


_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def normalise_origin(origin: str) -> str:
    """``origin`` as compared by ``allowed_origins``: scheme and host lower-cased, a default port dropped.

    Scheme and host are case-insensitive (RFC 6454), so ``HTTPS://Example.COM`` is
    ``https://example.com``; ``null`` (an opaque origin: sandboxed frames, ``file:`` pages) stays
    ``null`` and matches only an explicitly allowed ``"null"``.
    """
    value = origin.strip().lower()
    scheme, sep, rest = value.partition("://")
    if not sep:
        return value
    host, colon, port = rest.rpartition(":")
    if colon and port == _DEFAULT_PORTS.get(scheme):
        rest = host
    return f"{scheme}://{rest.rstrip('/')}"


def _check_limit(cls: type, attribute: str) -> None:
    value = getattr(cls, attribute)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ConfigurationError(
            f"{cls.__name__}.{attribute} = {value!r} must be a number of bytes (an int >= 0) or None"
        )


class _ASGIEndpoint:
    """Instantiated per connection with the ASGI triple, and awaitable: an ASGI app, as in Starlette."""

    scope_type: ClassVar[str]

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != self.scope_type:
            raise TypeError(f"{type(self).__name__} serves {self.scope_type!r}, not {scope['type']!r} connections")
        self.scope = scope
        self.receive = receive
        self.send = send

    def __await__(self) -> Generator[Any, None, None]:
        return self.dispatch().__await__()

    async def dispatch(self) -> None:
        raise NotImplementedError


class HTTPEndpoint(_ASGIEndpoint):
    """One method per HTTP verb (``async def get(self, request)``, sync methods run in a thread).

    Only the standard verbs dispatch; any other method, and a verb with no handler, gets 405 with
    an ``Allow`` header listing the served verbs in Starlette's order. HEAD falls back to ``get``.
    """

    scope_type = "http"
    #: the most bytes ``body()``, ``json()``, ``form()`` and ``stream()`` read (413 past it); ``None``:
    #: the app's default (``create_app(..., max_body_size=)``), else no limit but the host's own
    max_body_size: ClassVar[int | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _check_limit(cls, "max_body_size")

    #: the route table of the route serving this endpoint, for ``url_for`` (set when an overridden
    #: ``dispatch()`` is served through a route and calls ``super().dispatch()``)
    _pe_route_table: URLPathResolver | None = None

    async def dispatch(self) -> None:
        """Serve one request as a bare ASGI application.

        Override it as in Starlette (build the request, call a handler, ``await response(self.scope,
        self.receive, self.send)``): on every host the endpoint then answers through ``self.send``.
        """
        request: Request[None] = Request(self.scope, self.receive, self.send, route_table=self._pe_route_table)
        await serve_asgi(dispatcher_for_class(type(self)), request, self.scope, self.receive, self.send)


class WebSocketEndpoint(_ASGIEndpoint):
    """``on_connect`` / ``on_receive`` / ``on_disconnect`` over one WebSocket session.

    ``encoding`` decodes each message before ``on_receive``: ``"text"``, ``"bytes"``, ``"json"``
    or ``None`` (raw). A frame of the wrong type, or malformed JSON, closes with 1003 and raises
    ``RuntimeError``. ``on_disconnect`` runs exactly once: with the client's close code, or 1011
    when the endpoint raised. ``allowed_origins``, when set, rejects handshakes from other origins.
    Origins compare case-insensitively (``normalise_origin``); ``Origin: null`` (unless listed),
    no Origin and several Origin headers are refused. ``max_message_size``, when set, closes with
    1009 on a larger message, before decoding it.
    """

    scope_type = "websocket"
    encoding: ClassVar[Literal["text", "bytes", "json"] | None] = None
    allowed_origins: ClassVar[tuple[str, ...] | None] = None
    max_message_size: ClassVar[int | None] = None
    _pe_own_decode: ClassVar[bool] = False
    _pe_origins: ClassVar[frozenset[str] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.encoding not in ENCODINGS:
            raise ConfigurationError(
                f"{cls.__name__}.encoding = {cls.encoding!r} is not one of 'text', 'bytes', 'json' or None"
            )
        cls._pe_own_decode = cls.decode is not WebSocketEndpoint.decode
        _check_limit(cls, "max_message_size")
        if isinstance(cls.allowed_origins, str):
            raise ConfigurationError(f"{cls.__name__}.allowed_origins must be a sequence of origins, not a str")
        cls._pe_origins = None if cls.allowed_origins is None else frozenset(map(normalise_origin, cls.allowed_origins))

    #: the host's websocket for this connection, when an overridden ``dispatch()`` is served through
    #: a route: ``super().dispatch()`` runs the session on it
    _pe_websocket: WebSocket[Any] | None = None

    async def dispatch(self) -> None:
        """Serve one connection as a bare ASGI application (override it as in Starlette)."""
        websocket = self._pe_websocket
        if websocket is None:
            websocket = WebSocket(self.scope, self.receive, self.send)
        await self.session(websocket)

    async def session(self, websocket: WebSocket[Any]) -> None:
        """The endpoint's whole life on one connection; every adapter calls this."""
        import anyio  # on first use: a host not built on anyio need not import it

        if self._pe_origins is not None and not self._origin_allowed(websocket):
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="Origin not allowed")
            return
        close_code = status.WS_1000_NORMAL_CLOSURE
        codec = codec_of(websocket.route_table)
        # A JSONResponse built during the session (a denial response) renders with the app's codec.
        token = current_codec.set(codec) if codec is not current_codec.get() else None
        try:
            await self.on_connect(websocket)
            while True:
                if websocket.application_state is WebSocketState.DISCONNECTED:
                    # The endpoint closed (or rejected) the connection itself: that is the close code.
                    close_code = websocket.close_code or status.WS_1000_NORMAL_CLOSURE
                    break
                message = await websocket.receive()
                if message["type"] == "websocket.receive":
                    if self.max_message_size is not None and self._too_big(message):
                        await websocket.close(code=status.WS_1009_MESSAGE_TOO_BIG, reason="Message too big")
                        continue
                    if self._pe_own_decode:
                        data = await self.decode(websocket, message)
                    else:
                        try:
                            data = self._decode(message, codec)
                        except _UnsupportedData as exc:
                            await _reject_frame(websocket, exc)
                    await self.on_receive(websocket, data)
                elif message["type"] == "websocket.disconnect":
                    close_code = int(message.get("code") or status.WS_1000_NORMAL_CLOSURE)
                    break
        except WebSocketException as exc:
            close_code = exc.code
            await websocket.abort(exc.code, exc.reason)
        except WebSocketDisconnect as exc:
            # The client left while the endpoint was sending (the server's send failed: 1006) or
            # reading (its close code): a disconnect, not the endpoint's failure.
            close_code = exc.code
        except Exception:
            close_code = status.WS_1011_INTERNAL_ERROR
            await websocket.abort(close_code)
            raise
        except BaseException:
            # Cancelled by the host: the connection vanished without a close frame we could read.
            close_code = status.WS_1006_ABNORMAL_CLOSURE
            raise
        finally:
            with anyio.CancelScope(shield=True):
                await websocket._stop_forwarding()
                await self.on_disconnect(websocket, close_code)
            if token is not None:
                current_codec.reset(token)

    def _origin_allowed(self, websocket: WebSocket[Any]) -> bool:
        # Exactly one Origin header, equal to an allowed one once normalised; no header (a
        # non-browser client) or several (ambiguous) is refused.
        origins = websocket.headers.getlist("origin")
        return len(origins) == 1 and self._pe_origins is not None and normalise_origin(origins[0]) in self._pe_origins

    def _too_big(self, message: Message) -> bool:
        assert self.max_message_size is not None
        text = message.get("text")
        size = len(text.encode()) if text is not None else len(message.get("bytes") or b"")
        return size > self.max_message_size

    async def decode(self, websocket: WebSocket[Any], message: Message) -> Any:
        """The message's data for ``on_receive``; a frame ``encoding`` does not allow closes 1003."""
        try:
            return self._decode(message, codec_of(websocket.route_table))
        except _UnsupportedData as exc:
            await _reject_frame(websocket, exc)

    def _decode(self, message: Message, codec: JSONCodec) -> Any:
        # Synchronous, so the session loop costs no extra coroutine per message unless a subclass
        # overrides decode().
        encoding = self.encoding
        if encoding == "text":
            if message.get("text") is None:
                raise _UnsupportedData("Expected text websocket messages, but got bytes")
            return message["text"]
        if encoding == "bytes":
            if message.get("bytes") is None:
                raise _UnsupportedData("Expected bytes websocket messages, but got text")
            return message["bytes"]
        if encoding == "json":
            text = message.get("text")
            try:
                return codec.loads(text if text is not None else message["bytes"].decode("utf-8"))
            except ValueError:  # every codec's malformed-JSON and bad-UTF-8 errors
                raise _UnsupportedData("Malformed JSON data received.") from None
        return message["text"] if message.get("text") is not None else message["bytes"]

    async def on_connect(self, websocket: WebSocket[Any]) -> None:
        """Override to handle an incoming connection; the default accepts it."""
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket[Any], data: Any) -> None:
        """Override to handle one decoded message."""

    async def on_disconnect(self, websocket: WebSocket[Any], close_code: int) -> None:
        """Override to clean up; runs exactly once per connection."""


__all__ = ["HTTPEndpoint", "HTTPException", "WebSocketEndpoint"]
