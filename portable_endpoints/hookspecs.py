"""The plugin contract: the hooks an adapter implements to host portable endpoints.

An adapter is a distribution with one entry point in the ``portable_endpoints`` group, naming a
module (or object) whose functions are marked ``@portable_endpoints.hookimpl``. The built-in
``asgi`` adapter is registered through that same entry-point group. Entry points load lazily, the
first time an adapter is needed; ``PORTABLE_ENDPOINTS_PLUGINS=asgi,quart`` restricts which load.
After loading, hook implementations are validated against these specs, so a misspelled hook
name fails loudly instead of being ignored.

The objects an adapter returns from ``pe_get_adapter`` implement ``portable_endpoints.hosting.Adapter``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pluggy

if TYPE_CHECKING:
    from portable_endpoints.hosting import Adapter, AdapterInfo, AppClaim
    from portable_endpoints.testing.native_kit import NativeKit

hookspec = pluggy.HookspecMarker("portable_endpoints")
hookimpl = pluggy.HookimplMarker("portable_endpoints")

_F = TypeVar("_F", bound=Callable[..., object])
#: the attribute ``_answers_by_key`` sets on a hook implementation
ANSWERS_BY_KEY = "_pe_answers_by_key"


def _answers_by_key(function: _F) -> _F:
    """Marks a ``pe_get_adapter`` / ``pe_get_adapter_for_app`` implementation (the project's own)
    whose answer depends on the framework name, or on the app's type, alone and never changes:
    while every registered implementation of the hook is so marked, the core remembers the
    answers per name or type instead of calling the hook on every ``create_app`` and ``mount``."""
    setattr(function, ANSWERS_BY_KEY, True)
    return function


@hookspec
def pe_adapter_info() -> AdapterInfo | None:
    """Describe the adapter this plugin provides.

    Called by ``portable_endpoints.adapters()``, by ``portable-endpoints adapters`` and when an
    error has to list the installed adapters; every plugin is asked.

    Must be cheap and must not fail when the framework is missing: report
    ``available=False`` with a ``problem`` naming the extra to install instead.

    Return ``None`` when the plugin provides no adapter (it only implements other hooks).
    """


@hookspec(firstresult=True)
def pe_get_adapter(framework: str) -> Adapter | None:
    """Return the adapter that serves the framework called ``framework``.

    Called by ``create_app(routes, framework=...)``, ``native_routes(routes, framework=...)``
    and the CLI. The first plugin returning an adapter wins.

    :param framework: the name the user asked for, e.g. ``"quart"``, exactly as given.

    Return ``None`` when the name is not yours. When it is yours but cannot work here (the
    framework is not installed), raise ``portable_endpoints.exceptions.AdapterUnavailable``
    whose message names the extra to install.
    """


@hookspec
def pe_get_adapter_for_app(app: object) -> Adapter | AppClaim | None:
    """Return the adapter that owns ``app``, an application object created by its framework.

    Called by ``mount(app, routes, prefix=...)``; every plugin is asked. Frameworks build on each
    other (a FastAPI app is also a Starlette app), so several plugins may claim one app: answer
    ``AppClaim(adapter, app_class)`` naming the class of yours that ``app`` is an instance of, and
    the claim whose class is the most derived one in ``type(app).__mro__`` wins, whatever order the
    plugins loaded in. A bare ``Adapter`` answer ranks below every ``AppClaim``; two different
    adapters tied at the top are an error (restrict the plugins with ``PORTABLE_ENDPOINTS_PLUGINS``).

    :param app: the user's existing application object, of any type.

    Return ``None`` when ``app`` is not an application of your framework. Do not import your
    framework to answer: if its module is not in ``sys.modules``, ``app`` cannot be one of its
    apps, so answering ``None`` stays cheap for every other framework.
    """


@hookspec(firstresult=True)
def pe_native_kit(framework: str) -> NativeKit | None:
    """Return the native kit of the adapter called ``framework``, for the conformance suite.

    Called by the conformance suite (``portable_endpoints.testing.plugin.Host.native_kit``), at
    most once per adapter and test session, the first time a test needs to build the host's own
    objects: a native app with a native route, native routes composed by hand, a native response,
    a native exception handler, the native request and websocket types. Never called outside
    tests. The first plugin returning a kit wins.

    :param framework: the adapter's name, as ``pe_get_adapter`` receives it, e.g. ``"quart"``.

    Return ``None`` when the name is not yours, or when your adapter provides no kit: the suite
    then asserts that absence where it would use one (and expects ``request.native`` and
    ``websocket.native`` to be ``None`` on your host). A kit implements
    ``portable_endpoints.testing.NativeKit``.
    """
