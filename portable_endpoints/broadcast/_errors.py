"""What can go wrong with a broadcast hub, each with a message that says what to do."""

from __future__ import annotations

from portable_endpoints.exceptions import PortableEndpointsError


class BroadcastError(PortableEndpointsError):
    """Base class of every broadcast error."""


class BackendNotFound(BroadcastError, LookupError):
    """No installed backend serves the URL's scheme."""


class BackendUnavailable(BroadcastError, ImportError):
    """The backend is known but its driver is missing: the message names the extra to install."""


class BrokerUnavailable(BroadcastError, ConnectionError):
    """The broker cannot be reached (never was, or the connection is lost and the hub is reconnecting)."""


class MessageTooLarge(BroadcastError, ValueError):
    """The message is larger than the backend can carry."""


class SubscriberOverflow(BroadcastError):
    """A subscriber with ``overflow="close"`` fell ``queue_size`` messages behind."""
