"""Entry point of the ``quart`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="quart",
    distribution="portable-endpoints-quart",
    framework="quart",
    adapter="portable_endpoints_quart._adapter:ADAPTER",
    app_classes=["quart.app:Quart", "quart.blueprints:Blueprint"],
    capabilities=frozenset({"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}),
    native_kit="portable_endpoints_quart.testing:NATIVE_KIT",
)
