"""Every part of Starlette this adapter touches beyond its documented application API, in one place.

Each function here has a test in ``tests/test_starlette_compat.py``, so a Starlette release that
moves one of them fails that one named test.
"""

from __future__ import annotations

from typing import Any

import starlette.convertors
from starlette.applications import Starlette


def ensure_convertor(name: str, convertor: Any) -> None:
    """Register ``convertor`` under ``name`` in Starlette's process-wide convertor table, once."""
    if name not in starlette.convertors.CONVERTOR_TYPES:
        starlette.convertors.register_url_convertor(name, convertor)


def set_redirect_slashes(app: Starlette, enabled: bool) -> None:
    """Starlette's router attribute behind ``Starlette(redirect_slashes=...)``, which its app takes no argument for."""
    app.router.redirect_slashes = enabled
