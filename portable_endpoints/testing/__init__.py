"""Testing tools: an in-process ASGI test client and the cross-host conformance suite.

Run the conformance suite against any adapter with ``pytest --pe-adapter NAME`` (what it needs:
``pip install 'portable-endpoints[testing]'``).
"""

from portable_endpoints.testing._client import (
    StreamingTestResponse,
    TestClient,
    TestResponse,
    WebSocketRejected,
    WebSocketTestSession,
)
from portable_endpoints.testing.native_kit import NativeKit

__all__ = [
    "NativeKit",
    "StreamingTestResponse",
    "TestClient",
    "TestResponse",
    "WebSocketRejected",
    "WebSocketTestSession",
]
