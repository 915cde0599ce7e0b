"""``mount(app, ...)`` picks the adapter claiming the most derived class of ``app``, in any load order."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest

import portable_endpoints as pe
from portable_endpoints import hookspecs
from portable_endpoints._plugins import adapter_for_app
from portable_endpoints.hosting import AdapterPlugin
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
