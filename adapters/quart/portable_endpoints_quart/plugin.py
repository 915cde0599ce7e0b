"""Entry point of the ``quart`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="quart",
    distribution="portable-endpoints-quart",
    framework="quart",
    adapter="portable_endpoints_quart._adapter:ADAPTER",
    app_classes=["quart.app:Quart", "quart.blueprints:Blueprint"],
    capabilities=frozenset({"websocket.denial_response", "http.streaming_request_body"}),
)
