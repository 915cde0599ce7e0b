"""Entry point of the ``django`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="django",
    distribution="portable-endpoints-django",
    framework="django",
    adapter="portable_endpoints_django._adapter:ADAPTER",
    app_classes=["portable_endpoints_django._app:PortableDjangoApp", "channels.routing:URLRouter"],
    capabilities=frozenset({"websocket.denial_response"}),
)
