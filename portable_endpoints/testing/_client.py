"""An async test client that speaks HTTP and WebSocket to any ASGI application, in-process."""

from __future__ import annotations

import codecs
import json as jsonlib
import math
import re
import secrets
import sys
import time
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from email.utils import mktime_tz, parsedate_tz
from http.cookies import SimpleCookie
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import anyio
import anyio.abc

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from portable_endpoints.datastructures import Headers
from portable_endpoints.requests import ClientDisconnect
from portable_endpoints.types import ASGIApp, Message
from portable_endpoints.websockets import WebSocketDisconnect

FileField = tuple[str, bytes, str]
_LINE_END = re.compile(r"\r\n|\r|\n")
TIMEOUT = 10.0
#: how many body messages ``stream()`` holds that the test has not read (the app's sends then wait)
STREAM_BUFFER = 16


def _expired(expires: Any) -> bool:
    """Whether a cookie's ``Expires`` has passed: a deletion (Starlette's session middleware sends 1970)."""
    if expires in ("0", 0):
        return True
    if not expires:
        return False
    parsed = parsedate_tz(str(expires))
    return parsed is not None and mktime_tz(parsed) <= time.time()


class TestResponse:
    """A complete response: status, headers and the whole body (decoded from gzip or deflate, as httpx)."""

    __test__ = False

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.status_code = status_code
        self.headers = Headers(raw=raw_headers)
        self.content = _decoded(content, self.headers.get("content-encoding", ""))
        #: as httpx's: ``"http.response.trailers"``, the trailers, when the app sent some
        self.extensions: dict[str, Any] = {}

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.content.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return jsonlib.loads(self.content)

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies the response sets, by name."""
        jar: SimpleCookie = SimpleCookie()
        for value in self.headers.getlist("set-cookie"):
            jar.load(_loadable(value))
        return {key: morsel.value for key, morsel in jar.items()}

    def __repr__(self) -> str:
        return f"<TestResponse [{self.status_code}]>"


def _server(netloc: str, scheme: str) -> list[Any]:
    """The scope's ``server``: the URL's host and port (the scheme's default port when it has none)."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:  # a port out of range: the default one
        port = None
    return [parts.hostname or "testserver", port or (443 if scheme in ("https", "wss") else 80)]


def _loadable(set_cookie: str) -> str:
    """A ``Set-Cookie`` value without ``Partitioned``, which ``http.cookies`` before 3.14 refuses whole."""
    return re.sub(r";\s*partitioned\s*(?=;|$)", "", set_cookie, flags=re.IGNORECASE)


def _decoded(content: bytes, encoding: str) -> bytes:
    """``content`` with its ``Content-Encoding`` undone, as httpx does (so Starlette's tests port as they are)."""
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(encoding.strip().lower())
    if wbits is None or not content:
        return content
    decoder = zlib.decompressobj(wbits)
    return decoder.decompress(content) + decoder.flush()


class StreamingTestResponse:
    """A response read as it arrives (``client.stream(...)``): status and headers, then the body."""

    __test__ = False

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], chunks: Any) -> None:
        self.status_code = status_code
        self.headers = Headers(raw=raw_headers)
        self._chunks: MemoryObjectReceiveStream[bytes | None] = chunks
        #: whether the app has sent the last body message
        self.complete = False

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body chunks as the app sends them; each must come within the client's timeout."""
        while not self.complete:
            try:
                with anyio.fail_after(TIMEOUT):
                    chunk = await self._chunks.receive()
            except anyio.EndOfStream:
                return
            if chunk is None:
                self.complete = True
                return
            if chunk:
                yield chunk

    async def aiter_text(self) -> AsyncIterator[str]:
        """The body chunks decoded as UTF-8 (a character split across chunks is kept whole)."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        async for chunk in self.aiter_bytes():
            if text := decoder.decode(chunk):
                yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        """The body's lines as they complete, without their ``\\n``, ``\\r\\n`` or ``\\r``."""
        pending = ""
        async for text in self.aiter_text():
            pending += text
            while (end := _LINE_END.search(pending)) is not None:
                if end.group() == "\r" and end.end() == len(pending):
                    break  # perhaps the first half of a "\r\n" split across chunks
                yield pending[: end.start()]
                pending = pending[end.end() :]
        if pending:
            yield pending.removesuffix("\r")

    async def read(self) -> bytes:
        """The rest of the body, once the app has sent all of it (or returned without finishing it)."""
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    def __repr__(self) -> str:
        return f"<StreamingTestResponse [{self.status_code}]>"


class WebSocketRejected(Exception):
    """The application refused the handshake: closed before accepting, or sent a denial response."""

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        super().__init__(f"WebSocket handshake rejected with HTTP {status_code}")
        self.status_code = status_code
        self.headers = headers
        self.content = content


class TestClient:
    """``async with TestClient(app) as client: response = await client.get("/")``.

    Entering runs the app's lifespan startup (if it speaks lifespan); leaving runs shutdown.
    Exceptions that escape the application are re-raised in the test unless
    ``raise_app_exceptions=False``, in which case an unanswered request reads as a 500.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://testserver",
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
        raise_app_exceptions: bool = True,
        spec_version: str = "2.4",
        lifespan: bool = True,
    ) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.root_path = root_path
        self.client = client
        self.raise_app_exceptions = raise_app_exceptions
        self.spec_version = spec_version
        self.use_lifespan = lifespan
        self.cookies: dict[str, str] = {}
        #: names of the cookies set ``Secure``, which go to https/wss URLs only (as browsers and httpx)
        self._secure_cookies: set[str] = set()
        self._stack = AsyncExitStack()
        self._task_group: anyio.abc.TaskGroup | None = None
        self.lifespan_state: dict[str, Any] = {}
        self._late_errors: list[Exception] = []
        #: set when each request's app call has returned
        self._requests_running: list[anyio.Event] = []
        self._streams: list[Any] = []

    async def __aenter__(self) -> TestClient:
        self._task_group = await self._stack.enter_async_context(anyio.create_task_group())
        if self.use_lifespan:
            try:
                await self._start_lifespan()
            except BaseException as exc:
                # No __aexit__ follows a failed __aenter__: stop the app's lifespan task here.
                self._task_group.cancel_scope.cancel()
                try:
                    await self._stack.__aexit__(type(exc), exc, exc.__traceback__)
                except BaseExceptionGroup as group:
                    if not (len(group.exceptions) == 1 and group.exceptions[0] is exc):
                        raise
                finally:
                    for stream in self._streams:
                        stream.close()
                raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                # As a server lets a request's app call finish (background tasks), so its late
                # errors are raised here, before the app shuts down.
                with anyio.move_on_after(TIMEOUT):
                    for finished in list(self._requests_running):
                        await finished.wait()
            if self.use_lifespan and hasattr(self, "_lifespan_in"):
                await self._lifespan_in.send({"type": "lifespan.shutdown"})
                with anyio.fail_after(TIMEOUT):
                    await self._lifespan_done.wait()
        finally:
            assert self._task_group is not None
            self._task_group.cancel_scope.cancel()
            try:
                await self._stack.__aexit__(exc_type, exc, tb)
            except BaseExceptionGroup as group:
                # The test's own failure, wrapped by the task group: let it propagate unwrapped.
                if not (exc is not None and len(group.exceptions) == 1 and group.exceptions[0] is exc):
                    raise
            for stream in self._streams:
                stream.close()
        if self._late_errors and self.raise_app_exceptions and exc is None:
            raise self._late_errors[0]

    # -- lifespan ---------------------------------------------------------------------------

    async def _start_lifespan(self) -> None:
        assert self._task_group is not None
        send_in, receive_in = anyio.create_memory_object_stream[Message](10)
        send_out, receive_out = anyio.create_memory_object_stream[Message](10)
        self._streams += [send_in, receive_in, send_out, receive_out]
        self._lifespan_in, self._lifespan_done = send_in, anyio.Event()
        scope = {"type": "lifespan", "asgi": self._asgi(), "state": self.lifespan_state}

        async def run() -> None:
            try:
                await self.app(scope, receive_in.receive, send_out.send)
            except Exception:
                pass  # apps that do not speak lifespan raise or return; both mean "no lifespan"
            finally:
                self._lifespan_done.set()
                send_out.close()

        self._task_group.start_soon(run)
        await send_in.send({"type": "lifespan.startup"})
        with anyio.fail_after(TIMEOUT):
            try:
                message = await receive_out.receive()
            except anyio.EndOfStream:
                del self._lifespan_in
                return
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"Lifespan startup failed: {message.get('message', '')}")

    # -- HTTP --------------------------------------------------------------------------------

    def _asgi(self) -> dict[str, str]:
        return {"version": "3.0", "spec_version": self.spec_version}

    def _scope(
        self, kind: str, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> dict[str, Any]:
        parts = urlsplit(url)
        query = parts.query
        if params:
            query = "&".join(filter(None, [query, urlencode(params, doseq=True)]))
        given = {key.lower() for key in headers or {}}
        # A Host header of the test's own replaces the URL's, as in httpx.
        raw_headers = [] if "host" in given else [(b"host", (parts.netloc or self.netloc).encode())]
        secure = (parts.scheme or self.scheme) in ("https", "wss")
        cookies = {k: v for k, v in self.cookies.items() if secure or k not in self._secure_cookies}
        if cookies:
            raw_headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
        for key, value in (headers or {}).items():
            raw_headers.append((key.lower().encode("latin-1"), value.encode("latin-1")))
        path = self.root_path + (parts.path or "/")
        scheme = parts.scheme or self.scheme
        if kind == "websocket":
            scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
        return {
            "type": kind,
            "asgi": self._asgi(),
            "http_version": "1.1",
            "scheme": scheme,
            "path": unquote(path),
            "raw_path": path.encode(),
            "root_path": self.root_path,
            "query_string": query.encode(),
            "headers": raw_headers,
            "client": list(self.client),
            "server": _server(parts.netloc or self.netloc, scheme),
            "extensions": {"websocket.http.response": {}} if kind == "websocket" else {},
            "state": dict(self.lifespan_state),
        }

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | Sequence[bytes] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
    ) -> TestResponse:
        """Send one request and return once the whole response has arrived."""
        headers = dict(headers or {})
        chunks = _encode_body(headers, content, json, data, files)
        scope = self._scope("http", url, params, headers)
        scope["method"] = method.upper()
        pending = list(chunks)
        complete = anyio.Event()  # the whole response has been sent
        answered = anyio.Event()  # complete, or the app returned or failed without completing
        status: list[int] = []
        raw_headers: list[tuple[bytes, bytes]] = []
        body = bytearray()
        errors: list[Exception] = []
        trailers: list[tuple[bytes, bytes]] | None = None  # a list once the app announces trailers

        async def receive() -> Message:
            if pending:
                chunk = pending.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
            if not complete.is_set():  # as servers, a disconnect already known is returned at once
                await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal trailers
            if message["type"] == "http.response.start":
                if status:
                    raise RuntimeError("The app sent http.response.start twice")
                status.append(message["status"])
                # Header names are case-insensitive; some hosts (Django) send them capitalised.
                raw_headers.extend((bytes(k).lower(), bytes(v)) for k, v in message.get("headers", []))
                if message.get("trailers", False):
                    trailers = []
            elif message["type"] == "http.response.body":
                if not status or complete.is_set():
                    raise RuntimeError("The app sent a body outside a response")
                body.extend(message.get("body", b""))
                if not message.get("more_body", False) and trailers is None:
                    complete.set()
                    answered.set()
            elif message["type"] == "http.response.trailers" and trailers is not None:
                trailers.extend((bytes(k).lower(), bytes(v)) for k, v in message.get("headers", []))
                if not message.get("more_trailers", False):
                    complete.set()
                    answered.set()

        finished = anyio.Event()
        self._requests_running.append(finished)

        async def run() -> None:
            # The app keeps running after the response (background tasks), as under a server.
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                errors.append(exc)
                if complete.is_set() and self.raise_app_exceptions:
                    self._late_errors.append(exc)
            finally:
                complete.set()
                answered.set()
                finished.set()
                self._requests_running.remove(finished)

        assert self._task_group is not None, "use 'async with TestClient(app) as client'"
        self._task_group.start_soon(run)
        with anyio.fail_after(TIMEOUT):
            await answered.wait()
        if errors and self.raise_app_exceptions:
            if errors[0] in self._late_errors:
                self._late_errors.remove(errors[0])  # raised here: not again on leaving
            raise errors[0]
        if not status:
            if errors:
                return TestResponse(500, [], b"")
            raise RuntimeError("The app returned without sending a response")
        response = TestResponse(status[0], raw_headers, bytes(body))
        if trailers is not None:
            response.extensions["http.response.trailers"] = trailers
        self._update_cookies(response)
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | Sequence[bytes] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
    ) -> AsyncIterator[StreamingTestResponse]:
        """Send one request; yield the response once its headers have come, to read its body as it
        arrives. Leaving the block before the body has ended is the client leaving: the app receives
        ``http.disconnect`` and (spec 2.4) its sends raise ``OSError``; leaving waits for the app to
        return, and fails after the client's timeout if it does not.
        """
        headers = dict(headers or {})
        pending = list(_encode_body(headers, content, json, data, files))
        scope = self._scope("http", url, params, headers)
        scope["method"] = method.upper()
        gone_raises = tuple(map(int, self.spec_version.split("."))) >= (2, 4)
        started, returned = anyio.Event(), anyio.Event()
        over = anyio.Event()  # the response is complete, or the client has left
        left = False
        status: list[int] = []
        raw_headers: list[tuple[bytes, bytes]] = []
        errors: list[tuple[Exception, bool]] = []  # each with whether the client had left by then
        chunks_in, chunks_out = anyio.create_memory_object_stream[bytes | None](STREAM_BUFFER)
        self._streams += [chunks_in, chunks_out]

        async def receive() -> Message:
            if pending and not left:
                chunk = pending.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
            if not over.is_set():  # as servers, a disconnect already known is returned at once
                await over.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if status:
                    raise RuntimeError("The app sent http.response.start twice")
                status.append(message["status"])
                raw_headers.extend((bytes(k).lower(), bytes(v)) for k, v in message.get("headers", []))
                started.set()
                return
            if message["type"] != "http.response.body" or not status or (over.is_set() and not left):
                raise RuntimeError("The app sent a body outside a response")
            more = message.get("more_body", False)
            try:
                if left:
                    raise anyio.BrokenResourceError
                # A bounded buffer, as a socket's: a client that does not read holds the app's sends.
                await chunks_in.send(bytes(message.get("body", b"")))
                if not more:
                    await chunks_in.send(None)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                if gone_raises:
                    raise OSError("the client has gone") from None
                return  # a server before spec 2.4 drops what is sent to a client that has gone
            if not more:
                over.set()

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                errors.append((exc, left))
            finally:
                returned.set()
                started.set()
                chunks_in.close()

        assert self._task_group is not None, "use 'async with TestClient(app) as client'"
        self._task_group.start_soon(run)
        with anyio.fail_after(TIMEOUT):
            await started.wait()
        if not status:
            if errors and self.raise_app_exceptions:
                raise errors[0][0]
            raise RuntimeError("The app returned without sending a response")
        response = StreamingTestResponse(status[0], raw_headers, chunks_out)
        self._update_cookies(TestResponse(status[0], raw_headers, b""))
        try:
            yield response
        finally:
            if not over.is_set():
                left = True
                chunks_out.close()
                over.set()
            try:
                with anyio.fail_after(TIMEOUT):
                    await returned.wait()
            except TimeoutError:
                raise TimeoutError(f"The app went on for {TIMEOUT} s after the client left") from None
        # What a server logs and drops: the app learning, by an error, that its client has gone.
        raised = [error for error, after_leaving in errors if not (after_leaving and _client_gone(error))]
        if raised and self.raise_app_exceptions:
            raise raised[0]

    def _update_cookies(self, response: TestResponse) -> None:
        for value in response.headers.getlist("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(_loadable(value))
            for key, morsel in jar.items():
                max_age = str(morsel["max-age"])
                if (max_age.lstrip("-").isdigit() and int(max_age) <= 0) or _expired(morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
                    if morsel["secure"]:
                        self._secure_cookies.add(key)
                    else:
                        self._secure_cookies.discard(key)

    async def get(self, url: str, **kwargs: Any) -> TestResponse:
        """A GET request; keyword arguments as for ``request``."""
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> TestResponse:
        """A HEAD request; keyword arguments as for ``request``."""
        return await self.request("HEAD", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> TestResponse:
        """A POST request; keyword arguments as for ``request`` (``json=``, ``data=``, ``files=``, ``content=``)."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> TestResponse:
        """A PUT request; keyword arguments as for ``request``."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> TestResponse:
        """A PATCH request; keyword arguments as for ``request``."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> TestResponse:
        """A DELETE request; keyword arguments as for ``request``."""
        return await self.request("DELETE", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> TestResponse:
        """An OPTIONS request; keyword arguments as for ``request``."""
        return await self.request("OPTIONS", url, **kwargs)

    # -- WebSocket ---------------------------------------------------------------------------

    @asynccontextmanager
    async def websocket_connect(
        self,
        url: str,
        *,
        subprotocols: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[WebSocketTestSession]:
        """Open a WebSocket; raises ``WebSocketRejected`` if the app refuses the handshake."""
        assert self._task_group is not None, "use 'async with TestClient(app) as client'"
        scope = self._scope("websocket", url, params, headers)
        scope["subprotocols"] = list(subprotocols or [])
        session = WebSocketTestSession(self, scope)
        await session._open()
        try:
            yield session
        finally:
            await session._finish()


class WebSocketTestSession:
    """The client end of one WebSocket connection."""

    __test__ = False

    def __init__(self, client: TestClient, scope: dict[str, Any]) -> None:
        self._client = client
        self.scope = scope
        self._to_app: MemoryObjectSendStream[Message]
        self._from_app: MemoryObjectReceiveStream[Message]
        self._app_done = anyio.Event()
        self._app_error: BaseException | None = None
        self._closed = False
        self.accepted_subprotocol: str | None = None
        self.accepted_headers = Headers()
        #: the close frame the app sent (code, reason), once it has
        self.close_code: int | None = None
        self.close_reason = ""

    async def _open(self) -> None:
        assert self._client._task_group is not None
        self._to_app, receive_stream = anyio.create_memory_object_stream[Message](math.inf)
        send_stream, self._from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._client._streams += [self._to_app, receive_stream, send_stream, self._from_app]

        async def run() -> None:
            try:
                await self._client.app(self.scope, receive_stream.receive, send_stream.send)
            except BaseException as exc:
                self._app_error = exc
                if not isinstance(exc, Exception):
                    raise
            finally:
                self._app_done.set()
                send_stream.close()

        self._client._task_group.start_soon(run)
        await self._to_app.send({"type": "websocket.connect"})
        message = await self._next()
        if message is None:
            self._raise_app_error()
            raise WebSocketRejected(500, Headers(), b"")
        if message["type"] == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            self.accepted_headers = Headers(raw=[(bytes(k).lower(), bytes(v)) for k, v in message.get("headers") or []])
            return
        self._closed = True
        if message["type"] == "websocket.close":
            await self._refused()
            raise WebSocketRejected(403, Headers(), b"")
        if message["type"] == "websocket.http.response.start":
            raw = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
            body = bytearray()
            while True:
                part = await self._next()
                if part is None:
                    break
                body.extend(part.get("body", b""))
                if not part.get("more_body", False):
                    break
            await self._refused()
            raise WebSocketRejected(message["status"], Headers(raw=raw), bytes(body))
        raise RuntimeError(f"Unexpected message during the handshake: {message!r}")

    async def _refused(self) -> None:
        # As servers do once the handshake is refused: an app still reading gets a disconnect.
        await self._to_app.send({"type": "websocket.disconnect", "code": 1006})
        await self._wait_app()

    async def _next(self) -> Message | None:
        with anyio.fail_after(TIMEOUT):
            try:
                return await self._from_app.receive()
            except anyio.EndOfStream:
                return None

    def _raise_app_error(self) -> None:
        if self._app_error is not None and self._client.raise_app_exceptions:
            error, self._app_error = self._app_error, None
            raise error

    async def _wait_app(self) -> None:
        with anyio.fail_after(TIMEOUT):
            await self._app_done.wait()
        self._raise_app_error()

    async def _finish(self) -> None:
        if not self._closed:
            await self.close()
        else:
            await self._wait_app()

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message (``{"type": "websocket.receive", ...}``) to the app."""
        await self._to_app.send(message)

    async def send_text(self, data: str) -> None:
        """Send a text frame."""
        await self.send({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame."""
        await self.send({"type": "websocket.receive", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send ``data`` as JSON, in a text frame (``mode="text"``) or a binary one."""
        text = jsonlib.dumps(data)
        if mode == "text":
            await self.send_text(text)
        else:
            await self.send_bytes(text.encode())

    async def receive(self) -> Message:
        """The next message from the app; a close frame raises ``WebSocketDisconnect``."""
        message = await self._next()
        if message is None:
            self._closed = True
            self._raise_app_error()
            raise WebSocketDisconnect(1006, "the application ended without a close frame")
        if message["type"] == "websocket.close":
            self._closed = True
            self.close_code, self.close_reason = message.get("code", 1000), message.get("reason") or ""
            await self._to_app.send({"type": "websocket.disconnect", "code": self.close_code})
            await self._wait_app()
            raise WebSocketDisconnect(self.close_code, self.close_reason)
        return message

    async def receive_text(self) -> str:
        """The next text frame; raises ``WebSocketDisconnect`` if the app closed instead."""
        message = await self.receive()
        if message.get("text") is None:
            raise AssertionError(f"Expected a text frame, got {message!r}")
        return str(message["text"])

    async def receive_bytes(self) -> bytes:
        """The next binary frame; raises ``WebSocketDisconnect`` if the app closed instead."""
        message = await self.receive()
        if message.get("bytes") is None:
            raise AssertionError(f"Expected a binary frame, got {message!r}")
        return bytes(message["bytes"])

    async def receive_json(self) -> Any:
        """The next frame parsed as JSON."""
        message = await self.receive()
        return jsonlib.loads(message["text"] if message.get("text") is not None else message["bytes"])

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client side with ``code`` and wait for the app to finish."""
        if self._closed:
            return
        self._closed = True
        await self._to_app.send({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._wait_app()


def _client_gone(error: BaseException | None) -> bool:
    """Whether ``error`` is (or a host's wrapping of) a send to a client that has gone."""
    while error is not None:
        if isinstance(error, OSError | ClientDisconnect):
            return True
        error = error.__cause__ or error.__context__
    return False


def _encode_body(
    headers: dict[str, str],
    content: bytes | str | Sequence[bytes] | None,
    json: Any,
    data: Mapping[str, str] | None,
    files: Mapping[str, FileField] | None,
) -> list[bytes]:
    if json is not None:
        headers.setdefault("content-type", "application/json")
        body = jsonlib.dumps(json).encode()
    elif files:
        boundary = secrets.token_hex(16)
        headers.setdefault("content-type", f"multipart/form-data; boundary={boundary}")
        parts = []
        for name, value in (data or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, payload, content_type) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + payload + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    elif data is not None:
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
        body = urlencode(data).encode()
    elif isinstance(content, str):
        body = content.encode()
    elif isinstance(content, bytes) or content is None:
        body = content or b""
    else:
        chunks = list(content)
        headers.setdefault("content-length", str(sum(map(len, chunks))))
        return chunks or [b""]
    if body:
        headers.setdefault("content-length", str(len(body)))
    return [body]
