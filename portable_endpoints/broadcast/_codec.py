"""How a message travels: plain UTF-8 for text, a tagged frame for bytes and JSON.

Text goes as it is, so a broker's own client (``redis-cli PUBLISH room hello``) speaks to
subscribers too. Bytes and JSON values start with the ASCII record separator and a tag; so does
text that itself starts with one. An untagged payload that is not UTF-8 arrives as bytes.
"""

from __future__ import annotations

import json
from typing import Any

MARK = b"\x1e"
_TEXT, _BYTES, _JSON = b"\x1et", b"\x1eb", b"\x1ej"


def encode(message: Any) -> bytes:
    """The wire form of ``message``: a ``str``, ``bytes`` or any JSON-serialisable value."""
    if isinstance(message, str):
        data = message.encode("utf-8")
        return _TEXT + data if data.startswith(MARK) else data
    if isinstance(message, (bytes, bytearray, memoryview)):
        return _BYTES + bytes(message)
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"A broadcast message is text, bytes or a JSON-serialisable value, not {type(message).__name__} ({exc})"
        ) from None
    return _JSON + text.encode("utf-8")


def decode(payload: bytes) -> Any:
    """The message ``encode`` made ``payload`` from (or a foreign publisher's text or bytes)."""
    if payload.startswith(MARK):
        tag, body = payload[:2], payload[2:]
        if tag == _TEXT:
            return body.decode("utf-8")
        if tag == _BYTES:
            return body
        if tag == _JSON:
            return json.loads(body)
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload
