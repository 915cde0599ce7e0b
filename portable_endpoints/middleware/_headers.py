"""The headers of a response message, editable in place, whatever host sent them."""

from __future__ import annotations

from portable_endpoints.datastructures import MutableHeaders
from portable_endpoints.types import Message


def message_headers(message: Message) -> MutableHeaders:
    """``message["headers"]`` as ``MutableHeaders`` whose edits land in the message.

    ASGI wants lower-case header names, and the core's ``Headers`` relies on it; some hosts (Django)
    send them capitalised, so they are lowered here once, for every middleware that reads them.
    """
    raw = message.get("headers") or []
    if not isinstance(raw, list) or any(name != name.lower() for name, _ in raw):
        raw = [(bytes(name).lower(), bytes(value)) for name, value in raw]
    message["headers"] = raw
    return MutableHeaders(raw=raw)
