"""Path parameter convertors: Starlette's, with the same regular expressions and conversions."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class Convertor(Generic[T]):
    """Turns one path segment match into a value and back.

    ``regex`` is what a request path must match; ``schema_type`` is the JSON-schema type an adapter
    publishes for it (OpenAPI).
    """

    regex: ClassVar[str] = ""
    schema_type: ClassVar[dict[str, str]] = {"type": "string"}

    def convert(self, value: str) -> T:
        raise NotImplementedError

    def to_string(self, value: T) -> str:
        raise NotImplementedError


class StringConvertor(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        value = str(value)
        if "/" in value or not value:
            raise ValueError("A str path parameter may not be empty or contain '/'")
        return value


class PathConvertor(Convertor[str]):
    regex = ".*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


class IntegerConvertor(Convertor[int]):
    regex = "[0-9]+"
    schema_type = {"type": "integer"}

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        if value < 0:
            raise ValueError("Negative integers are not supported")
        return str(value)


class FloatConvertor(Convertor[float]):
    regex = r"[0-9]+(?:\.[0-9]+)?"
    schema_type = {"type": "number"}

    def convert(self, value: str) -> float:
        return float(value)

    def to_string(self, value: float) -> str:
        value = float(value)
        if math.isnan(value) or math.isinf(value) or value < 0.0:
            raise ValueError("Only finite, non-negative floats are supported")
        return f"{value:0.20f}".rstrip("0").rstrip(".")


class UUIDConvertor(Convertor[uuid.UUID]):
    regex = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    schema_type = {"type": "string", "format": "uuid"}

    def convert(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_string(self, value: uuid.UUID) -> str:
        return str(value)


CONVERTOR_TYPES: dict[str, Convertor[Any]] = {
    "str": StringConvertor(),
    "path": PathConvertor(),
    "int": IntegerConvertor(),
    "float": FloatConvertor(),
    "uuid": UUIDConvertor(),
}


def register_url_convertor(key: str, convertor: Convertor[Any]) -> None:
    """Add a convertor usable as ``{name:key}`` in paths defined afterwards."""
    CONVERTOR_TYPES[key] = convertor
    PARAM_SIGNATURES.clear()  # a key may name another convertor now


#: per path parameter signature (``(name, ":kind" or "")`` per parameter, as written), the
#: convertors, ``(name, str -> value)`` converters and ``(name, kind)`` pairs every route path with
#: those parameters shares (``routing.CompiledPath``); forgotten when a convertor is registered
PARAM_SIGNATURES: dict[tuple[tuple[str, str], ...], tuple[Any, Any, Any]] = {}


def direct_convert(convertor: Convertor[T]) -> Callable[[str], T]:
    """``convertor.convert``, or for a stock convertor the builtin it calls (``int``, ``float``,
    ``uuid.UUID``, ``str``): the same value with no Python frame per path parameter."""
    found = _DIRECT.get(type(convertor))
    return found if found is not None else convertor.convert


_DIRECT: dict[type, Callable[[str], Any]] = {
    StringConvertor: str,
    PathConvertor: str,
    IntegerConvertor: int,
    FloatConvertor: float,
    UUIDConvertor: uuid.UUID,
}
