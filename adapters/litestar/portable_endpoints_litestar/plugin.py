"""Entry point of the ``litestar`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="litestar",
    distribution="portable-endpoints-litestar",
    framework="litestar",
    adapter="portable_endpoints_litestar._adapter:ADAPTER",
    app_classes=["litestar.app:Litestar"],
    # Not "native_routes.any_method": Litestar's trie finds a handler by method only among those
    # registered, and handlers take only Litestar's own verbs (litestar.enums.HttpMethod); any other
    # method is its 405 (litestar/_asgi/routing_trie/traversal.py, parse_node_handlers:
    # `raise MethodNotAllowedException(...)`) unless create_app / mount add their fallback
    # (_registration.py), which needs the built app. So QUERY, and FOO to an overridden dispatch()
    # or a Mount(app=...), get that 405 from handlers composed by hand.
    capabilities=frozenset({"http.streaming_request_body", "websocket.denial_response"}),
    native_kit="portable_endpoints_litestar.testing:NATIVE_KIT",
)
