"""Entry point of the ``sanic`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="sanic",
    distribution="portable-endpoints-sanic",
    framework="sanic",
    adapter="portable_endpoints_sanic._adapter:ADAPTER",
    app_classes=["sanic.app:Sanic"],
    capabilities=frozenset({"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}),
    native_kit="portable_endpoints_sanic.testing:NATIVE_KIT",
)
