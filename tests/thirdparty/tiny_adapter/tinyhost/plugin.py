"""The entry point: ``AdapterPlugin`` implements every hook, and imports the adapter on first use."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="tiny",  # what users pass: pe.create_app(routes, framework="tiny")
    distribution="tinyhost-portable-endpoints",  # this adapter's distribution, for its version
    framework="tinyhost-portable-endpoints",  # the framework's distribution (here the same one)
    adapter="tinyhost:ADAPTER",
    app_classes=["tinyhost:TinyApp"],  # what pe.mount() accepts, checked without importing
    capabilities=frozenset({"native_routes.any_method", "http.streaming_request_body"}),
    native_kit="tinyhost.testing:NATIVE_KIT",  # for the conformance suite only
    install_hint="pip install tinyhost-portable-endpoints",
)
