"""URL, headers, query parameters, forms and uploads: the value types of the request protocol."""

from __future__ import annotations

import functools
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from http.cookies import _unquote
from ipaddress import AddressValueError, IPv6Address
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO, NamedTuple, TypeVar
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from portable_endpoints._concurrency import run_in_threadpool
from portable_endpoints.types import Scope

_T = TypeVar("_T")


class Address(NamedTuple):
    host: str
    port: int


@functools.cache
def _host_re() -> re.Pattern[str]:
    # Starlette 1.10's: a Host header with characters that could change the URL's path or
    # authority is invalid. Compiled on first use: a start-up cost on hosts that never ask.
    return re.compile(
        r"^(?P<host>[a-z0-9._~%!$&'()*+,;=-]+|\[(?:(?P<ipv6>[a-f0-9]*:[a-f0-9.:]+)|"
        r"(?-i:v)[a-f0-9]+\.[a-z0-9._~!$&'()*+,;=:-]+)\])(?::(?P<port>[0-9]+))?$",
        re.IGNORECASE,
    )


class ParsedHost(NamedTuple):
    """A valid ``Host`` header: its host (IP literals keep their brackets) and port, as given."""

    host: str
    port: str | None

    @property
    def authority(self) -> str:
        """``host:port``, or the host alone when no port was given."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def is_valid_port(self) -> bool:
        """Whether the port, if any, is at most 65535."""
        if self.port is None:
            return True
        port = self.port.lstrip("0")
        return len(port) <= 5 and int(port or "0") <= 65535


def parse_host_header(host_header: str | None) -> ParsedHost | None:
    """A ``Host`` header split into host and port (Starlette 1.10's rule); None when it is invalid."""
    if host_header is None:
        return None
    match = _host_re().fullmatch(host_header)
    if match is None:
        return None
    ipv6 = match["ipv6"]
    if ipv6 is not None:
        try:
            IPv6Address(ipv6)
        except AddressValueError:
            return None
    return ParsedHost(match["host"], match["port"])


class URL:
    """An immutable URL with its components as properties; compares equal to its string."""

    __slots__ = ("_components", "_url")
    _components: SplitResult

    def __init__(self, url: str = "") -> None:
        self._url = url

    @classmethod
    def from_scope(cls, scope: Scope) -> URL:
        """The URL an ASGI scope was requested at: scheme, ``Host`` header (or server), path, query."""
        scheme = scope.get("scheme", "http")
        server = scope.get("server")
        path = scope["path"]
        query_string = scope.get("query_string", b"")
        host = None
        for key, value in scope["headers"]:
            if key == b"host":
                host = value.decode("latin-1")
                break
        # As Starlette 1.10: an invalid Host header gives way to the server's address.
        parsed = parse_host_header(host) if host is not None else None
        if parsed is not None and parsed.is_valid_port:
            url = f"{scheme}://{parsed.authority}{path}"
        elif server is None:
            url = path
        else:
            name, port = server
            if ":" in name and not name.startswith("["):
                name = f"[{name}]"
            default = {"http": 80, "https": 443, "ws": 80, "wss": 443}[scheme]
            url = f"{scheme}://{name}{'' if port == default else f':{port}'}{path}"
        if query_string:
            url += "?" + query_string.decode("latin-1")
        return cls(url)

    @property
    def components(self) -> SplitResult:
        """The ``urllib.parse.SplitResult`` of the URL, parsed on first use."""
        try:
            return self._components
        except AttributeError:
            self._components = urlsplit(self._url)
            return self._components

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str | URL) and self._url == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    @property
    def scheme(self) -> str:
        """``"http"``, ``"https"``, ``"ws"`` or ``"wss"``."""
        return self.components.scheme

    @property
    def netloc(self) -> str:
        """Host and port, as in the URL (``"example.com:8000"``)."""
        return self.components.netloc

    @property
    def path(self) -> str:
        """The path, percent-encoded as in the URL."""
        return self.components.path

    @property
    def query(self) -> str:
        """The query string, without the ``?``."""
        return self.components.query

    @property
    def fragment(self) -> str:
        """The fragment, without the ``#``."""
        return self.components.fragment

    @property
    def hostname(self) -> str | None:
        """The host name, lower case, or None."""
        return self.components.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or None when the URL has none."""
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        """A new URL with components replaced: ``url.replace(path="/", query="")``."""
        return URL(self.components._replace(**kwargs).geturl())

    def include_query_params(self, **kwargs: Any) -> URL:
        """A new URL with these query parameters set (others kept)."""
        params = MultiDict(parse_qsl(self.query, keep_blank_values=True))
        params.update({str(key): str(value) for key, value in kwargs.items()})
        return self.replace(query=urlencode(params.multi_items()))


class URLPath(str):
    """A path ``url_path_for`` built, and whether it is an ``http`` or a ``websocket`` route's, as Starlette's."""

    protocol: str

    def __new__(cls, path: str, protocol: str = "") -> URLPath:
        instance = str.__new__(cls, path)
        instance.protocol = protocol
        return instance


class ImmutableMultiDict(Mapping[str, _T]):
    """A mapping where a key may hold several values; ``d[key]`` is the last one, as in Starlette."""

    __slots__ = ("_dict", "_list")

    def __init__(self, items: Iterable[tuple[str, _T]] | Mapping[str, _T] = ()) -> None:
        if isinstance(items, ImmutableMultiDict):
            pairs: list[tuple[str, _T]] = items.multi_items()
        elif isinstance(items, Mapping):
            pairs = list(items.items())
        else:
            pairs = list(items)
        self._list = pairs
        self._dict = dict(pairs)

    def getlist(self, key: str) -> list[_T]:
        """Every value of ``key``, in order (``[]`` when absent)."""
        return [value for item_key, value in self._list if item_key == key]

    def multi_items(self) -> list[tuple[str, _T]]:
        """Every ``(key, value)`` pair, repeated keys included."""
        return list(self._list)

    def keys(self) -> KeysView[str]:
        return self._dict.keys()

    def values(self) -> ValuesView[_T]:
        return self._dict.values()

    def items(self) -> ItemsView[str, _T]:
        return self._dict.items()

    def __getitem__(self, key: str) -> _T:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImmutableMultiDict) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class MultiDict(ImmutableMultiDict[_T]):
    def __setitem__(self, key: str, value: _T) -> None:
        self._list = [(k, v) for k, v in self._list if k != key] + [(key, value)]
        self._dict[key] = value

    def update(self, other: Mapping[str, _T]) -> None:
        for key, value in other.items():
            self[key] = value


class QueryParams(ImmutableMultiDict[str]):
    """Query string parameters, multi-valued."""

    def __init__(self, query: str | bytes | Iterable[tuple[str, str]] | Mapping[str, str] = "") -> None:
        if isinstance(query, bytes):
            query = query.decode("latin-1")
        if isinstance(query, str):
            super().__init__(parse_qsl(query, keep_blank_values=True))
        else:
            super().__init__(query)

    def __str__(self) -> str:
        return urlencode(self._list)


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued, read-only HTTP headers over the ASGI raw header list."""

    __slots__ = ("_list",)

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        *,
        raw: Sequence[tuple[bytes, bytes]] | None = None,
        scope: Scope | None = None,
    ) -> None:
        if raw is not None:
            # Shared, not copied: a response's MutableHeaders edits its raw_headers in place.
            self._list: list[tuple[bytes, bytes]] = raw if isinstance(raw, list) else list(raw)
        elif scope is not None:
            # ASGI servers already send lower-case names: share the list, do not copy it.
            raw_list = scope["headers"]
            self._list = raw_list if isinstance(raw_list, list) else list(raw_list)
        elif headers is not None:
            self._list = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The headers as ``(name, value)`` byte pairs, names lower case, in order."""
        return self._list

    def keys(self) -> list[str]:  # type: ignore[override]
        """Every header name, lower case, repeated names included."""
        return [key.decode("latin-1") for key, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        """Every header value, in order."""
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        """Every ``(name, value)`` pair, in order."""
        return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._list]

    def getlist(self, key: str) -> list[str]:
        """Every value of the header ``key`` (case-insensitive), in order."""
        wanted = key.lower().encode("latin-1")
        return [value.decode("latin-1") for name, value in self._list if name == wanted]

    def mutablecopy(self) -> MutableHeaders:
        """A ``MutableHeaders`` copy."""
        return MutableHeaders(raw=self._list[:])

    def __getitem__(self, key: str) -> str:
        wanted = key.lower().encode("latin-1")
        for name, value in self._list:
            if name == wanted:
                return value.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        wanted = key.lower().encode("latin-1")
        return any(name == wanted for name, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items()!r})"


#: what a header name or value may not hold: it would end the header (or the string) early
_UNSAFE_HEADER_CHARACTER = re.compile("[\r\n\0]")


def _encode_header(key: str, value: str) -> tuple[bytes, bytes]:
    # A printable string holds no CR, LF or NUL: the common case skips the regex.
    unsafe = _UNSAFE_HEADER_CHARACTER.search
    if not (key.isprintable() and value.isprintable()) and (unsafe(key) or unsafe(value)):
        raise ValueError(f"Header {key!r} contains a CR, LF or NUL character; refusing to send it")
    return key.lower().encode("latin-1"), value.encode("latin-1")


class MutableHeaders(Headers):
    """Response headers; values containing CR, LF or NUL are refused (no header injection)."""

    def __setitem__(self, key: str, value: str) -> None:
        name, encoded = _encode_header(key, value)
        found = [i for i, (item_key, _) in enumerate(self._list) if item_key == name]
        for i in reversed(found[1:]):
            del self._list[i]
        if found:
            self._list[found[0]] = (name, encoded)
        else:
            self._list.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self._list[:] = [(k, v) for k, v in self._list if k != name]

    def setdefault(self, key: str, value: str) -> str:
        wanted = key.lower().encode("latin-1")
        for name, existing in self._list:
            if name == wanted:
                return existing.decode("latin-1")
        self._list.append(_encode_header(key, value))
        return value

    def append(self, key: str, value: str) -> None:
        self._list.append(_encode_header(key, value))

    def update(self, other: Mapping[str, str]) -> None:
        for key, value in other.items():
            self[key] = value

    def add_vary_header(self, vary: str) -> None:
        self["vary"] = ", ".join([*self.getlist("vary"), vary])


class UploadFile:
    """An uploaded file, spooled to disk past 1 MiB; blocking I/O runs in a worker thread."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers or Headers()

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type``, or None."""
        return self.headers.get("content-type")

    @property
    def _in_memory(self) -> bool:
        rolled = getattr(self.file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the file."""
        self.size = (self.size or 0) + len(data)
        if self._in_memory:
            self.file.write(data)
        else:
            await run_in_threadpool(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        """Read ``size`` bytes (all by default) from the current position."""
        if self._in_memory:
            return self.file.read(size)
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to byte ``offset``."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (and delete it from disk if it was spooled there)."""
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"

    @classmethod
    def spooled(cls, filename: str | None, headers: Headers) -> UploadFile:
        return cls(SpooledTemporaryFile(max_size=1024 * 1024), size=0, filename=filename, headers=headers)  # type: ignore[arg-type]


class FormData(ImmutableMultiDict["UploadFile | str"]):
    """Parsed form fields; call ``close()`` (or ``await request.close()``) to release uploads."""

    async def close(self) -> None:
        """Close every uploaded file of the form."""
        for _, value in self.multi_items():
            if isinstance(value, UploadFile):
                await value.close()


class State:
    """An attribute bag; ``request.state`` on hosts whose per-request state is a plain dict."""

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__setattr__("_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}") from None

    def __delattr__(self, key: str) -> None:
        del self._state[key]


def parse_cookie_header(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the way browsers send it (and Starlette reads it)."""
    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            cookies[key] = _unquote(value)
    return cookies


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """Split ``text/html; charset=utf-8`` into the value and its lower-cased parameters."""
    from shlex import shlex  # on first use: only form parsing needs it

    main, _, rest = value.partition(";")
    lexer = shlex(rest, posix=True)
    lexer.whitespace_split = True
    lexer.whitespace = ";"
    params = {}
    for item in lexer:
        name, _, param = item.strip().partition("=")
        params[name.strip().lower()] = param.strip()
    return main.strip().lower(), params
