"""Entry point of the ``fastapi`` adapter (``portable_endpoints`` group)."""

from portable_endpoints.hosting import AdapterPlugin

plugin = AdapterPlugin(
    name="fastapi",
    distribution="portable-endpoints-fastapi",
    framework="fastapi",
    adapter="portable_endpoints_fastapi._adapter:ADAPTER",
    # FastAPI apps and routers are Starlette ones too: mount() picks this adapter as the more specific.
    app_classes=["fastapi.applications:FastAPI", "fastapi.routing:APIRouter"],
    capabilities=frozenset({"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}),
    native_kit="portable_endpoints_fastapi.testing:NATIVE_KIT",
)
