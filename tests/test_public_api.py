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


#: Our public modules that mirror a Starlette module, and the classes and functions each defines
#: that Starlette's module of the same name defines too. Checked against the real Starlette in
#: the Starlette sessions; elsewhere, checked against our own modules.
RECORDED = json.loads((Path(__file__).parent / "starlette_names.json").read_text())


def defined_names(module: types.ModuleType) -> dict[str, str]:
    """The public classes and functions ``module`` itself defines (not those it imports)."""
    names = {}
    for name, value in vars(module).items():
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__:
            if inspect.isclass(value):
                names[name] = "class"
            elif inspect.isfunction(value):
                names[name] = "function"
    return names


def test_public_modules_define_the_recorded_starlette_names() -> None:
    assert RECORDED["modules"] == sorted(RECORDED["modules"])
    assert set(RECORDED["modules"]) <= SUBMODULES
    assert set(RECORDED["names"]) <= set(RECORDED["modules"])
    for module_name, names in RECORDED["names"].items():
        ours = defined_names(importlib.import_module(f"portable_endpoints.{module_name}"))
        assert {name: ours.get(name) for name in names} == names, module_name
        for name in names:  # the top level re-exports the very same objects, where it has them
            value = getattr(importlib.import_module(f"portable_endpoints.{module_name}"), name)
            assert getattr(pe, name, value) is value, name


def test_public_modules_mirror_starlettes_names() -> None:
    if importlib.util.find_spec("starlette") is None:
        # No Starlette here: the Starlette sessions check the recording; here, that it is one.
        assert RECORDED["names"]["endpoints"] == {"HTTPEndpoint": "class", "WebSocketEndpoint": "class"}
        assert len(RECORDED["modules"]) >= 10
        return
    mirrored = sorted(name for name in SUBMODULES if importlib.util.find_spec(f"starlette.{name}") is not None)
    assert mirrored == RECORDED["modules"], "update tests/starlette_names.json"
    theirs = {name: defined_names(importlib.import_module(f"starlette.{name}")) for name in mirrored}
    ours = {name: defined_names(importlib.import_module(f"portable_endpoints.{name}")) for name in mirrored}
    live = {}
    for name in mirrored:
        shared = {key: kind for key, kind in ours[name].items() if theirs[name].get(key) == kind}
        if shared:
            live[name] = dict(sorted(shared.items()))
    assert live == RECORDED["names"], "update tests/starlette_names.json"
    # A class of Starlette's that we define too lives in the module of the same name as Starlette's.
    home = {key: name for name, names in theirs.items() for key, kind in names.items() if kind == "class"}
    misplaced = {
        key: (name, home[key])
        for name, names in ours.items()
        for key, kind in names.items()
        if kind == "class" and key in home and home[key] != name
    }
    assert misplaced == {}


def test_importing_the_package_imports_no_web_framework() -> None:
    code = (
        "import sys, portable_endpoints as pe; pe.adapters();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'starlette','quart','litestar','werkzeug'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
