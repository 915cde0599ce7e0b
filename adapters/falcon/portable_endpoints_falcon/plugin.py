"""Entry point of the ``falcon`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="falcon",
    distribution="portable-endpoints-falcon",
    framework="falcon",
    adapter="portable_endpoints_falcon._adapter:ADAPTER",
    app_classes=["falcon.asgi.app:App"],
    capabilities=frozenset({"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}),
    native_kit="portable_endpoints_falcon.testing:NATIVE_KIT",
)
