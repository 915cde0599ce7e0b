"""The backend contract: what a broker plugin implements, and how the hub finds one by URL scheme.

A backend is registered in the ``portable_endpoints.broadcast`` entry-point group under its URL
scheme; the entry point names a factory ``(url, deliver) -> BroadcastBackend`` (usually the class).
The built-in ``memory`` backend is registered the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Protocol
from urllib.parse import urlsplit

from portable_endpoints.broadcast._errors import BackendNotFound, BackendUnavailable

ENTRY_POINT_GROUP = "portable_endpoints.broadcast"
#: Schemes whose backends this project ships, and the extra each needs.
KNOWN_EXTRAS = {"redis": "redis", "rediss": "redis", "postgres": "postgres", "postgresql": "postgres"}

#: Called by a backend, on the event loop and without blocking, for each message it receives.
Deliver = Callable[[str, bytes], None]


class BroadcastBackend(Protocol):
    """One connection (or set of connections) to a broker, owned by one hub in one process.

    The hub calls ``connect`` once, then ``subscribe`` for each topic that has local subscribers,
    then ``listen``, which runs until the connection is lost. After a loss the hub calls
    ``disconnect`` and builds a new backend with the same factory, with backoff. Only ``publish``
    may run concurrently with the others.
    """

    #: The largest encoded message (in bytes) the backend carries; ``None`` for no limit of its own.
    max_message_size: int | None

    async def connect(self) -> None:
        """Open the broker connections; raise (any exception) when the broker cannot be reached."""
        ...

    async def listen(self) -> None:
        """Receive messages, calling ``deliver(topic, payload)`` for each, until the connection is lost.

        Return or raise when it is lost; the hub treats both the same. Cancellation means shut down.
        """
        ...

    async def subscribe(self, topic: str) -> None:
        """Start receiving ``topic`` (called once per topic, also again after a reconnect)."""
        ...

    async def unsubscribe(self, topic: str) -> None:
        """Stop receiving ``topic``: its last local subscriber has gone."""
        ...

    async def publish(self, topic: str, payload: bytes) -> None:
        """Send ``payload`` to every subscriber of ``topic`` in every process.

        Raise ``MessageTooLarge`` when the payload exceeds what the broker carries.
        """
        ...

    async def disconnect(self) -> None:
        """Close every connection; must not raise."""
        ...


BackendFactory = Callable[[str, Deliver], BroadcastBackend]


def scheme_of(url: str) -> str:
    if not isinstance(url, str) or "://" not in url:
        raise BackendNotFound(f"A broadcast URL looks like 'memory://' or 'redis://host:6379', not {url!r}")
    return urlsplit(url).scheme.lower()


def installed_schemes() -> list[str]:
    return sorted({entry_point.name for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP)})


def find_backend(url: str) -> BackendFactory:
    """The factory for ``url``'s scheme; a clear error when it is unknown or its extra is missing."""
    scheme = scheme_of(url)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP, name=scheme):
        try:
            factory: BackendFactory = entry_point.load()
        except ImportError as exc:
            extra = KNOWN_EXTRAS.get(scheme, scheme)
            raise BackendUnavailable(
                f"The {scheme}:// broadcast backend cannot be imported ({exc}): "
                f"pip install 'portable-endpoints[{extra}]'"
            ) from exc
        return factory
    if scheme in KNOWN_EXTRAS:
        raise BackendUnavailable(
            f"No {scheme}:// broadcast backend is installed: pip install 'portable-endpoints[{KNOWN_EXTRAS[scheme]}]'"
        )
    raise BackendNotFound(
        f"No broadcast backend serves {scheme}:// URLs; installed schemes: {', '.join(installed_schemes()) or 'none'}"
    )
