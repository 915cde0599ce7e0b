"""FastAPI-only: which adapter mounts, FastAPI's errors, handlers, middleware, state and dependencies."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi import Request as FastAPIRequest
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse as FastAPIJSONResponse
from portable_endpoints_fastapi.plugin import plugin as fastapi_plugin
from portable_endpoints_starlette.plugin import plugin as starlette_plugin
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Router

import portable_endpoints as pe
from portable_endpoints import HTTPEndpoint, JSONResponse, PlainTextResponse, Request, Route, hookspecs
from portable_endpoints._plugins import adapter_for_app
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


def manager_loading(*plugins: Any) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("portable_endpoints")
    manager.add_hookspecs(hookspecs)
    for plugin in plugins:
        manager.register(plugin)
    return manager


@pytest.mark.parametrize(
    "order",
    [(starlette_plugin, fastapi_plugin), (fastapi_plugin, starlette_plugin)],
    ids=["starlette-first", "fastapi-first"],
)
def test_the_most_specific_app_class_wins_whatever_the_load_order(order: tuple[Any, Any]) -> None:
    manager = manager_loading(*order)
    assert adapter_for_app(manager, FastAPI()) is fastapi_plugin.load()
    assert adapter_for_app(manager, APIRouter()) is fastapi_plugin.load()
    assert adapter_for_app(manager, Starlette()) is starlette_plugin.load()
    assert adapter_for_app(manager, Router()) is starlette_plugin.load()
    assert adapter_for_app(manager, object()) is None


class Refuse(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        raise pe.HTTPException(404, detail="no such item", headers={"x-why": "gone"})

    async def post(self, request: Request) -> JSONResponse:
        raise pe.HTTPException(409, detail="already there")


async def test_errors_come_in_fastapis_format() -> None:
    async with TestClient(pe.create_app([Route("/", Refuse)], framework="fastapi")) as client:
        missing = await client.get("/")
        assert (missing.status_code, missing.json(), missing.headers["x-why"]) == (
            404,
            {"detail": "no such item"},
            "gone",
        )
        conflict = await client.post("/")
        assert (conflict.status_code, conflict.json()) == (409, {"detail": "already there"})
        refused = await client.patch("/")
        assert (refused.status_code, refused.json()) == (405, {"detail": "Method Not Allowed"})
        assert refused.headers["allow"] == "GET, HEAD, POST"
        unrouted = await client.get("/nowhere")
        assert (unrouted.status_code, unrouted.json()) == (404, {"detail": "Not Found"})


async def test_http_exception_reaches_the_apps_exception_handlers() -> None:
    app: FastAPI = pe.create_app([Route("/", Refuse)], framework="fastapi")
    seen: list[int] = []

    @app.exception_handler(StarletteHTTPException)
    async def handler(request: FastAPIRequest, exc: StarletteHTTPException) -> FastAPIJSONResponse:
        seen.append(exc.status_code)
        return FastAPIJSONResponse({"handled": exc.detail}, status_code=exc.status_code)

    async with TestClient(app) as client:
        assert (await client.get("/")).json() == {"handled": "no such item"}
        assert (await client.delete("/")).json() == {"handled": "Method Not Allowed"}
    assert seen == [404, 405]


class Native(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        native = request.native
        return JSONResponse(
            {
                "native_is_fastapis_request": isinstance(native, FastAPIRequest),
                "app_is_the_fastapi_app": request.app is native.app and isinstance(request.app, FastAPI),
                "greeting": request.app.state.greeting,
                "state": request.state.tag,
                "url": str(request.url_for("native-home")),
            }
        )


async def test_middleware_state_and_the_native_request() -> None:
    app: FastAPI = pe.create_app([Route("/native", Native)], framework="fastapi")
    app.state.greeting = "hello"
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_methods=["*"])

    @app.middleware("http")
    async def tag(request: FastAPIRequest, call_next: Any) -> Any:
        request.state.tag = "from-middleware"
        response = await call_next(request)
        response.headers["x-middleware"] = "yes"
        return response

    @app.get("/", name="native-home")
    async def home() -> dict[str, str]:
        return {}

    async with TestClient(app) as client:
        response = await client.get("/native", headers={"origin": "https://example.org"})
        preflight = await client.options(
            "/native", headers={"origin": "https://example.org", "access-control-request-method": "GET"}
        )
    assert response.json() == {
        "native_is_fastapis_request": True,
        "app_is_the_fastapi_app": True,
        "greeting": "hello",
        "state": "from-middleware",
        "url": "http://testserver/",
    }
    assert response.headers["x-middleware"] == "yes"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://example.org"


async def test_a_native_path_operation_resolves_a_portable_route_by_name() -> None:
    app = FastAPI()

    @app.get("/")
    async def home(request: FastAPIRequest) -> dict[str, str]:
        return {"item": str(request.url_for("item", item_id=5))}

    class Item(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(str(request.path_params["item_id"]))

    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")], prefix="/v1")
    assert app.url_path_for("item", item_id=3) == "/v1/items/3"
    async with TestClient(app) as client:
        assert (await client.get("/")).json() == {"item": "http://testserver/v1/items/5"}
        assert (await client.get("/v1/items/9")).text == "9"


def require_token() -> None:
    raise AssertionError("a FastAPI dependency never runs for a portable endpoint")


def test_routes_that_would_inherit_dependencies_are_refused() -> None:
    routes = [Route("/", Refuse)]
    with pytest.raises(ConfigurationError, match="never run for portable endpoints"):
        pe.create_app(routes, framework="fastapi", dependencies=[Depends(require_token)])
    with pytest.raises(ConfigurationError, match="never run for portable endpoints"):
        pe.mount(APIRouter(dependencies=[Depends(require_token)]), routes)
    with pytest.raises(ConfigurationError, match="never run for portable endpoints"):
        pe.mount(FastAPI(dependencies=[Depends(require_token)]), routes)


async def include_with_dependencies_and_serve() -> None:
    app = FastAPI()
    router = pe.native_routes([Route("/", Refuse)], framework="fastapi")
    app.include_router(router, dependencies=[Depends(require_token)])
    async with TestClient(app) as client:
        await client.get("/")


async def test_including_portable_routes_with_dependencies_is_refused() -> None:
    # FastAPI before 0.13x copies routes on inclusion (refused there); later ones include lazily
    # and build each route's handler on first use (refused then, before any request is served).
    with pytest.raises(ConfigurationError, match="never run for portable endpoints"):
        await include_with_dependencies_and_serve()
