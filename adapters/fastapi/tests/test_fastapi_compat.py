"""One test per FastAPI internal the adapter touches (``_compat``): a release that moves one fails here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from portable_endpoints_fastapi import _compat


def dependency() -> None:
    """A dependency an including router adds."""


def test_a_route_sees_the_dependencies_its_inclusion_adds() -> None:
    seen: list[list[Any]] = []

    class Recording(APIRoute):
        def get_route_handler(self) -> Any:
            # Copied on inclusion (older FastAPI): the route's own; included lazily: the inclusion's.
            seen.append([*self.dependencies, *_compat.inherited_dependencies(self)])
            return super().get_route_handler()

    router = APIRouter(route_class=Recording)
    router.add_api_route("/", dependency)
    assert seen == [[]]
    added = Depends(dependency)
    app = FastAPI()
    app.include_router(router, dependencies=[added])
    app.openapi()  # builds every route of the schema, included ones too
    assert [added] in seen[1:]
