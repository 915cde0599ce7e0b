"""Entry point of the ``litestar`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="litestar",
    distribution="portable-endpoints-litestar",
    framework="litestar",
    adapter="portable_endpoints_litestar._adapter:ADAPTER",
    app_classes=["litestar.app:Litestar"],
    capabilities=frozenset({"http.streaming_request_body", "websocket.denial_response"}),
    native_kit="portable_endpoints_litestar.testing:NATIVE_KIT",
)
