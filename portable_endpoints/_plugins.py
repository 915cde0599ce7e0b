from __future__ import annotations

import os
import threading
import weakref
from typing import Any

import pluggy

from portable_endpoints import hookspecs
from portable_endpoints.exceptions import AdapterNotFound, AdapterUnavailable
from portable_endpoints.hosting import Adapter, AdapterInfo, AppClaim

ENTRY_POINT_GROUP = "portable_endpoints"
PLUGINS_ENV = "PORTABLE_ENDPOINTS_PLUGINS"
#: Adapters this project ships as extras of ``portable-endpoints``.
KNOWN_EXTRAS = ("starlette", "quart", "litestar", "fastapi", "django")

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None
_load_problems: dict[str, AdapterInfo] = {}


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, created and loaded from entry points on first use."""
    global _manager
    if _manager is None:
        with _lock:
            if _manager is None:
                _manager = _load()
    return _manager


def _wanted() -> set[str] | None:
    value = os.environ.get(PLUGINS_ENV)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, looking past dunder names for hook implementations.

    Registering walks ``dir(plugin)``: an ``AdapterPlugin`` instance or a module has some thirty
    dunder attributes and a handful of hooks, and each name costs a static attribute lookup.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        if name.startswith("__"):
            return None
        return super().parse_hookimpl_opts(plugin, name)


def _load() -> pluggy.PluginManager:
    # Imported here, once per process: importing portable_endpoints (or an adapter) alone reads
    # no package metadata, and importlib.metadata costs milliseconds to import.
    from importlib import metadata

    manager = _PluginManager("portable_endpoints")
    manager.add_hookspecs(hookspecs)
    wanted = _wanted()
    _load_problems.clear()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and entry_point.name not in wanted:
            continue
        if manager.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except ImportError as exc:
            # A broken or half-installed adapter must not take the others down with it.
            dist = entry_point.dist
            _load_problems[entry_point.name] = AdapterInfo(
                name=entry_point.name,
                distribution=dist.name if dist else entry_point.value,
                version=dist.version if dist else "unknown",
                framework=entry_point.name,
                framework_version=None,
                available=False,
                problem=f"cannot import {entry_point.value} ({exc}): "
                f"pip install 'portable-endpoints[{entry_point.name}]'",
            )
            continue
        manager.register(plugin, name=entry_point.name)
    manager.check_pending()
    return manager


def reset() -> None:
    """Forget the loaded plugins, so the next use loads them again (tests, reloads)."""
    global _manager
    with _lock:
        _manager = None


def adapter_infos() -> list[AdapterInfo]:
    infos = {info.name: info for info in plugin_manager().hook.pe_adapter_info() if info is not None}
    for name, problem in _load_problems.items():
        infos.setdefault(name, problem)
    return sorted(infos.values(), key=lambda info: info.name)


def _checked(adapter: object, hook: str, **kwargs: Any) -> Adapter:
    """``adapter`` if it implements ``Adapter``; else a clear error naming the plugin that returned it."""
    if isinstance(adapter, Adapter):
        return adapter
    caller = getattr(plugin_manager().hook, hook)
    culprit = "a plugin"
    for impl in reversed(caller.get_hookimpls()):
        if _adapter_of(impl.function(**kwargs)) is adapter:
            culprit = f"plugin {impl.plugin_name!r}"
            break
    raise TypeError(
        f"{hook} of {culprit} returned {adapter!r}, which is not a portable_endpoints.hosting.Adapter "
        "(it needs a name and create_app, native_routes and mount methods)"
    )


class _Remembered:
    """A hook's checked answers per key (a framework name, an app's type), kept while every
    implementation of the hook is marked ``_answers_by_key`` and they stay the same ones:
    registering or unregistering a plugin forgets them."""

    __slots__ = ("_answers", "_impls")

    def __init__(self) -> None:
        self._impls: list[Any] | None = None
        self._answers: weakref.WeakKeyDictionary[Any, Adapter] | dict[Any, Adapter] | None = None

    def answers(
        self, caller: Any, weak: bool = False
    ) -> weakref.WeakKeyDictionary[Any, Adapter] | dict[Any, Adapter] | None:
        """The answers remembered for ``caller`` (a hook), None when its answers may not be remembered."""
        impls = caller.get_hookimpls()
        if impls != self._impls:
            self._impls = impls
            by_key = all(getattr(impl.function, hookspecs.ANSWERS_BY_KEY, False) for impl in impls)
            self._answers = (weakref.WeakKeyDictionary() if weak else {}) if by_key else None
        return self._answers


_adapters_by_name = _Remembered()
#: by app type, held weakly: an app class made and dropped (a test's) is not kept alive
_adapters_by_app_type = _Remembered()


def get_adapter(framework: str) -> Adapter:
    if not isinstance(framework, str):
        raise TypeError(f"framework must be a name such as 'starlette', got {framework!r}")
    caller = plugin_manager().hook.pe_get_adapter
    remembered = _adapters_by_name.answers(caller)
    if remembered is not None:
        known = remembered.get(framework)
        if known is not None:
            return known
    adapter: object = caller(framework=framework)
    if adapter is not None:
        checked = _checked(adapter, "pe_get_adapter", framework=framework)
        if remembered is not None:
            remembered[framework] = checked
        return checked
    infos = adapter_infos()
    for info in infos:
        if info.name == framework and not info.available:
            raise AdapterUnavailable(f"The {framework!r} adapter cannot run here: {info.problem}")
    installed = ", ".join(info.name for info in infos if info.available) or "none"
    if framework in KNOWN_EXTRAS:
        raise AdapterUnavailable(
            f"No adapter for {framework!r} is installed: pip install 'portable-endpoints[{framework}]' "
            f"(installed adapters: {installed})"
        )
    raise AdapterNotFound(f"Unknown framework {framework!r}; installed adapters: {installed}")


def adapter_for_app(manager: pluggy.PluginManager, app: Any) -> object:
    """The adapter of the plugin whose claim on ``app`` names its most derived class; see the hookspec.

    None when no plugin claims ``app``; the answer is not checked to be an ``Adapter`` yet.
    """
    answers: list[object] = manager.hook.pe_get_adapter_for_app(app=app)
    if not answers:
        return None
    mro = type(app).__mro__

    def rank(answer: object) -> int:
        return mro.index(answer.app_class) if isinstance(answer, AppClaim) and answer.app_class in mro else len(mro)

    best = min(rank(answer) for answer in answers)
    chosen = {id(adapter): adapter for adapter in (_adapter_of(a) for a in answers if rank(a) == best)}
    if len(chosen) > 1:
        names = ", ".join(sorted(repr(getattr(adapter, "name", adapter)) for adapter in chosen.values()))
        raise AdapterNotFound(
            f"Adapters {names} all claim {type(app).__module__}.{type(app).__qualname__} objects equally; "
            f"restrict the plugins with {PLUGINS_ENV}"
        )
    return next(iter(chosen.values()))


def _adapter_of(answer: object) -> object:
    return answer.adapter if isinstance(answer, AppClaim) else answer


def get_adapter_for_app(app: Any) -> Adapter:
    manager = plugin_manager()
    remembered = _adapters_by_app_type.answers(manager.hook.pe_get_adapter_for_app, weak=True)
    if remembered is not None:
        known = remembered.get(type(app))
        if known is not None:
            return known
    checked = _adapter_for_app_checked(manager, app)
    if remembered is not None:
        remembered[type(app)] = checked
    return checked


def _adapter_for_app_checked(manager: pluggy.PluginManager, app: Any) -> Adapter:
    adapter = adapter_for_app(manager, app)
    if adapter is None:
        installed = ", ".join(info.name for info in adapter_infos() if info.available) or "none"
        raise AdapterNotFound(
            f"No installed adapter owns {type(app).__module__}.{type(app).__qualname__} objects "
            f"(installed adapters: {installed})"
        )
    return _checked(adapter, "pe_get_adapter_for_app", app=app)
