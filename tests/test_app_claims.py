"""``mount(app, ...)`` picks the adapter claiming the most derived class of ``app``, in any load order."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest

import portable_endpoints as pe
from portable_endpoints import _plugins, hookspecs
from portable_endpoints._asgi.app import PortableASGIApp
from portable_endpoints._plugins import adapter_for_app
from portable_endpoints.hosting import AdapterPlugin, AppClaim
from portable_endpoints.routing import RouteTable


class BaseApp:
    """A framework's app class."""


class DerivedApp(BaseApp):
    """A framework built on it (as FastAPI on Starlette)."""


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Any:
        raise NotImplementedError

    def native_routes(self, table: RouteTable) -> Any:
        raise NotImplementedError

    def mount(self, app: Any, table: RouteTable) -> None:
        raise NotImplementedError


BASE, DERIVED, TWIN = Recorder("base"), Recorder("derived"), Recorder("twin")


def plugin(name: str, classes: list[str]) -> AdapterPlugin:
    # The framework distribution is pluggy, which is installed, so the adapter loads.
    return AdapterPlugin(
        name=name,
        distribution="portable-endpoints",
        framework="pluggy",
        adapter=f"{__name__}:{name.upper()}",
        app_classes=classes,
    )


def manager(*plugins: Any) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("portable_endpoints")
    manager.add_hookspecs(hookspecs)
    for item in plugins:
        manager.register(item)
    return manager


BASE_PLUGIN = plugin("base", [f"{__name__}:BaseApp"])
DERIVED_PLUGIN = plugin("derived", [f"{__name__}:DerivedApp"])


class BareAnswer:
    """A hand-written plugin answering with a bare adapter for any BaseApp."""

    @pe.hookimpl
    def pe_get_adapter_for_app(self, app: object) -> Recorder | None:
        return TWIN if isinstance(app, BaseApp) else None


@pytest.mark.parametrize("order", ["base-first", "derived-first"])
def test_the_most_derived_class_wins_in_either_load_order(order: str) -> None:
    plugins = [BASE_PLUGIN, DERIVED_PLUGIN]
    loaded = manager(*(plugins if order == "base-first" else plugins[::-1]))
    assert adapter_for_app(loaded, DerivedApp()) is DERIVED
    assert adapter_for_app(loaded, BaseApp()) is BASE
    assert adapter_for_app(loaded, object()) is None


def test_a_bare_adapter_answer_ranks_below_every_claim() -> None:
    assert adapter_for_app(manager(BareAnswer(), BASE_PLUGIN), BaseApp()) is BASE
    assert adapter_for_app(manager(BASE_PLUGIN, BareAnswer()), BaseApp()) is BASE
    assert adapter_for_app(manager(BareAnswer()), DerivedApp()) is TWIN


def test_two_adapters_claiming_the_same_class_is_an_error() -> None:
    twin = plugin("twin", [f"{__name__}:BaseApp"])
    with pytest.raises(pe.AdapterNotFound, match=r"'base', 'twin' all claim tests\.test_app_claims\.BaseApp"):
        adapter_for_app(manager(BASE_PLUGIN, twin), BaseApp())


class OwnASGIApp(PortableASGIApp):
    """A project's own subclass of the asgi host's app (installed in every session), claimed by a
    third-party plugin registered later."""


def own_app() -> OwnASGIApp:
    return OwnASGIApp(RouteTable([]))


OWN = Recorder("own")
OWN_PLUGIN = plugin("own", [f"{__name__}:OwnASGIApp"])


class InstanceAnswer:
    """A hand-written plugin whose answer depends on the app object, not only on its type."""

    @pe.hookimpl
    def pe_get_adapter_for_app(self, app: object) -> AppClaim | None:
        return AppClaim(TWIN, OwnASGIApp) if getattr(app, "twin", False) else None


def test_the_adapter_found_for_an_app_type_follows_plugins_registered_and_unregistered_later() -> None:
    asgi_adapter = _plugins.get_adapter_for_app(PortableASGIApp(RouteTable([])))
    assert _plugins.get_adapter_for_app(own_app()) is asgi_adapter  # remembered for the type
    manager = _plugins.plugin_manager()
    manager.register(OWN_PLUGIN, name="own")
    try:
        assert _plugins.get_adapter_for_app(own_app()) is OWN
    finally:
        manager.unregister(name="own")
    assert _plugins.get_adapter_for_app(own_app()) is asgi_adapter


def test_a_plugin_answering_from_the_app_object_is_asked_for_every_app() -> None:
    manager = _plugins.plugin_manager()
    manager.register(InstanceAnswer(), name="instance-answer")
    try:
        plain, twin = own_app(), own_app()
        twin.twin = True  # type: ignore[attr-defined]
        assert _plugins.get_adapter_for_app(twin) is TWIN
        assert _plugins.get_adapter_for_app(plain) is _plugins.get_adapter("asgi")
        assert _plugins.get_adapter_for_app(twin) is TWIN
    finally:
        manager.unregister(name="instance-answer")


class FirstSay:
    """A hand-written plugin answering ``pe_get_adapter("asgi")`` before the shipped one."""

    @pe.hookimpl(tryfirst=True)
    def pe_get_adapter(self, framework: str) -> Recorder | None:
        return OWN if framework == "asgi" else None


def test_the_adapter_found_for_a_framework_name_follows_plugins_registered_later() -> None:
    shipped = _plugins.get_adapter("asgi")
    assert _plugins.get_adapter("asgi") is shipped
    manager = _plugins.plugin_manager()
    manager.register(FirstSay(), name="first-say")
    try:
        assert _plugins.get_adapter("asgi") is OWN
    finally:
        manager.unregister(name="first-say")
    assert _plugins.get_adapter("asgi") is shipped
