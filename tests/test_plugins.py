"""The plugin system: entry points, lazy loading, check_pending, the restricting variable, failures."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pluggy
import pytest

import portable_endpoints as pe
from portable_endpoints import _plugins


def install_plugin(root: Path, name: str, source: str) -> None:
    """A real distribution on sys.path: a module plus a dist-info with its entry point."""
    (root / f"{name}.py").write_text(source)
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[portable_endpoints]\n{name} = {name}\n")


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    _plugins.reset()
    yield tmp_path
    monkeypatch.undo()
    _plugins.reset()


def test_entry_points_load_lazily_on_first_use() -> None:
    _plugins.reset()
    assert _plugins._manager is None
    pe.adapters()
    assert _plugins._manager is not None
    assert _plugins.plugin_manager().has_plugin("asgi")


def test_misspelled_hook_fails_loudly(plugin_dir: Path) -> None:
    install_plugin(
        plugin_dir,
        "typo_plugin",
        "import portable_endpoints as pe\n\n@pe.hookimpl\ndef pe_get_adaptor(framework):\n    return None\n",
    )
    with pytest.raises(pluggy.PluginValidationError, match="pe_get_adaptor"):
        pe.adapters()


def test_a_broken_adapter_does_not_break_the_others(plugin_dir: Path) -> None:
    install_plugin(plugin_dir, "broken_plugin", "import a_framework_that_is_not_installed\n")
    infos = {info.name: info for info in pe.adapters()}
    assert infos["asgi"].available
    assert not infos["broken_plugin"].available
    assert "portable-endpoints[broken_plugin]" in str(infos["broken_plugin"].problem)
    assert pe.create_app([], framework="asgi") is not None
    with pytest.raises(pe.AdapterUnavailable, match="a_framework_that_is_not_installed"):
        pe.create_app([], framework="broken_plugin")


def test_environment_variable_restricts_plugins(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(
        plugin_dir,
        "other_plugin",
        "import portable_endpoints as pe\n\n@pe.hookimpl\ndef pe_adapter_info():\n    return None\n",
    )
    monkeypatch.setenv(_plugins.PLUGINS_ENV, "other_plugin")
    manager = _plugins.plugin_manager()
    assert manager.has_plugin("other_plugin")
    assert not manager.has_plugin("asgi")
    with pytest.raises(pe.AdapterNotFound, match="installed adapters: none"):
        pe.create_app([], framework="asgi")


def test_adapters_report_versions_and_capabilities() -> None:
    _plugins.reset()
    asgi = next(info for info in pe.adapters() if info.name == "asgi")
    assert asgi.distribution == "portable-endpoints"
    assert asgi.version == pe.__version__
    assert asgi.capabilities == {"websocket.denial_response", "native_routes.any_method", "http.streaming_request_body"}


def test_adapter_plugin_reports_a_missing_framework_with_its_extra() -> None:
    from portable_endpoints.hosting import AdapterPlugin

    plugin = AdapterPlugin(
        name="fictional",
        distribution="portable-endpoints-fictional",
        framework="fictional-framework-not-installed",
        adapter="fictional_adapter_module:ADAPTER",
        app_classes=["fictional_framework:App"],
    )
    info = plugin.pe_adapter_info()
    assert not info.available
    assert info.problem == (
        "fictional-framework-not-installed is not installed: pip install 'portable-endpoints[fictional]'"
    )
    assert plugin.pe_get_adapter("other") is None
    with pytest.raises(pe.AdapterUnavailable, match=r"pip install 'portable-endpoints\[fictional\]'"):
        plugin.pe_get_adapter("fictional")
    assert plugin.pe_get_adapter_for_app(object()) is None


def test_adapter_plugin_rejects_unknown_capabilities() -> None:
    from portable_endpoints.hosting import AdapterPlugin

    with pytest.raises(ValueError, match="Unknown capabilities"):
        AdapterPlugin(
            name="x",
            distribution="x",
            framework="x",
            adapter="x:y",
            app_classes=[],
            capabilities=frozenset({"telepathy"}),
        )


def test_a_plugin_returning_no_adapter_gets_an_error_naming_it(plugin_dir: Path) -> None:
    install_plugin(
        plugin_dir,
        "sloppy_plugin",
        "import portable_endpoints as pe\n\n"
        "@pe.hookimpl\ndef pe_get_adapter(framework):\n    return 'an adapter' if framework == 'sloppy' else None\n\n"
        "@pe.hookimpl\ndef pe_get_adapter_for_app(app):\n    return 42 if app == 'sloppy app' else None\n",
    )
    with pytest.raises(TypeError, match=r"pe_get_adapter of plugin 'sloppy_plugin' returned 'an adapter'.*not a"):
        pe.create_app([], framework="sloppy")
    with pytest.raises(TypeError, match=r"pe_get_adapter_for_app of plugin 'sloppy_plugin' returned 42"):
        pe.mount("sloppy app", [])


def test_hook_implementations_are_found_under_any_name_but_a_dunder_one(plugin_dir: Path) -> None:
    install_plugin(
        plugin_dir,
        "renamed_plugin",
        "import portable_endpoints as pe\n\n"
        "@pe.hookimpl(specname='pe_get_adapter')\ndef answer(framework):\n"
        "    return 'renamed' if framework == 'renamed' else None\n\n"
        "@pe.hookimpl(specname='pe_get_adapter')\ndef __call__(framework):\n"
        "    return 'dunder' if framework == 'dunder' else None\n",
    )
    with pytest.raises(TypeError, match=r"pe_get_adapter of plugin 'renamed_plugin' returned 'renamed'"):
        pe.create_app([], framework="renamed")
    with pytest.raises(pe.AdapterNotFound, match="Unknown framework 'dunder'"):
        pe.create_app([], framework="dunder")


def adapter_docstring_example() -> str:
    """The complete example adapter of ``portable_endpoints.hosting.Adapter``'s docstring."""
    from portable_endpoints.hosting import Adapter

    doc = inspect.getdoc(Adapter) or ""
    _, marker, example = doc.partition("through the conformance suite)::\n")
    assert marker, "the Adapter docstring lost its example"
    return textwrap.dedent(example)


def test_the_adapter_docstring_example_passes_the_conformance_suite(tmp_path: Path) -> None:
    """The example adapter, installed as a plugin, run with the documented command alone."""
    install_plugin(tmp_path, "mini_host", adapter_docstring_example())
    env = {**os.environ, "PYTHONPATH": str(tmp_path), _plugins.PLUGINS_ENV: "asgi,mini_host"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pe-adapter", "mini", "-p", "no:cacheprovider", "-q", "-W", "error"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # The suite ran (pytest alone would find no tests in an empty directory).
    assert re.fullmatch(r"\d{3,} passed in .*", summary), summary


def test_adapter_plugin_names_its_own_install_hint() -> None:
    from portable_endpoints.hosting import AdapterPlugin

    plugin = AdapterPlugin(
        name="fictional",
        distribution="fictional-portable-endpoints",
        framework="fictional-framework-not-installed",
        adapter="fictional_adapter_module:ADAPTER",
        app_classes=[],
        install_hint="pip install 'fictional-portable-endpoints[framework]'",
    )
    info = plugin.pe_adapter_info()
    assert info.problem == (
        "fictional-framework-not-installed is not installed: pip install 'fictional-portable-endpoints[framework]'"
    )
    with pytest.raises(pe.AdapterUnavailable) as raised:
        plugin.pe_get_adapter("fictional")
    assert str(raised.value).endswith(": pip install 'fictional-portable-endpoints[framework]'")
    assert "portable-endpoints[fictional]" not in str(raised.value)


@pytest.mark.anyio
async def test_replay_receive_gives_the_consumed_messages_first() -> None:
    from portable_endpoints.hosting import replay_receive
    from portable_endpoints.types import Message

    later: list[Message] = [{"type": "websocket.receive", "text": "hi"}, {"type": "websocket.disconnect", "code": 1000}]

    async def receive() -> Message:
        return later.pop(0)

    replayed = replay_receive(receive, {"type": "websocket.connect"})
    assert [await replayed() for _ in range(3)] == [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.disconnect", "code": 1000},
    ]


@pytest.mark.anyio
async def test_a_websocket_over_a_replayed_connect_sees_the_connection_from_its_start() -> None:
    """A host that read ``websocket.connect`` to route the connection hands it back to the endpoint."""
    from portable_endpoints.hosting import replay_receive
    from portable_endpoints.types import Message

    incoming: list[Message] = [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "hi"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    connect = await receive()  # the host consumed it before routing
    websocket = pe.WebSocket(scope, replay_receive(receive, connect), send)
    await websocket.accept()
    assert await websocket.receive_text() == "hi"
    assert sent == [{"type": "websocket.accept", "subprotocol": None, "headers": []}]

    # Without the replay, the endpoint's first message is not the handshake: a clear error.
    incoming[:] = [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "hi"}]
    await receive()
    with pytest.raises(RuntimeError, match=r'Expected ASGI message "websocket.connect"'):
        await pe.WebSocket(scope, receive, send).accept()


def test_pe_adapter_without_test_paths_collects_the_suite_whatever_the_testpaths(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = own\n")
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "test_own.py").write_text("def test_own():\n    pass\n")

    def collected(*args: str) -> str:
        command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *args]
        env = {**os.environ, _plugins.PLUGINS_ENV: "asgi"}  # no framework to import: a quick collection
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    suite = collected("--pe-adapter", "asgi")
    assert "test_http.py::" in suite
    assert "test_own" not in suite
    # Test paths given: pytest runs those, as always.
    own = collected("own", "--pe-adapter", "asgi")
    assert "test_own" in own
    assert "test_http.py" not in own
