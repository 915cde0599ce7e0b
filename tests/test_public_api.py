import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
import types
from pathlib import Path

import portable_endpoints as pe

SUBMODULES = {
    "authentication",
    "background",
    "cli",
    "convertors",
    "datastructures",
    "endpoints",
    "exceptions",
    "formparsers",
    "hookspecs",
    "hosting",
    "middleware",
    "middleware.base",
    "middleware.cors",
    "middleware.gzip",
    "middleware.httpsredirect",
    "middleware.sessions",
    "middleware.trustedhost",
    "requests",
    "responses",
    "routing",
    "staticfiles",
    "status",
    "templating",
    "testing",
    "types",
    "websockets",
}


def test_all_is_sorted_and_exactly_the_public_surface() -> None:
    assert pe.__all__ == sorted(pe.__all__)
    public = {
        name for name, value in vars(pe).items() if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } | {"__version__"}
    # Some names load on first access (module __getattr__), so they may not be in vars() yet.
    assert set(pe.__all__) == public | set(pe._LAZY_NAMES)
    assert set(pe.__all__) <= set(dir(pe))
    for name in pe.__all__:
        assert getattr(pe, name) is not None


#: Our public modules that mirror a Starlette module, and the classes and functions Starlette's
#: module defines that ours offers under the same name (porting is a change of imports). Checked
#: against the real Starlette in the Starlette sessions; everywhere, against our own modules.
RECORDED = json.loads((Path(__file__).parent / "starlette_names.json").read_text())


def kind(value: object) -> str | None:
    return "class" if inspect.isclass(value) else "function" if inspect.isfunction(value) else None


def defined_names(module: types.ModuleType) -> dict[str, str]:
    """The public classes and functions ``module`` defines, or re-exports in its ``__all__``.

    A re-export counts: ``from portable_endpoints.routing import NoMatchFound`` ports Starlette's
    import although the class lives lower down, where the layers below routing can raise it.
    """
    exported = set(getattr(module, "__all__", ()))
    return {
        name: kind(value)  # type: ignore[misc]
        for name, value in vars(module).items()
        if not name.startswith("_")
        and kind(value)
        and (getattr(value, "__module__", None) == module.__name__ or name in exported)
    }


def offered_names(module: types.ModuleType) -> dict[str, str]:
    """The public classes and functions of this package that ``from module import name`` gives."""
    return {
        name: kind(value)  # type: ignore[misc]
        for name, value in vars(module).items()
        if not name.startswith("_")
        and kind(value)
        and str(getattr(value, "__module__", "")).partition(".")[0] == "portable_endpoints"
    }


def test_public_modules_offer_the_recorded_starlette_names() -> None:
    assert RECORDED["modules"] == sorted(RECORDED["modules"])
    assert set(RECORDED["modules"]) <= SUBMODULES
    assert set(RECORDED["names"]) <= set(RECORDED["modules"])
    for module_name, names in RECORDED["names"].items():
        module = importlib.import_module(f"portable_endpoints.{module_name}")
        offered = offered_names(module)
        assert {name: offered.get(name) for name in names} == names, module_name
        for name in names:  # the top level re-exports the very same objects, where it has them
            assert getattr(pe, name, getattr(module, name)) is getattr(module, name), name


def test_public_modules_mirror_starlettes_names() -> None:
    if importlib.util.find_spec("starlette") is None:
        # No Starlette here: the Starlette sessions check the recording against it; here, that
        # the recording is the real one and not emptied.
        assert RECORDED["names"]["endpoints"] == {"HTTPEndpoint": "class", "WebSocketEndpoint": "class"}
        assert sum(len(names) for names in RECORDED["names"].values()) >= 40
        return
    import starlette

    if not starlette.__version__.startswith(RECORDED["starlette"] + "."):
        # An older Starlette (a lowest-version session) has fewer names: the recording is the
        # version DESIGN.md ports, checked live where it is installed (every newest session).
        assert RECORDED["starlette"] == "1.10"
        return
    mirrored = sorted(name for name in SUBMODULES if importlib.util.find_spec(f"starlette.{name}") is not None)
    assert mirrored == RECORDED["modules"], "update tests/starlette_names.json"
    live = {}
    for name in mirrored:
        theirs = defined_names(importlib.import_module(f"starlette.{name}"))
        ours = offered_names(importlib.import_module(f"portable_endpoints.{name}"))
        shared = {key: value for key, value in sorted(theirs.items()) if ours.get(key) == value}
        if shared:
            live[name] = shared
    assert live == RECORDED["names"], "update tests/starlette_names.json"
    # The names every port needs, whatever else changes.
    for module_name, name in [("endpoints", "HTTPEndpoint"), ("routing", "Mount"), ("responses", "FileResponse")]:
        assert name in live[module_name]


def test_importing_the_package_imports_no_web_framework() -> None:
    # create_app on the built-in host loads every installed plugin: none may import its framework.
    frameworks = "{'starlette', 'quart', 'litestar', 'werkzeug', 'fastapi', 'django', 'channels', 'sanic'}"
    code = (
        "import sys, portable_endpoints as pe; pe.adapters(); pe.create_app([], framework='asgi');"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {frameworks}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
