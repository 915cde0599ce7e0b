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
    if not isinstance(raw, list) or not _lower_case(raw):
        raw = [(bytes(name).lower(), bytes(value)) for name, value in raw]
    message["headers"] = raw
    return MutableHeaders(raw=raw)


def _lower_case(raw: list[tuple[bytes, bytes]]) -> bool:
    # A loop, not any() over a generator: this runs for every response of every middleware.
    for name, _ in raw:  # noqa: SIM110
        if not name.islower() and name != name.lower():
            return False
    return True
