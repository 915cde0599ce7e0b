"""Sanic adapter for portable-endpoints.

``App`` (what ``create_app`` returns), ``PortableBlueprint`` (what ``native_routes`` returns) and
``error_class`` are imported on first access, so that loading the plugin never imports Sanic (a
missing Sanic is reported by name instead).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portable_endpoints_sanic._adapter import PortableBlueprint
    from portable_endpoints_sanic._app import App
    from portable_endpoints_sanic._responses import error_class

_LAZY = {
    "App": "portable_endpoints_sanic._app",
    "PortableBlueprint": "portable_endpoints_sanic._adapter",
    "error_class": "portable_endpoints_sanic._responses",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["App", "PortableBlueprint", "error_class"]
