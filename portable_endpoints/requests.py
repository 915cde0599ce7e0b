"""The neutral request: what an endpoint sees of an HTTP request on any host.

The base class reads everything it can from the ASGI scope, lazily, on first access. An adapter
subclasses it only for what its host owns: the body stream, the per-request state, URL lookup.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from portable_endpoints._types import Message, Receive, Scope, Send
from portable_endpoints.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    QueryParams,
    State,
    parse_cookie_header,
)
from portable_endpoints.exceptions import HTTPException

if TYPE_CHECKING:
    from portable_endpoints.routing import RouteTable


class ClientDisconnect(Exception):
    """The client went away before the whole request body arrived."""


async def _no_receive() -> NoReturn:
    raise RuntimeError("This host owns the ASGI receive channel; use request.body() or request.stream()")


async def _no_send(message: Message) -> NoReturn:
    raise RuntimeError("This host owns the ASGI send channel; return a response instead")


class HTTPConnection(Mapping[str, Any]):
    """What requests and websockets share: URL, headers, query, cookies, client, params, state."""

    __slots__ = (
        "_cookies",
        "_headers",
        "_native",
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
        native: Any = None,
        path_params: dict[str, Any] | None = None,
        route_table: RouteTable | None = None,
    ) -> None:
        self.scope = scope
        self._native = native
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
    def native(self) -> Any:
        """The host framework's own request or websocket object (None on the bare ASGI host)."""
        return self._native

    @property
    def app(self) -> Any:
        return self.scope.get("app")

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def url(self) -> URL:
        if not hasattr(self, "_url"):
            self._url = URL.from_scope(self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        root_path = self.scope.get("app_root_path", self.scope.get("root_path", ""))
        path = root_path if root_path.endswith("/") else root_path + "/"
        return self.url.replace(path=path, query="", fragment="")

    @property
    def headers(self) -> Headers:
        if not hasattr(self, "_headers"):
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if not hasattr(self, "_query_params"):
            self._query_params = QueryParams(self.scope.get("query_string", b""))
        return self._query_params

    @property
    def cookies(self) -> dict[str, str]:
        if not hasattr(self, "_cookies"):
            cookie_header = self.headers.get("cookie")
            self._cookies = parse_cookie_header(cookie_header) if cookie_header else {}
        return self._cookies

    @property
    def client(self) -> Address | None:
        client = self.scope.get("client")
        return None if client is None else Address(*client)

    #: what to install for ``session`` to work, named in the error when there is no session
    session_hint = (
        'wrap the app in a session middleware that sets scope["session"], '
        "such as starlette.middleware.sessions.SessionMiddleware"
    )

    @property
    def session(self) -> Any:
        """The host's session (a mutable mapping); a clear error naming what to install when none is."""
        try:
            return self.scope["session"]
        except KeyError:
            raise RuntimeError(f"request.session needs a session on this host: {self.session_hint}") from None

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
        from portable_endpoints.routing import NoMatchFound

        if self.route_table is None:
            raise NoMatchFound(name, path_params)
        route, path = self.route_table.route_for(name, **path_params)
        return absolute_url(self.base_url, path, route.protocol)


def absolute_url(base: URL, path: str, protocol: str) -> URL:
    """``path`` below ``base``, with the scheme of ``protocol`` (Starlette's ``URLPath.make_absolute_url``)."""
    secure = base.is_secure
    schemes = ("wss", "ws") if protocol == "websocket" else ("https", "http")
    scheme = schemes[0] if secure else schemes[1]
    return base.replace(scheme=scheme, path=base.path.rstrip("/") + path)


class Request(HTTPConnection):
    """An HTTP request. ``await body()``, ``json()``, ``form()`` and ``stream()`` read the body."""

    __slots__ = ("_body", "_form", "_json", "_stream_consumed", "receive", "send")
    _body: bytes
    _form: FormData
    _json: Any

    def __init__(
        self,
        scope: Scope,
        receive: Receive = _no_receive,
        send: Send = _no_send,
        *,
        native: Any = None,
        path_params: dict[str, Any] | None = None,
        route_table: RouteTable | None = None,
    ) -> None:
        super().__init__(scope, native=native, path_params=path_params, route_table=route_table)
        self.receive = receive
        self.send = send
        self._stream_consumed = False

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    async def stream(self) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive; after ``body()`` it yields the cached body."""
        if hasattr(self, "_body"):
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        self._stream_consumed = True
        async for chunk in self._chunks():
            yield chunk
        yield b""

    async def _chunks(self) -> AsyncIterator[bytes]:
        """The body as the host delivers it; an adapter overrides this, and stream() keeps its rules."""
        while True:
            message = await self.receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if body:
                    yield body
                if not message.get("more_body", False):
                    return
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            # Read the channel directly rather than through stream(): no async generator per request.
            if self._stream_consumed:
                raise RuntimeError("Stream consumed")
            self._stream_consumed = True
            chunks = []
            while True:
                message = await self.receive()
                if message["type"] == "http.request":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
                elif message["type"] == "http.disconnect":
                    raise ClientDisconnect
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        """The body parsed as JSON; a malformed body is a 400, never a 500."""
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise HTTPException(400, f"Malformed JSON body: {exc}") from exc
        return self._json

    async def form(
        self, *, max_files: int = 1000, max_fields: int = 1000, max_part_size: int = 1024 * 1024
    ) -> FormData:
        """URL-encoded or multipart form data; a malformed form is a 400."""
        if not hasattr(self, "_form"):
            from portable_endpoints.formparsers import parse_form

            self._form = await parse_form(
                self.headers,
                self.stream(),
                max_files=max_files,
                max_fields=max_fields,
                max_part_size=max_part_size,
            )
        return self._form

    async def close(self) -> None:
        if hasattr(self, "_form"):
            await self._form.close()
