"""Entry point of the ``starlette`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="starlette",
    distribution="portable-endpoints-starlette",
    framework="starlette",
    adapter="portable_endpoints_starlette._adapter:ADAPTER",
    app_classes=["starlette.applications:Starlette", "starlette.routing:Router"],
    capabilities=frozenset({"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}),
    native_kit="portable_endpoints_starlette.testing:NATIVE_KIT",
)
