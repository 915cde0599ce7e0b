"""The neutral request: what an endpoint sees of an HTTP request on any host.

The base class reads everything it can from the ASGI scope, lazily, on first access. It is generic in
``native``, the host's own request object, which an adapter passes (or a factory, to build it only on
access). What the host owns comes in as constructor arguments (the body, as ``body_chunks``, with
the host's byte limit as ``max_body_size``); an adapter subclasses only to take the per-request
state or URL building from its host.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, cast

from portable_endpoints._json import STDLIB, JSONCodec
from portable_endpoints.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    QueryParams,
    State,
    parse_cookie_header,
)
from portable_endpoints.exceptions import HTTPException, MalformedJSON, NoMatchFound, SessionNotInstalled
from portable_endpoints.types import BodyChunks, Message, Receive, Scope, Send, URLPathResolver

#: The host's own request or websocket type (``None`` on the bare ASGI host).
if sys.version_info >= (3, 13):
    from typing import TypeVar

    NativeT = TypeVar("NativeT", default=Any)
elif TYPE_CHECKING:
    from typing_extensions import TypeVar

    NativeT = TypeVar("NativeT", default=Any)
else:
    # The default (a bare ``Request`` is ``Request[Any]``) is for type checkers: before Python
    # 3.13 only typing_extensions has it, which most hosts would import at start-up for nothing.
    from typing import TypeVar

    NativeT = TypeVar("NativeT")


#: ``Request._json`` before the body is parsed (``None`` is a valid JSON value, so not that).
_UNPARSED: Any = object()


class ClientDisconnect(Exception):
    """The client went away before the whole request body arrived (or, on a spec 2.4 server, mid-response)."""


#: Scope key of a host's disconnect probe: a ``() -> bool`` saying whether the client has gone.
#: A host that reads the ASGI receive channel itself (Quart, Django) sets it, since
#: ``Request.is_disconnected`` cannot read the channel there; the request sets it too, to
#: remember a disconnect it has seen.
DISCONNECT_PROBE = "portable_endpoints.disconnect_probe"


def _gone() -> bool:
    return True


def client_left(scope: Scope) -> None:
    """Remember in ``scope`` that the client has gone: ``is_disconnected()`` then says so."""
    scope[DISCONNECT_PROBE] = _gone


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"Request body larger than {limit} bytes")


async def read_asgi_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole body from an ASGI ``receive`` channel: the body-reading primitive of every host.

    Raises ``HTTPException(413)`` as soon as more than ``limit`` bytes have arrived (``None``: no
    limit), and ``ClientDisconnect`` when the client leaves first. Reads the channel directly, with
    no generator in between: this is every request's hot path.
    """
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        # The whole body in one message, the common case: no list, no join.
        body = message.get("body", b"")
        if limit is not None and len(body) > limit:
            raise _too_large(limit)
        return body if type(body) is bytes else bytes(body)
    chunks = []
    size = 0
    while True:
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            if limit is not None:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect
        message = await receive()


async def read_chunks(chunks: AsyncIterator[bytes], limit: int | None = None) -> bytes:
    """``chunks`` joined, with ``read_asgi_body``'s ``limit`` rule."""
    parts = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


async def _no_receive() -> NoReturn:
    raise RuntimeError("This host owns the ASGI receive channel; use request.body() or request.stream()")


async def _no_send(message: Message) -> NoReturn:
    raise RuntimeError(
        "This host owns the ASGI send channel: return a response (any ASGI response object), "
        "or answer through self.send from an overridden dispatch(), as in Starlette"
    )


class HTTPConnection(Mapping[str, Any], Generic[NativeT]):
    """What requests and websockets share: URL, headers, query, cookies, client, params, state.

    :param native: the host's own request object, or ``native_factory`` to build it on first access.
    :param path_params: the converted path params (default: ``scope["path_params"]``).
    :param route_table: what ``url_for`` resolves names with (a ``RouteTable``).
    """

    # "__dict__": real code sets ad-hoc attributes (``request.page_id = 3``), as Starlette allows.
    __slots__ = (
        "__dict__",
        "_cookies",
        "_headers",
        "_native",
        "_native_factory",
        "_query_params",
        "_state",
        "_url",
        "path_params",
        "route_table",
        "scope",
    )
    _cookies: dict[str, str]
    _headers: Headers
    _query_params: QueryParams
    _state: Any
    _url: URL

    def __init__(
        self,
        scope: Scope,
        *,
        native: NativeT | None = None,
        native_factory: Callable[[], NativeT] | None = None,
        path_params: dict[str, Any] | None = None,
        route_table: URLPathResolver | None = None,
    ) -> None:
        self.scope = scope
        self._native = native
        self._native_factory = native_factory
        self.path_params: dict[str, Any] = scope.get("path_params", {}) if path_params is None else path_params
        self.route_table = route_table

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def native(self) -> NativeT:
        """The host framework's own request or websocket object (None on the bare ASGI host)."""
        native = self._native
        if native is None and self._native_factory is not None:
            native = self._native = self._native_factory()
        return cast("NativeT", native)

    @property
    def app(self) -> Any:
        """The host's application object (``scope["app"]``): the Starlette, Quart or Litestar app."""
        return self.scope.get("app")

    @property
    def path(self) -> str:
        """The request path, percent-decoded, as the server gave it (``scope["path"]``)."""
        return str(self.scope["path"])

    @property
    def url(self) -> URL:
        """The full URL: scheme, host, port, root path, path and query string."""
        if not hasattr(self, "_url"):
            self._url = URL.from_scope(self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        """The URL of the application's root (its ``root_path``), with no path, query or fragment."""
        # Computed once, as Starlette's: every url_for() of a request (a template's links) starts here.
        if not hasattr(self, "_base_url"):
            root_path = self.scope.get("app_root_path", self.scope.get("root_path", ""))
            path = root_path if root_path.endswith("/") else root_path + "/"
            self._base_url = self.url.replace(path=path, query="", fragment="")
        return self._base_url

    @property
    def headers(self) -> Headers:
        """The request headers: case-insensitive, multi-valued (``headers.getlist("accept")``)."""
        if not hasattr(self, "_headers"):
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The query string, parsed: multi-valued (``query_params.getlist("tag")``), values are ``str``."""
        if not hasattr(self, "_query_params"):
            self._query_params = QueryParams(self.scope.get("query_string", b""))
        return self._query_params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies of the ``Cookie`` header, by name."""
        if not hasattr(self, "_cookies"):
            cookie_header = self.headers.get("cookie")
            self._cookies = parse_cookie_header(cookie_header) if cookie_header else {}
        return self._cookies

    @property
    def client(self) -> Address | None:
        """The client's ``(host, port)`` address, or None when the server does not say."""
        client = self.scope.get("client")
        return None if client is None else Address(*client)

    @property
    def auth(self) -> Any:
        """The credentials an authentication middleware found (``scope["auth"]``): ``auth.scopes``."""
        try:
            return self.scope["auth"]
        except KeyError:
            raise AssertionError("AuthenticationMiddleware must be installed to access request.auth") from None

    @property
    def user(self) -> Any:
        """Who is calling (``scope["user"]``), as the host's or the portable authentication middleware set it."""
        try:
            return self.scope["user"]
        except KeyError:
            raise AssertionError("AuthenticationMiddleware must be installed to access request.user") from None

    #: what to install for ``session`` to work, named in the error when there is no session
    session_hint = (
        'install a session middleware around the app that sets scope["session"], '
        "such as portable_endpoints.middleware.sessions.SessionMiddleware"
    )

    @property
    def session(self) -> Any:
        """The host's session (a mutable mapping); a clear error naming what to install when none is."""
        try:
            session = self.scope["session"]
        except KeyError:
            raise SessionNotInstalled(f"request.session needs a session on this host: {self.session_hint}") from None
        if hasattr(session, "mark_accessed"):  # as Starlette: a session read answers "Vary: Cookie"
            session.mark_accessed()
        return session

    @property
    def state(self) -> Any:
        """The host's per-request state; here an attribute view over ``scope["state"]``."""
        if not hasattr(self, "_state"):
            self._state = State(self.scope.setdefault("state", {}))
        return self._state

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route called ``name`` (``"mount:name"`` inside a named Mount).

        As Starlette: the first route of that name whose params fit; a WebSocket route's URL has
        the ``ws``/``wss`` scheme, an HTTP route's ``http``/``https``, whatever this connection's is.
        """
        if self.route_table is None:
            raise NoMatchFound(name, path_params)
        path = self.route_table.url_path_for(name, **path_params)
        return absolute_url(self.base_url, path, getattr(path, "protocol", "http"))


def absolute_url(base: URL, path: str, protocol: str) -> URL:
    """``path`` below ``base``, with the scheme of ``protocol`` (Starlette's ``URLPath.make_absolute_url``)."""
    secure = base.is_secure
    schemes = ("wss", "ws") if protocol == "websocket" else ("https", "http")
    scheme = schemes[0] if secure else schemes[1]
    return base.replace(scheme=scheme, path=base.path.rstrip("/") + path)


class Request(HTTPConnection[NativeT]):
    """An HTTP request. ``await body()``, ``json()``, ``form()`` and ``stream()`` read the body.

    :param receive: the ASGI receive channel, which the body is read from by default.
    :param body_chunks: for a host that reads the ASGI channel itself, a callable returning the
        body in chunks as the host delivers them (raise ``ClientDisconnect`` when the client
        leaves mid-body). The core keeps the rules around it: the cache, "Stream consumed", the limit.
    :param read_body: for a host that reads and caches the whole body itself (so its hooks and
        error handlers can read it too), how to get it: ``body()`` then awaits this instead of
        joining ``body_chunks``.
    :param max_body_size: the most bytes ``body()``, ``json()``, ``form()`` and ``stream()`` read;
        a larger declared ``Content-Length`` is refused before reading, a larger body as soon as it
        passes the limit, both with ``HTTPException(413)``. ``None``: no limit.
    """

    #: For adapters: the host sends an ASGI app ``run_endpoint`` returns on this request's ``send``,
    #: at once. An app the endpoint hands the request to (a ``Mount(app=...)``, an overridden
    #: ``dispatch()``, route middleware) then runs inline and answers on ``send`` during the endpoint
    #: call, as in Starlette. Set it False on a request class whose host does anything in between
    #: (sends through a channel of its own, runs hooks on the response): the app then runs in a task
    #: of its own until it answers, and is handed the host's ``send`` when the host sends it.
    sends_response_at_once: ClassVar[bool] = True

    __slots__ = (
        "_body",
        "_body_chunks",
        "_form",
        "_json",
        "_limited_by_route",
        "_read_body",
        "_stream_consumed",
        "max_body_size",
        "receive",
        "send",
    )
    # Set in __init__ (None / _UNPARSED until read): a missing slot would make every check raise inside.
    _body: bytes | None
    _form: FormData | None
    _json: Any

    def __init__(
        self,
        scope: Scope,
        receive: Receive = _no_receive,
        send: Send = _no_send,
        # Positional too (additively): a class called with keywords costs far more per request.
        path_params: dict[str, Any] | None = None,
        route_table: URLPathResolver | None = None,
        *,
        native: NativeT | None = None,
        native_factory: Callable[[], NativeT] | None = None,
        body_chunks: BodyChunks | None = None,
        read_body: Callable[[], Awaitable[bytes]] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        # HTTPConnection.__init__, inlined: this runs for every request.
        self.scope = scope
        self._native = native
        self._native_factory = native_factory
        self.path_params = scope.get("path_params", {}) if path_params is None else path_params
        self.route_table = route_table
        self.receive = receive
        self.send = send
        self._body_chunks = body_chunks
        self._read_body = read_body
        self.max_body_size = max_body_size
        self._limited_by_route = False
        self._stream_consumed = False
        self._body = None
        self._json = _UNPARSED
        self._form = None

    def limit_body(self, max_body_size: int) -> None:
        """Lower the body limit to ``max_body_size`` (the route's); the host's own limit still applies when smaller."""
        if self.max_body_size is None or max_body_size < self.max_body_size:
            self.max_body_size = max_body_size
            self._limited_by_route = True

    @property
    def method(self) -> str:
        """The HTTP method, upper case (``"GET"``)."""
        return str(self.scope["method"])

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body in chunks as they arrive; after ``body()`` it yields the cached body."""
        if self._body is not None:
            yield self._body
            yield b""
            return
        self._start_reading()
        limit = self.max_body_size
        received = 0
        async for chunk in self._chunks():
            if limit is not None:
                received += len(chunk)
                if received > limit:
                    raise _too_large(limit)
            yield chunk
        yield b""

    def _start_reading(self) -> None:
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        self._stream_consumed = True
        limit = self.max_body_size
        if limit is not None:
            declared = self.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)

    def _chunks(self) -> AsyncIterator[bytes]:
        return self._body_chunks() if self._body_chunks is not None else self._receive_chunks()

    async def _receive_chunks(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if body:
                    yield body
                if not message.get("more_body", False):
                    return
            elif message["type"] == "http.disconnect":
                client_left(self.scope)  # as Starlette: is_disconnected() says so from now on
                raise ClientDisconnect

    async def body(self) -> bytes:
        """The whole body, read once and cached; more than ``max_body_size`` bytes is a 413."""
        body = self._body
        if body is None:
            limit = self.max_body_size
            if limit is not None or self._stream_consumed:
                self._start_reading()
            else:
                self._stream_consumed = True
            if self._read_body is not None and not self._cut_off_chunked():
                body = await self._read_body()
                if limit is not None and len(body) > limit:
                    raise _too_large(limit)
            elif self._body_chunks is not None:
                body = await read_chunks(self._body_chunks(), limit)
            else:
                body = await read_asgi_body(self.receive, limit)
            self._body = body
        return body

    def _cut_off_chunked(self) -> bool:
        # The host's whole-body reader knows only the host's limit. A body of undeclared length
        # under a stricter route limit is read in chunks instead, to cut it off as it passes.
        return self._limited_by_route and self._body_chunks is not None and "content-length" not in self.headers

    async def json(self) -> Any:
        """The body parsed as JSON by the app's ``json_codec``.

        A malformed body raises ``MalformedJSON``: a ``json.JSONDecodeError`` to code that catches
        it (as Starlette's), a 400 when nothing does, never a 500.
        """
        value = self._json
        if value is _UNPARSED:
            body = self._body
            if body is None:
                body = await self.body()
            codec: JSONCodec = getattr(self.route_table, "json_codec", STDLIB)  # codec_of(), inlined
            try:
                value = self._json = codec.loads(body)
            except ValueError as exc:  # every codec's malformed-JSON and bad-UTF-8 errors
                raise MalformedJSON.from_codec_error(exc, body) from exc
        return value

    async def form(
        self, *, max_files: int = 1000, max_fields: int = 1000, max_part_size: int = 1024 * 1024
    ) -> FormData:
        """URL-encoded or multipart form data; a malformed form is a 400."""
        form = self._form
        if form is None:
            # Imported on first use: python-multipart is needed only by apps that read forms.
            from portable_endpoints.formparsers import parse_form

            form = self._form = await parse_form(
                self.headers,
                self.stream(),
                max_files=max_files,
                max_fields=max_fields,
                max_part_size=max_part_size,
            )
        return form

    async def is_disconnected(self) -> bool:
        """Whether the client has gone, without waiting: Starlette's check, on every host.

        Reads a message from the ASGI channel only if one is there at once (a body message read
        this way is lost, as on Starlette); a disconnect, once seen, is remembered. On a host that
        reads the channel itself, the host's own knowledge is asked (``DISCONNECT_PROBE``).
        """
        probe: Callable[[], bool] | None = self.scope.get(DISCONNECT_PROBE)
        if probe is not None:
            return probe()
        if self.receive is _no_receive:
            return False  # a host that owns the channel and gave no probe: it cannot tell
        import anyio  # on first use: a host not built on anyio need not import it

        message: Message = {}
        with anyio.CancelScope() as cancel_scope:  # if no message is there at once, move on
            cancel_scope.cancel()
            message = await self.receive()
        if message.get("type") == "http.disconnect":
            client_left(self.scope)
            return True
        return False

    async def close(self) -> None:
        """Close the files of a parsed multipart form, if any."""
        if self._form is not None:
            await self._form.close()
