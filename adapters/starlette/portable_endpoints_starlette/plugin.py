"""Entry point of the ``starlette`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="starlette",
    distribution="portable-endpoints-starlette",
    framework="starlette",
    adapter="portable_endpoints_starlette._adapter:ADAPTER",
    app_classes=["starlette.applications:Starlette", "starlette.routing:Router"],
    capabilities=frozenset({"websocket.denial_response", "http.streaming_request_body"}),
)
