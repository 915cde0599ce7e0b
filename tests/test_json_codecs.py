"""The JSON codec choice itself: names, clear errors for an unknown codec or a missing package."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

import portable_endpoints as pe
from portable_endpoints import ConfigurationError, JSONResponse, Route
from portable_endpoints._json import CODEC_NAMES, current_codec, get_codec
from portable_endpoints.exceptions import HTTPException, MalformedJSON, MalformedJSONMessage, WebSocketException


def homepage(request: object) -> JSONResponse:
    return JSONResponse({})


@pytest.mark.parametrize("name", CODEC_NAMES)
def test_each_codec_loads_by_name(name: str) -> None:
    codec = get_codec(name)
    assert codec.name == name
    assert codec.loads(codec.dumps({"a": [1, "é"]})) == {"a": [1, "é"]}
    assert codec.loads(codec.dumps_text({"a": None})) == {"a": None}


UNKNOWN = r"Unknown json_codec 'ujson'; choose one of 'stdlib', 'msgspec', 'orjson'"


def test_an_unknown_codec_is_a_clear_error_on_every_entry_point() -> None:
    routes = [Route("/", homepage)]
    with pytest.raises(ConfigurationError, match=UNKNOWN):
        pe.create_app(routes, framework="asgi", json_codec="ujson")
    with pytest.raises(ConfigurationError, match=UNKNOWN):
        pe.native_routes(routes, framework="asgi", json_codec="ujson")
    app = pe.create_app([], framework="asgi")
    with pytest.raises(ConfigurationError, match=UNKNOWN):
        pe.mount(app, routes, json_codec="ujson")


@pytest.mark.parametrize("name", ["msgspec", "orjson"])
def test_a_missing_codec_package_names_the_extra(name: str) -> None:
    # A fresh interpreter where the package cannot be imported, as when it is not installed.
    script = (
        f"import sys; sys.modules[{name!r}] = None; sys.modules['{name}.json'] = None\n"
        "import portable_endpoints as pe\n"
        "try:\n"
        f"    pe.create_app([], framework='asgi', json_codec={name!r})\n"
        "except pe.ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"json_codec={name!r} needs the {name} package: pip install 'portable-endpoints[{name}]'"


def test_outside_a_dispatch_json_response_uses_the_stdlib() -> None:
    assert current_codec.get().name == "stdlib"
    assert JSONResponse({"é": 1}).body == '{"é":1}'.encode()
    with pytest.raises(ValueError, match="Out of range float values"):
        JSONResponse(float("nan"))


@pytest.mark.parametrize("name", CODEC_NAMES)
@pytest.mark.parametrize("data", ['{"é": x}', '{"é": x}'.encode(), b'{"a": "\xff"}', b""])
def test_every_codecs_malformed_json_is_a_json_decode_error_with_its_position(name: str, data: str | bytes) -> None:
    try:
        get_codec(name).loads(data)
    except ValueError as exc:  # every codec's error is one
        codec_error = exc
    else:
        pytest.fail(f"{name} parsed {data!r}")
    for cls, other in ((MalformedJSON, HTTPException), (MalformedJSONMessage, WebSocketException)):
        error = cls.from_codec_error(codec_error, data)
        assert isinstance(error, json.JSONDecodeError)
        assert isinstance(error, other)
        assert str(error) == str(codec_error)  # the codec's own message
        assert repr(error) == f"{cls.__name__}({str(codec_error)!r})"
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.pos, copy.lineno) == (cls, str(error), error.pos, error.lineno)
    if data and data[-2:] in ("x}", b"x}"):
        # msgspec counts bytes; the position is in characters for every codec, as the stdlib's.
        assert (error.pos, error.colno, error.doc[error.pos]) == (6, 7, "x")
    malformed = MalformedJSON.from_codec_error(codec_error, data)
    assert (malformed.status_code, malformed.detail, malformed.headers) == (
        400,
        f"Malformed JSON body: {codec_error}",
        None,
    )
    message = MalformedJSONMessage.from_codec_error(codec_error, data)
    assert (message.code, message.reason) == (1003, "Malformed JSON data received.")
