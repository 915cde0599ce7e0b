import subprocess
import sys
import types

import portable_endpoints as pe

SUBMODULES = {
    "background",
    "cli",
    "convertors",
    "datastructures",
    "endpoints",
    "exceptions",
    "formparsers",
    "hookspecs",
    "hosting",
    "requests",
    "responses",
    "routing",
    "status",
    "testing",
    "types",
    "websockets",
}


def test_all_is_sorted_and_exactly_the_public_surface() -> None:
    assert pe.__all__ == sorted(pe.__all__)
    public = {
        name for name, value in vars(pe).items() if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } | {"__version__"}
    assert set(pe.__all__) == public
    for name in pe.__all__:
        assert getattr(pe, name) is not None


def test_public_modules_mirror_starlettes_names() -> None:
    import importlib

    for name in SUBMODULES:
        importlib.import_module(f"portable_endpoints.{name}")
    from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
    from portable_endpoints.responses import FileResponse, RedirectResponse, StreamingResponse
    from portable_endpoints.routing import Mount, Route, WebSocketRoute

    assert (HTTPEndpoint, WebSocketEndpoint, Mount, Route, WebSocketRoute) == (
        pe.HTTPEndpoint,
        pe.WebSocketEndpoint,
        pe.Mount,
        pe.Route,
        pe.WebSocketRoute,
    )
    assert (FileResponse, RedirectResponse, StreamingResponse) == (
        pe.FileResponse,
        pe.RedirectResponse,
        pe.StreamingResponse,
    )


def test_importing_the_package_imports_no_web_framework() -> None:
    code = (
        "import sys, portable_endpoints as pe; pe.adapters();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'starlette','quart','litestar','werkzeug'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
