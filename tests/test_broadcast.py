"""Broadcast without a broker: URL errors, missing extras, the wire format, argument checks, lifespans."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import broadcast
from portable_endpoints.broadcast import BackendNotFound, BackendUnavailable, Broadcast
from portable_endpoints.broadcast._codec import decode, encode

pytestmark = pytest.mark.anyio


def test_front_door_all_is_sorted_and_re_exported() -> None:
    assert broadcast.__all__ == sorted(broadcast.__all__)
    for name in broadcast.__all__:
        assert getattr(broadcast, name) is not None
        if isinstance(getattr(broadcast, name), type):
            assert getattr(pe, name) is getattr(broadcast, name)


@pytest.mark.parametrize("url", ["kafka://broker:9092", "nats://x"])
def test_an_unknown_scheme_names_the_installed_ones(url: str) -> None:
    with pytest.raises(BackendNotFound, match="installed schemes: memory, postgres, postgresql, redis, rediss"):
        Broadcast(url)


@pytest.mark.parametrize("url", ["localhost:6379", "", 42])
def test_a_url_without_a_scheme_is_a_clear_error(url: Any) -> None:
    with pytest.raises(BackendNotFound, match="looks like 'memory://'"):
        Broadcast(url)


@pytest.mark.parametrize(
    ("url", "driver", "extra"), [("redis://h", "redis", "redis"), ("postgres://h", "asyncpg", "postgres")]
)
def test_a_missing_driver_names_the_extra(url: str, driver: str, extra: str) -> None:
    # The driver is made unimportable in a fresh interpreter, whatever this environment has installed.
    code = (
        f"import sys; sys.modules[{driver!r}] = None\n"
        "from portable_endpoints.broadcast import Broadcast, BackendUnavailable\n"
        f"try:\n    Broadcast({url!r})\nexcept BackendUnavailable as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert f"pip install 'portable-endpoints[{extra}]'" in out
    assert issubclass(BackendUnavailable, ImportError)


@pytest.mark.parametrize(
    "message", ["text", "", "\x1e leading mark", "☃", b"", b"\x1ej{}", b"\xff\x00", 0, 1.5, None, True, [1, {"a": "b"}]]
)
def test_the_wire_format_round_trips(message: Any) -> None:
    assert decode(encode(message)) == message
    assert type(decode(encode(message))) is type(message)


def test_foreign_publishers_text_and_bytes_are_understood() -> None:
    assert decode(b"plain text from redis-cli") == "plain text from redis-cli"
    assert decode(b"\xff\xfe") == b"\xff\xfe"


def test_a_message_that_is_not_json_serialisable_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="text, bytes or a JSON-serialisable value, not object"):
        encode(object())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"queue_size": 0}, "queue_size must be a positive int"),
        ({"overflow": "block"}, "overflow must be one of 'drop-oldest', 'close'"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Broadcast("memory://", **options)
    with pytest.raises(ValueError, match=message):
        Broadcast("memory://").subscribe("t", **options)


async def test_a_topic_is_a_non_empty_str() -> None:
    hub = Broadcast("memory://")
    with pytest.raises(ValueError, match="non-empty str"):
        await hub.publish("", "x")
    with pytest.raises(ValueError, match="non-empty str"):
        hub.subscribe(b"bytes")  # type: ignore[arg-type]


async def test_the_hub_connects_lazily_and_closes_in_its_lifespan() -> None:
    hub = Broadcast("memory://lifespan")
    assert not hub.connected
    async with hub.lifespan(object()):
        async with hub.subscribe("t") as messages:
            assert hub.connected
            await hub.publish("t", "x")
            assert await messages.__anext__() == "x"
    assert not hub.connected
    # The hub may be used again after close, and close ends every local subscription.
    async with hub.subscribe("t") as messages:
        await hub.close()
        with pytest.raises(StopAsyncIteration):
            await messages.__anext__()


async def test_repr_hides_the_password() -> None:
    hub = Broadcast("memory://user:secret@host")
    assert "secret" not in repr(hub)
    assert "***" in repr(hub)
