"""The FastAPI internals this adapter touches, in one place.

FastAPI 0.13x and later include a router lazily: the routes of an included ``APIRouter`` are not
copied, each inclusion builds an "effective route context" carrying the dependencies it adds, and
builds the route's handler with that context in a context variable. Earlier versions copy each
route through ``add_api_route``, so an inclusion's dependencies arrive in the route's constructor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import fastapi.routing

_effective_route_context = getattr(fastapi.routing, "_effective_route_context_var", None)


def inherited_dependencies(route: fastapi.routing.APIRoute) -> Sequence[Any]:
    """The dependencies the inclusion being built adds to ``route`` (none before lazy inclusion)."""
    if _effective_route_context is None:
        return ()
    context = _effective_route_context.get()
    if context is None or getattr(context, "original_route", None) is not route:
        return ()
    return list(getattr(context, "dependencies", ()))
