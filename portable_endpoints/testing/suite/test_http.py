"""HTTP dispatch: verbs, HEAD, 405 + Allow, sync handlers, path syntax, url_for, HTTPException."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    Mount,
    PlainTextResponse,
    Request,
    Route,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")


class User(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.path_params['username']}")


SEED_ROUTES = [Route("/", Homepage), Route("/{username}", User)]


async def test_seed_example_routes(pe_host: Host) -> None:
    async with pe_host.client(SEED_ROUTES) as client:
        assert (await client.get("/")).text == "Hello, world!"
        response = await client.get("/tomchristie")
        assert response.status_code == 200
        assert response.text == "Hello, tomchristie"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_unserved_verb_is_405_with_starlette_allow(pe_host: Host) -> None:
    async with pe_host.client(SEED_ROUTES) as client:
        response = await client.post("/")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"


class ManyVerbs(HTTPEndpoint):
    # Defined out of order on purpose: Allow follows Starlette's fixed order, not the class's.
    async def delete(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("delete")

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("post")

    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("get")

    async def patch(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("patch")

    async def put(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("put")

    async def dispatch_helper(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("a private helper must never be reachable")

    async def foo(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("not a standard verb")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_each_verb_dispatches_to_its_method(pe_host: Host, method: str) -> None:
    async with pe_host.client([Route("/", ManyVerbs)]) as client:
        response = await client.request(method, "/")
        assert response.status_code == 200
        assert response.text == method.lower()


@pytest.mark.parametrize("method", ["OPTIONS", "FOO", "DISPATCH_HELPER", "TRACE", "QUERY"])
async def test_unserved_or_nonstandard_method_is_405(pe_host: Host, method: str) -> None:
    async with pe_host.client([Route("/", ManyVerbs)]) as client:
        response = await client.request(method, "/")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
        assert "not a standard verb" not in response.text
        assert "private helper" not in response.text


class WithOptions(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("get")

    async def options(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("", headers={"x-options": "mine"})

    async def query(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"query {(await request.body()).decode()}")


async def test_options_and_query_handlers_are_the_endpoints(pe_host: Host) -> None:
    async with pe_host.client([Route("/", WithOptions)]) as client:
        response = await client.options("/")
        assert response.status_code == 200
        assert response.headers["x-options"] == "mine"
        response = await client.request("QUERY", "/", content=b"q=1")
        assert response.text == "query q=1"
        response = await client.delete("/")
        assert response.headers["allow"] == "GET, HEAD, OPTIONS, QUERY"


class HeadFromGet(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("body of get", headers={"x-handler": "get"})


class ExplicitHead(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("body of get", headers={"x-handler": "get"})

    async def head(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("", headers={"x-handler": "head"})


async def test_head_falls_back_to_get_without_a_body(pe_host: Host) -> None:
    async with pe_host.client([Route("/get", HeadFromGet), Route("/head", ExplicitHead)]) as client:
        response = await client.head("/get")
        assert response.status_code == 200
        assert response.headers["x-handler"] == "get"
        assert response.content == b""
        assert response.headers["content-length"] == str(len(b"body of get"))
        response = await client.head("/head")
        assert response.headers["x-handler"] == "head"
        assert response.content == b""


async def test_sync_handlers_run_in_a_worker_thread(pe_host: Host) -> None:
    seen: dict[str, Any] = {}

    class Blocking(HTTPEndpoint):
        def get(self, request: Request) -> PlainTextResponse:
            seen["thread"] = threading.get_ident()
            return PlainTextResponse(f"sync {request.path_params['n']}")

    async with pe_host.client([Route("/{n:int}", Blocking)]) as client:
        response = await client.get("/7")
        assert response.text == "sync 7"
        assert seen["thread"] != threading.get_ident()


async def test_function_endpoints_with_methods(pe_host: Host) -> None:
    async def create(request: Request) -> JSONResponse:
        return JSONResponse(await request.json(), status_code=201)

    def listing(request: Request) -> PlainTextResponse:
        return PlainTextResponse("listing")

    routes = [Route("/items", listing), Route("/new", create, methods=["POST"])]
    async with pe_host.client(routes) as client:
        assert (await client.get("/items")).text == "listing"
        assert (await client.post("/new", json={"a": 1})).json() == {"a": 1}
        response = await client.get("/new")
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"


class Params(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse({key: [type(value).__name__, str(value)] for key, value in request.path_params.items()})


PARAM_ROUTES = [
    Route("/int/{value:int}", Params, name="int"),
    Route("/float/{value:float}", Params, name="float"),
    Route("/uuid/{value:uuid}", Params, name="uuid"),
    Route("/str/{value}", Params, name="str"),
    Route("/path/{value:path}", Params, name="path"),
    Route("/files/{name}.{ext}", Params, name="file"),
    Route("/x/{id:int}", Params, name="x"),
]
UID = uuid.UUID("8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f10")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/int/42", {"value": ["int", "42"]}),
        ("/float/1", {"value": ["float", "1.0"]}),
        ("/float/2.5", {"value": ["float", "2.5"]}),
        ("/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f10", {"value": ["UUID", str(UID)]}),
        ("/uuid/8B8F2C328F2B4F6B9D2B6A0A4C1E7F10", {"value": ["UUID", str(UID)]}),
        ("/str/hello%20there", {"value": ["str", "hello there"]}),
        ("/path/a/b/c.txt", {"value": ["str", "a/b/c.txt"]}),
        ("/path/", {"value": ["str", ""]}),
        ("/files/report.tar.gz", {"name": ["str", "report.tar"], "ext": ["str", "gz"]}),
        ("/x/5", {"id": ["int", "5"]}),
    ],
)
async def test_path_params_match_and_convert_as_on_starlette(pe_host: Host, path: str, expected: Any) -> None:
    async with pe_host.client(PARAM_ROUTES) as client:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        assert response.json() == expected


@pytest.mark.parametrize(
    "path",
    [
        "/int/-5",
        "/int/5.0",
        "/float/1e5",
        "/float/nan",
        "/float/.5",
        "/uuid/not-a-uuid",
        "/uuid/8b8f2c32-8f2b-4f6b-9d2b-6a0a4c1e7f1",
        "/str/",
        "/files/noextension",
        "/x/5/",
        "http://testserver//x//5//",
        "/x",
    ],
)
async def test_paths_starlette_would_not_match_are_404(pe_host: Host, path: str) -> None:
    # Without redirect_slashes, which would answer "/x/5/" with a redirect to "/x/5".
    async with TestClient(pe_host.app(PARAM_ROUTES, redirect_slashes=False)) as client:
        response = await client.get(path)
        assert response.status_code == 404


async def test_url_for_resolves_route_names(pe_host: Host) -> None:
    class Links(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "user": str(request.url_for("user", username="ada")),
                    "file": str(request.url_for("api:file", name="a", ext="txt")),
                    "int": str(request.url_for("api:int", value=3)),
                }
            )

    routes = [
        Route("/links", Links),
        Route("/users/{username}", User, name="user"),
        Mount(
            "/api",
            [Route("/files/{name}.{ext}", Params, name="file"), Route("/n/{value:int}", Params, name="int")],
            name="api",
        ),
    ]
    async with pe_host.client(routes) as client:
        assert (await client.get("/api/n/3")).json() == {"value": ["int", "3"]}
        assert (await client.get("/links")).json() == {
            "user": "http://testserver/users/ada",
            "file": "http://testserver/api/files/a.txt",
            "int": "http://testserver/api/n/3",
        }


async def test_http_exception_becomes_the_hosts_error(pe_host: Host) -> None:
    class Teapot(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            raise HTTPException(418, detail="short and stout", headers={"x-pot": "tea"})

        async def post(self, request: Request) -> PlainTextResponse:
            raise HTTPException(404)

    async with pe_host.client([Route("/", Teapot)]) as client:
        response = await client.get("/")
        assert response.status_code == 418
        assert response.headers["x-pot"] == "tea"
        assert "short and stout" in response.text
        assert (await client.post("/")).status_code == 404


async def test_endpoint_error_is_a_500_and_the_host_keeps_serving(pe_host: Host) -> None:
    class Broken(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            raise RuntimeError("boom")

    async with pe_host.client([Route("/broken", Broken), Route("/", Homepage)], raise_app_exceptions=False) as client:
        assert (await client.get("/broken")).status_code == 500
        assert (await client.get("/")).text == "Hello, world!"


async def test_an_endpoint_returning_no_response_is_a_500_and_the_host_keeps_serving(pe_host: Host) -> None:
    # The error itself ("Endpoint 'Sloppy' returned 'text'; return a Response") is the core's,
    # raised by the one dispatch path every adapter calls; each host reports it as a 500.
    class Sloppy(HTTPEndpoint):
        async def get(self, request: Request) -> Any:
            return "text"

    async with pe_host.client([Route("/sloppy", Sloppy), Route("/", Homepage)], raise_app_exceptions=False) as client:
        response = await client.get("/sloppy")
        assert response.status_code == 500
        assert (await client.get("/")).text == "Hello, world!"


async def test_endpoint_instance_sees_the_scope(pe_host: Host) -> None:
    class Scoped(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"{self.scope['type']} {self.scope['method']} {request.path}")

    async with pe_host.client([Route("/scoped", Scoped)]) as client:
        assert (await client.get("/scoped")).text == "http GET /scoped"


async def test_the_first_declared_matching_route_wins_as_on_starlette(pe_host: Host) -> None:
    class Me(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse("the static route")

    # Starlette tries routes in order, so the param route shadows the later static one; hosts whose
    # routers prefer static segments must not reorder portable routes.
    routes = [Route("/users/{name}", Params, name="param"), Route("/users/me", Me), Route("/static/me", Me, name="s")]
    async with pe_host.client(routes) as client:
        assert (await client.get("/users/me")).json() == {"name": ["str", "me"]}
        assert (await client.get("/static/me")).text == "the static route"
