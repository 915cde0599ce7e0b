"""JSON codecs: the stdlib's (the default, Starlette's exact bytes), msgspec's and orjson's.

An app picks one with ``create_app(..., json_codec="msgspec")`` (also ``mount`` / ``native_routes``);
the ``RouteTable`` carries it. ``request.json()`` and the WebSocket JSON methods read it from the
connection's route table. ``JSONResponse`` is built by user code that has no app at hand, so the
core's dispatch path publishes the route's codec in a context variable (``current_codec``) while
the endpoint runs, and ``JSONResponse.render`` reads it there; outside a dispatch (a response built
at import time, in a test) it is the stdlib codec.

Every codec's ``loads`` raises ``ValueError`` (or a subclass) on malformed JSON and on bytes that
are not UTF-8, which the request and WebSocket layers raise as ``MalformedJSON`` /
``MalformedJSONMessage``: a ``json.JSONDecodeError`` to code that catches it, else 400 / close 1003.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from portable_endpoints.exceptions import ConfigurationError

#: The codec names ``json_codec=`` accepts.
CODEC_NAMES = ("stdlib", "msgspec", "orjson")


class JSONCodec:
    """One JSON implementation, as the core uses it.

    :param name: what ``json_codec=`` is given.
    :param dumps: the body of a ``JSONResponse`` (compact, UTF-8).
    :param dumps_text: a WebSocket text frame for ``send_json``.
    :param loads: ``str`` or UTF-8 ``bytes`` to a value; ``ValueError`` when malformed.
    """

    __slots__ = ("dumps", "dumps_text", "loads", "name")

    def __init__(
        self,
        name: str,
        *,
        dumps: Callable[[Any], bytes],
        dumps_text: Callable[[Any], str],
        loads: Callable[[str | bytes], Any],
    ) -> None:
        self.name = name
        self.dumps = dumps
        self.dumps_text = dumps_text
        self.loads = loads

    def __repr__(self) -> str:
        return f"JSONCodec({self.name!r})"


def _stdlib_dumps(content: Any) -> bytes:
    # Starlette's JSONResponse.render, byte for byte.
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def _stdlib_dumps_text(data: Any) -> str:
    # Starlette's WebSocket.send_json (which, unlike its JSONResponse, allows NaN).
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


STDLIB = JSONCodec("stdlib", dumps=_stdlib_dumps, dumps_text=_stdlib_dumps_text, loads=json.loads)


def _msgspec() -> JSONCodec:
    msgspec_json = importlib.import_module("msgspec.json")
    encode = msgspec_json.Encoder().encode
    decode = msgspec_json.Decoder().decode

    def dumps_text(data: Any) -> str:
        return str(encode(data).decode())

    return JSONCodec("msgspec", dumps=encode, dumps_text=dumps_text, loads=decode)


def _orjson() -> JSONCodec:
    orjson = importlib.import_module("orjson")
    encode = orjson.dumps

    def dumps_text(data: Any) -> str:
        return str(encode(data).decode())

    return JSONCodec("orjson", dumps=encode, dumps_text=dumps_text, loads=orjson.loads)


_FACTORIES: dict[str, Callable[[], JSONCodec]] = {"msgspec": _msgspec, "orjson": _orjson}
_loaded: dict[str, JSONCodec] = {"stdlib": STDLIB}


def get_codec(name: str) -> JSONCodec:
    """The codec called ``name``; a clear ``ConfigurationError`` for an unknown one or a missing package."""
    found = _loaded.get(name)
    if found is not None:
        return found
    factory = _FACTORIES.get(name) if isinstance(name, str) else None
    if factory is None:
        raise ConfigurationError(f"Unknown json_codec {name!r}; choose one of {', '.join(map(repr, CODEC_NAMES))}")
    try:
        codec = factory()
    except ImportError as exc:
        raise ConfigurationError(
            f"json_codec={name!r} needs the {name} package: pip install 'portable-endpoints[{name}]'"
        ) from exc
    _loaded[name] = codec
    return codec


#: The codec of the route being dispatched; ``JSONResponse`` renders with it.
current_codec: ContextVar[JSONCodec] = ContextVar("portable_endpoints_json_codec", default=STDLIB)


def codec_of(route_table: object) -> JSONCodec:
    """The codec of a connection's route table (the stdlib's when it names none)."""
    codec: JSONCodec = getattr(route_table, "json_codec", STDLIB)
    return codec
