"""Starlette's router on every host: shared names, method fall-through, slashes, Mount params, root_path.

Each test is a Starlette routing behaviour (``tests/test_routing.py`` of Starlette 1.10, or its
router's code) that ported code relies on; the expected values are what Starlette answers.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from typing import Any

import pytest

import portable_endpoints as pe
from portable_endpoints import (
    ConfigurationError,
    HTTPEndpoint,
    JSONResponse,
    Mount,
    NoMatchFound,
    PlainTextResponse,
    Request,
    Response,
    Route,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.convertors import CONVERTOR_TYPES, Convertor
from portable_endpoints.testing import TestClient, WebSocketRejected
from portable_endpoints.testing._raw import drive_http, http_scope
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        username = request.path_params.get("username")
        return PlainTextResponse("Hello, world!" if username is None else f"Hello, {username}!")


def url_or_error(request: Request, name: str, /, **params: Any) -> str:
    """The URL, or the name of the exception ``url_for`` raised: asserted by the test, outside the app."""
    try:
        return str(request.url_for(name, **params))
    except Exception as exc:
        return type(exc).__name__


# -- 1. names -------------------------------------------------------------------------------------


async def test_starlettes_own_endpoint_test_app_builds_and_serves(pe_host: Host) -> None:
    # Starlette's tests/test_endpoints.py app: one class on two paths, so two routes named "Homepage".
    routes = [Route("/", Homepage), Route("/{username}", Homepage)]
    async with pe_host.client(routes) as client:
        assert (await client.get("/")).text == "Hello, world!"
        assert (await client.get("/tomchristie")).text == "Hello, tomchristie!"


async def test_url_for_takes_the_first_route_whose_name_and_params_fit(pe_host: Host) -> None:
    async def links(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "bare": url_or_error(request, "Homepage"),
                "user": url_or_error(request, "Homepage", username="tom"),
                "unknown": url_or_error(request, "nowhere"),
                "wrong_params": url_or_error(request, "Homepage", nickname="tom"),
                "refused_value": url_or_error(request, "item", id=-1),
                "refused_str": url_or_error(request, "Homepage", username="a/b"),
                "item": url_or_error(request, "item", id=3),
            }
        )

    routes = [
        Route("/", Homepage),
        Route("/links", links),
        Route("/{username}", Homepage),
        Route("/items/{id:int}", Homepage, name="item"),
    ]
    async with pe_host.client(routes) as client:
        assert (await client.get("/links")).json() == {
            "bare": "http://testserver/",
            "user": "http://testserver/tom",
            "unknown": "NoMatchFound",
            "wrong_params": "NoMatchFound",
            # Starlette's convertors assert here; every host raises NoMatchFound instead.
            "refused_value": "NoMatchFound",
            "refused_str": "NoMatchFound",
            "item": "http://testserver/items/3",
        }


async def test_partial_endpoints_share_the_name_partial(pe_host: Host) -> None:
    async def greet(request: Request, word: str) -> PlainTextResponse:
        return PlainTextResponse(word)

    async def links(request: Request) -> PlainTextResponse:
        return PlainTextResponse(url_or_error(request, "partial"))

    routes = [
        Route("/hi", functools.partial(greet, word="hi")),
        Route("/bye", functools.partial(greet, word="bye")),
        Route("/links", links),
    ]
    assert [route.name for route in routes] == ["partial", "partial", "links"]
    async with pe_host.client(routes) as client:
        assert (await client.get("/hi")).text == "hi"
        assert (await client.get("/bye")).text == "bye"
        assert (await client.get("/links")).text == "http://testserver/hi"


async def test_no_match_found_is_the_same_exception_everywhere(pe_host: Host) -> None:
    async def check(request: Request) -> JSONResponse:
        try:
            request.url_for("missing", x=1)
        except NoMatchFound as exc:
            return JSONResponse({"type": type(exc).__module__ + "." + type(exc).__name__, "message": str(exc)})
        return JSONResponse({"type": None})

    async with pe_host.client([Route("/", check)]) as client:
        assert (await client.get("/")).json() == {
            "type": "portable_endpoints.exceptions.NoMatchFound",
            "message": 'No route exists for name "missing" and params "x".',
        }


# -- 2. method fall-through --------------------------------------------------------------------------


async def get_f(request: Request) -> PlainTextResponse:
    return PlainTextResponse("get f")


async def post_f(request: Request) -> PlainTextResponse:
    return PlainTextResponse("post f")


async def test_a_method_mismatch_falls_through_to_a_later_full_match(pe_host: Host) -> None:
    routes = [Route("/f", get_f, methods=["GET"]), Route("/f", post_f, methods=["POST"])]
    async with pe_host.client(routes) as client:
        assert (await client.get("/f")).text == "get f"
        assert (await client.post("/f")).text == "post f"
        # No route serves PUT: the first partial match answers, with its own Allow.
        response = await client.put("/f")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"


async def test_put_reaches_a_later_route_with_a_more_specific_path(pe_host: Host) -> None:
    # Starlette's test_router_add_route / "users/{username}:disable" case.
    async def user(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"User {request.path_params['username']}")

    async def disable_user(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"User {request.path_params['username']} disabled")

    routes = [
        Route("/users/{username}", user, methods=["GET"]),
        Route("/users/{username}:disable", disable_user, methods=["PUT"]),
    ]
    async with pe_host.client(routes) as client:
        assert (await client.put("/users/tom:disable")).text == "User tom disabled"
        assert (await client.get("/users/tom:disable")).text == "User tom:disable"
        response = await client.post("/users/tom:disable")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"


async def test_websocket_and_http_routes_on_one_path_do_not_shadow_each_other(pe_host: Host) -> None:
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("ws")
        await websocket.close()

    routes = [WebSocketRoute("/both", ws), Route("/both", get_f)]
    async with pe_host.client(routes) as client:
        assert (await client.get("/both")).text == "get f"
        async with client.websocket_connect("/both") as session:
            assert await session.receive_text() == "ws"


# -- 3. trailing slashes ---------------------------------------------------------------------------


SLASH_ROUTES = [
    Route("/items", Homepage, name="items"),
    Route("/dir/", Homepage, name="dir"),
    Mount("/users", [Route("/", Homepage, name="index")], name="users"),
]


async def test_redirect_slashes_to_the_matching_twin_keeps_the_query(pe_host: Host) -> None:
    async with pe_host.client(SLASH_ROUTES) as client:
        response = await client.get("/items/?page=2&q=a%20b")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/items?page=2&q=a%20b"
        response = await client.get("/dir")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/dir/"
        # Starlette redirects whatever the method: the twin matches by path.
        response = await client.post("/items/")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/items"
        assert (await client.get("/nowhere/")).status_code == 404
        assert (await client.get("/items")).text == "Hello, world!"


async def test_a_mount_with_a_slash_route_answers_its_bare_prefix_as_starlette(pe_host: Host) -> None:
    async with pe_host.client(SLASH_ROUTES) as client:
        response = await client.get("/users")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/users/"
        assert (await client.get("/users/")).text == "Hello, world!"


async def test_redirect_slashes_keeps_the_root_path(pe_host: Host) -> None:
    async with TestClient(pe_host.app(SLASH_ROUTES), root_path="/root") as client:
        response = await client.get("/items/")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/root/items"


async def test_redirect_slashes_false_answers_404(pe_host: Host) -> None:
    async with TestClient(pe_host.app(SLASH_ROUTES, redirect_slashes=False)) as client:
        assert (await client.get("/items/")).status_code == 404
        assert (await client.get("/dir")).status_code == 404
        assert (await client.get("/users")).status_code == 404
        assert (await client.get("/users/")).text == "Hello, world!"


# -- 4. Mount with path params ---------------------------------------------------------------------


class Member(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "params": {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()},
                "self": url_or_error(request, "orgs:member", **request.path_params),
                "other": url_or_error(request, "orgs:member", org="beta", username="ada", version=2),
                "missing_org": url_or_error(request, "orgs:member", username="ada", version=2),
            }
        )


async def test_mount_prefix_params_reach_path_params_and_url_for(pe_host: Host) -> None:
    routes = [Mount("/v{version:int}/{org}/users", [Route("/{username}", Member, name="member")], name="orgs")]
    async with pe_host.client(routes) as client:
        response = await client.get("/v1/acme/users/tom")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "params": {"version": ["int", "1"], "org": ["str", "acme"], "username": ["str", "tom"]},
            "self": "http://testserver/v1/acme/users/tom",
            "other": "http://testserver/v2/beta/users/ada",
            "missing_org": "NoMatchFound",
        }
        assert (await client.get("/vx/acme/users/tom")).status_code == 404


def test_a_mount_prefix_with_an_unknown_convertor_fails_when_declared() -> None:
    with pytest.raises(ConfigurationError, match="Unknown path convertor 'nope'"):
        Mount("/{org:nope}", [Route("/", Homepage)])


def test_a_convertor_with_a_broken_regex_fails_when_a_route_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(Convertor[str]):
        regex = "[0-9"

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return value

    # As Starlette's compile_path: at declaration, not at the first request.
    monkeypatch.setitem(CONVERTOR_TYPES, "broken", Broken())
    with pytest.raises(re.error, match="unterminated character set"):
        Route("/x/{value:broken}", Homepage)


# -- 5. root_path under mounts, end of path ------------------------------------------------------


class Where(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "root_path": request.scope.get("root_path", ""),
                "path": request.url.path,
                "home": url_or_error(request, "home"),
            }
        )


async def where_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"root_path": websocket.scope.get("root_path", "")})
    await websocket.close()


WHERE_ROUTES = [
    Route("/", Where, name="home"),
    Mount("/sub", [Route("/here", Where), WebSocketRoute("/ws", where_ws)]),
    Mount("/{org}/team", [Route("/here", Where)]),
]


async def test_a_route_under_a_mount_sees_the_mounts_root_path(pe_host: Host) -> None:
    async with TestClient(pe_host.app(WHERE_ROUTES), root_path="/root") as client:
        assert (await client.get("/")).json() == {
            "root_path": "/root",
            "path": "/root/",
            "home": "http://testserver/root/",
        }
        assert (await client.get("/sub/here")).json() == {
            "root_path": "/root/sub",
            "path": "/root/sub/here",
            "home": "http://testserver/root/",
        }
        assert (await client.get("/acme/team/here")).json() == {
            "root_path": "/root/acme/team",
            "path": "/root/acme/team/here",
            "home": "http://testserver/root/",
        }
        async with client.websocket_connect("/sub/ws") as session:
            assert await session.receive_json() == {"root_path": "/root/sub"}


async def test_a_route_under_a_mount_without_root_path(pe_host: Host) -> None:
    async with pe_host.client(WHERE_ROUTES) as client:
        assert (await client.get("/sub/here")).json()["root_path"] == "/sub"


async def echo_value(request: Request) -> JSONResponse:
    value = request.path_params["value"]
    return JSONResponse([type(value).__name__, value])


async def test_a_trailing_newline_is_part_of_the_path(pe_host: Host) -> None:
    # One rule on every host: the pattern must match the whole path. Starlette's "$" also matches
    # before a final "\n", so it routes /i/5%0A to {value:int}; here that is a 404.
    routes = [Route("/i/{value:int}", echo_value), Route("/s/{value}", echo_value), Route("/plain", get_f)]
    async with TestClient(pe_host.app(routes, redirect_slashes=False)) as client:
        assert (await client.get("/i/5%0A")).status_code == 404
        assert (await client.get("/plain%0A")).status_code == 404
        assert (await client.get("/s/ab%0A")).json() == ["str", "ab\n"]
        assert (await client.get("/i/5")).json() == ["int", 5]


# -- 8. url_for and request.app slips --------------------------------------------------------------


async def test_url_for_a_websocket_route_has_a_websocket_scheme(pe_host: Host) -> None:
    async def links(request: Request) -> JSONResponse:
        return JSONResponse({"ws": url_or_error(request, "ws"), "page": url_or_error(request, "links")})

    async def links_ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"page": str(websocket.url_for("links")), "ws": str(websocket.url_for("ws"))})
        await websocket.close()

    routes = [Route("/links", links, name="links"), WebSocketRoute("/ws", links_ws, name="ws")]
    async with pe_host.client(routes) as client:
        assert (await client.get("/links")).json() == {"ws": "ws://testserver/ws", "page": "http://testserver/links"}
        async with client.websocket_connect("/ws") as session:
            assert await session.receive_json() == {"page": "http://testserver/links", "ws": "ws://testserver/ws"}
    async with pe_host.client(routes, base_url="https://testserver") as client:
        assert (await client.get("/links")).json() == {"ws": "wss://testserver/ws", "page": "https://testserver/links"}


async def test_request_app_is_the_hosts_app(pe_host: Host) -> None:
    async def which(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(id(request.app)))

    app = pe_host.app([Route("/", which)])
    async with TestClient(app) as client:
        assert (await client.get("/")).text == str(id(app))


async def own_link(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(request.url_for("page")))


async def test_routes_mounted_twice_resolve_url_for_to_their_own_copy(pe_host: Host) -> None:
    app = pe_host.app([Route("/", Homepage)])
    copy = [Route("/page", own_link, name="page")]
    pe.mount(app, copy, prefix="/a")
    pe.mount(app, copy, prefix="/b")
    async with TestClient(app) as client:
        assert (await client.get("/a/page")).text == "http://testserver/a/page"
        assert (await client.get("/b/page")).text == "http://testserver/b/page"


async def test_url_for_finds_routes_of_another_mount_call(pe_host: Host) -> None:
    async def links(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{url_or_error(request, 'target')} {url_or_error(request, 'home')}")

    app = pe_host.app([Route("/", Homepage, name="home")])
    pe.mount(app, [Route("/target", Homepage, name="target")], prefix="/one")
    pe.mount(app, [Route("/links", links)], prefix="/two")
    async with TestClient(app) as client:
        assert (await client.get("/two/links")).text == "http://testserver/one/target http://testserver/"


def test_a_duplicated_param_error_names_every_duplicate(pe_host: Host) -> None:
    with pytest.raises(ConfigurationError, match=r"Duplicated param names a, b at path /\{a\}/\{b\}/\{a\}/\{b\}"):
        pe_host.app([Route("/{a}/{b}/{a}/{b}", Homepage)])
    with pytest.raises(ConfigurationError, match=r"Duplicated param name id at path /\{id\}/x/\{id\}"):
        pe_host.app([Mount("/{id}", [Route("/x/{id}", Homepage)])])


# -- 10. Starlette's tests/test_routing.py, re-expressed -------------------------------------------
#
# Its router app, imports changed (``Mount("/static", app=Response(...))`` mounts a response object,
# an ASGI app). Starlette's test client follows redirects, so where it sees the redirected answer,
# these tests assert the 307 and then request its Location.


def homepage(request: Request) -> Response:
    return Response("Hello, world", media_type="text/plain")


def users(request: Request) -> Response:
    return Response("All users", media_type="text/plain")


def user(request: Request) -> Response:
    return Response("User " + request.path_params["username"], media_type="text/plain")


def user_me(request: Request) -> Response:
    return Response("User fixed me", media_type="text/plain")


def disable_user(request: Request) -> Response:
    return Response("User " + request.path_params["username"] + " disabled", media_type="text/plain")


def user_no_match(request: Request) -> Response:  # never reached: "/{username}" comes first
    return Response("User fixed no match", media_type="text/plain")


async def partial_endpoint(arg: str, request: Request) -> JSONResponse:
    return JSONResponse({"arg": arg})


async def partial_ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"url": str(websocket.url)})
    await websocket.close()


class PartialRoutes:
    @classmethod
    async def async_endpoint(cls, arg: str, request: Request) -> JSONResponse:
        return JSONResponse({"arg": arg})

    @classmethod
    async def async_ws_endpoint(cls, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"url": str(websocket.url)})
        await websocket.close()


def func_homepage(request: Request) -> Response:
    return Response("Hello, world!", media_type="text/plain")


def contact(request: Request) -> Response:
    return Response("Hello, POST!", media_type="text/plain")


def convertor(key: str) -> Any:
    def endpoint(request: Request) -> JSONResponse:
        value = request.path_params["param"]
        return JSONResponse({key: str(value) if key == "uuid" else value})

    endpoint.__name__ = f"{key}_convertor"
    return endpoint


async def websocket_endpoint(session: WebSocket) -> None:
    await session.accept()
    await session.send_text("Hello, world!")
    await session.close()


async def websocket_params(session: WebSocket) -> None:
    await session.accept()
    await session.send_text(f"Hello, {session.path_params['room']}!")
    await session.close()


async def reverse(request: Request) -> JSONResponse:
    """Starlette's ``app.url_path_for`` cases, asked from inside the app (the router is the host's)."""
    return JSONResponse(
        {
            "homepage": url_or_error(request, "homepage"),
            "user": url_or_error(request, "user", username="tomchristie"),
            "websocket_endpoint": url_or_error(request, "websocket_endpoint"),
            "broken": url_or_error(request, "broken"),
            "broken_params": url_or_error(request, "broken", key="value", key2="value2"),
            "slash_in_str": url_or_error(request, "user", username="tom/christie"),
            "empty_str": url_or_error(request, "user", username=""),
            "int": url_or_error(request, "int-convertor", param=5),
            "parentheses": url_or_error(request, "path-with-parentheses", param=7),
            "float": url_or_error(request, "float-convertor", param=25.5),
            "path": url_or_error(request, "path-convertor", param="some/example"),
            "uuid": url_or_error(request, "uuid-convertor", param=uuid.UUID("ec38df32-ceda-4cfa-9b4a-1aeb94ad551a")),
        }
    )


ROUTER_APP = [
    Route("/", endpoint=homepage, methods=["GET"]),
    Mount(
        "/users",
        routes=[
            Route("/", endpoint=users),
            Route("/me", endpoint=user_me),
            Route("/{username}", endpoint=user),
            Route("/{username}:disable", endpoint=disable_user, methods=["PUT"]),
            Route("/nomatch", endpoint=user_no_match),
        ],
    ),
    Mount(
        "/partial",
        routes=[
            Route("/", endpoint=functools.partial(partial_endpoint, "foo")),
            Route("/cls", endpoint=functools.partial(PartialRoutes.async_endpoint, "foo")),
            WebSocketRoute("/ws", endpoint=functools.partial(partial_ws_endpoint)),
            WebSocketRoute("/ws/cls", endpoint=functools.partial(PartialRoutes.async_ws_endpoint)),
        ],
    ),
    Mount("/static", app=Response("xxxxx", media_type="image/png")),
    Route("/func", endpoint=func_homepage, methods=["GET"]),
    Route("/func", endpoint=contact, methods=["POST"]),
    Route("/int/{param:int}", endpoint=convertor("int"), name="int-convertor"),
    Route("/float/{param:float}", endpoint=convertor("float"), name="float-convertor"),
    Route("/path/{param:path}", endpoint=convertor("path"), name="path-convertor"),
    Route("/uuid/{param:uuid}", endpoint=convertor("uuid"), name="uuid-convertor"),
    Route("/path-with-parentheses({param:int})", endpoint=convertor("int"), name="path-with-parentheses"),
    WebSocketRoute("/ws", endpoint=websocket_endpoint),
    WebSocketRoute("/ws/{room}", endpoint=websocket_params),
    Route("/reverse", reverse),
]


async def test_router(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        response = await client.get("/")
        assert (response.status_code, response.text) == (200, "Hello, world")
        response = await client.post("/")
        assert response.status_code == 405
        assert set(response.headers["allow"].split(", ")) == {"HEAD", "GET"}
        assert (await client.get("/foo")).status_code == 404
        response = await client.get("/users")
        assert (response.status_code, response.headers["location"]) == (307, "http://testserver/users/")
        assert (await client.get("/users/")).text == "All users"
        assert (await client.get("/users/tomchristie")).text == "User tomchristie"
        assert (await client.get("/users/me")).text == "User fixed me"
        response = await client.get("/users/tomchristie/")
        assert (response.status_code, response.headers["location"]) == (307, "http://testserver/users/tomchristie")
        response = await client.put("/users/tomchristie:disable")
        assert (response.status_code, response.text) == (200, "User tomchristie disabled")
        assert (await client.get("/users/nomatch")).text == "User nomatch"
        response = await client.get("/static/123")
        assert (response.status_code, response.text) == (200, "xxxxx")
        assert response.headers["content-type"] == "image/png"


async def test_route_converters(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        assert (await client.get("/int/5")).json() == {"int": 5}
        assert (await client.get("/path-with-parentheses(7)")).json() == {"int": 7}
        assert (await client.get("/float/25.5")).json() == {"float": 25.5}
        assert (await client.get("/path/some/example")).json() == {"path": "some/example"}
        response = await client.get("/uuid/ec38df32-ceda-4cfa-9b4a-1aeb94ad551a")
        assert response.json() == {"uuid": "ec38df32-ceda-4cfa-9b4a-1aeb94ad551a"}


async def test_url_path_for(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP, base_url="https://example.org") as client:
        assert (await client.get("/reverse")).json() == {
            "homepage": "https://example.org/",
            "user": "https://example.org/users/tomchristie",
            "websocket_endpoint": "wss://example.org/ws",
            "broken": "NoMatchFound",
            "broken_params": "NoMatchFound",
            # Starlette's convertors raise AssertionError for these; here it is NoMatchFound.
            "slash_in_str": "NoMatchFound",
            "empty_str": "NoMatchFound",
            "int": "https://example.org/int/5",
            "parentheses": "https://example.org/path-with-parentheses(7)",
            "float": "https://example.org/float/25.5",
            "path": "https://example.org/path/some/example",
            "uuid": "https://example.org/uuid/ec38df32-ceda-4cfa-9b4a-1aeb94ad551a",
        }
    async with TestClient(pe_host.app(ROUTER_APP), base_url="https://example.org", root_path="/root_path") as client:
        reverse = (await client.get("/reverse")).json()
        assert reverse["homepage"] == "https://example.org/root_path/"
        assert reverse["user"] == "https://example.org/root_path/users/tomchristie"


async def test_router_duplicate_path(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        assert (await client.get("/func")).text == "Hello, world!"
        assert (await client.post("/func")).text == "Hello, POST!"


async def test_router_add_websocket_route(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        async with client.websocket_connect("/ws") as session:
            assert await session.receive_text() == "Hello, world!"
        async with client.websocket_connect("/ws/test") as session:
            assert await session.receive_text() == "Hello, test!"


async def test_partial_async_endpoint(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        response = await client.get("/partial")
        assert (response.status_code, response.headers["location"]) == (307, "http://testserver/partial/")
        assert (await client.get("/partial/")).json() == {"arg": "foo"}
        assert (await client.get("/partial/cls")).json() == {"arg": "foo"}


async def test_partial_async_ws_endpoint(pe_host: Host) -> None:
    async with pe_host.client(ROUTER_APP) as client:
        async with client.websocket_connect("/partial/ws") as websocket:
            assert await websocket.receive_json() == {"url": "ws://testserver/partial/ws"}
        async with client.websocket_connect("/partial/ws/cls") as websocket:
            assert await websocket.receive_json() == {"url": "ws://testserver/partial/ws/cls"}


async def test_protocol_switch(pe_host: Host) -> None:
    def http_endpoint(request: Request) -> Response:
        return Response(f"URL: {request.url_for('http_endpoint')}", media_type="text/plain")

    async def ws_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"URL": str(websocket.url_for("websocket_endpoint"))})
        await websocket.close()

    routes = [Route("/", endpoint=http_endpoint), WebSocketRoute("/", endpoint=ws_endpoint, name="websocket_endpoint")]
    async with pe_host.client(routes) as client:
        assert (await client.get("/")).text == "URL: http://testserver/"
        async with client.websocket_connect("/") as session:
            assert await session.receive_json() == {"URL": "ws://testserver/"}
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/404"):
                pass


async def test_mount_urls(pe_host: Host) -> None:
    def ok(request: Request) -> Response:
        return PlainTextResponse("OK")

    routes = [Mount("/users", [Route("/", ok), Route("/{rest:path}", ok)], name="users")]
    async with pe_host.client(routes) as client:
        response = await client.get("/users")
        assert (response.status_code, response.headers["location"]) == (307, "http://testserver/users/")
        assert (await client.get("/users/")).status_code == 200
        assert (await client.get("/users/a")).status_code == 200
        assert (await client.get("/usersa")).status_code == 404


async def test_reverse_mount_urls(pe_host: Host) -> None:
    async def reverse_here(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "user": url_or_error(request, "users:user", subpath="test", username="tom"),
                "no_subpath": url_or_error(request, "users:user", username="tom"),
                "extra": url_or_error(request, "users:user", subpath="test", username="tom", foo="bar"),
            }
        )

    routes = [
        Route("/", reverse_here),
        Mount("/{subpath}/users", [Route("/{username}", user, name="user")], name="users"),
    ]
    async with pe_host.client(routes) as client:
        assert (await client.get("/")).json() == {
            "user": "http://testserver/test/users/tom",
            "no_subpath": "NoMatchFound",
            "extra": "NoMatchFound",
        }
        assert (await client.get("/test/users/tom")).text == "User tom"


async def test_mount_at_root(pe_host: Host) -> None:
    def ok(request: Request) -> Response:
        return PlainTextResponse("OK")

    async with pe_host.client([Mount("/", [Route("/", ok)], name="users")]) as client:
        assert (await client.get("/")).status_code == 200


ECHO_URL_ROUTES = [
    Route("/", lambda request: JSONResponse(echo_urls(request)), name="index", methods=["GET"]),
    Mount(
        "/submount",
        name="mount",
        routes=[Route("/", lambda request: JSONResponse(echo_urls(request)), name="submount", methods=["GET"])],
    ),
]


def echo_urls(request: Request) -> dict[str, str]:
    return {"index": str(request.url_for("index")), "submount": str(request.url_for("mount:submount"))}


@pytest.mark.parametrize("root_path", ["/sub_path", "/sub_path/"])
async def test_url_for_with_root_path(pe_host: Host, root_path: str) -> None:
    app = pe_host.app(ECHO_URL_ROUTES)
    async with TestClient(app, base_url="https://www.example.org/", root_path=root_path) as client:
        expected = {
            "index": "https://www.example.org/sub_path/",
            "submount": "https://www.example.org/sub_path/submount/",
        }
        assert (await client.get("/")).json() == expected
        assert (await client.get("/submount/")).json() == expected


async def test_a_request_for_exactly_a_root_path_ending_in_a_slash(pe_host: Host) -> None:
    """``root_path="/sub_path/"`` and a path of just that: below the root path it is ``""``, so, as
    Starlette's router, a 307 adds a slash (``/sub_path//``), where ``/`` is served and ``url_for``
    answers below the root path. (Starlette's own TestClient sends such a path unprefixed.)"""
    app = pe_host.app(ECHO_URL_ROUTES)
    redirect = await drive_http(app, http_scope("GET", "/sub_path/", root_path="/sub_path/"))
    assert (redirect.status, redirect.header("location")) == (307, "http://testserver/sub_path//")
    served = await drive_http(app, http_scope("GET", "/sub_path//", root_path="/sub_path/"))
    assert served.status == 200
    assert json.loads(served.body) == {
        "index": "http://testserver/sub_path/",
        "submount": "http://testserver/sub_path/submount/",
    }


@pytest.mark.parametrize("root_path", ["/sub_path", "/sub_path/"])
async def test_a_path_not_below_the_root_path_is_routed_whole(pe_host: Host, root_path: str) -> None:
    """Starlette's TestClient sends its paths without the ``root_path`` in front; Starlette's router
    then routes the whole path, and ``url_for`` still answers below the root path."""
    app = pe_host.app(ECHO_URL_ROUTES)
    served = await drive_http(app, http_scope("GET", "/", root_path=root_path))
    assert served.status == 200
    assert json.loads(served.body) == {
        "index": "http://testserver/sub_path/",
        "submount": "http://testserver/sub_path/submount/",
    }
    assert (await drive_http(app, http_scope("GET", "/sub_pathx/", root_path=root_path))).status == 404


async def test_url_for_with_double_mount(pe_host: Host) -> None:
    def where(request: Request) -> Response:
        return PlainTextResponse(url_or_error(request, "mount:static:file", name="123"))

    routes = [
        Route("/", where),
        Mount(
            "/mount",
            name="mount",
            routes=[Mount("/static", name="static", routes=[Route("/{name}", where, name="file")])],
        ),
    ]
    async with pe_host.client(routes) as client:
        assert (await client.get("/")).text == "http://testserver/mount/static/123"


async def test_paths_with_root_path(pe_host: Host) -> None:
    def echo_paths(request: Request, name: str) -> JSONResponse:
        # request.path, not scope["path"]: Litestar rewrites the latter to its normalised route path.
        return JSONResponse({"name": name, "path": request.path, "root_path": request.scope["root_path"]})

    routes = [
        Route("/path", functools.partial(echo_paths, name="path"), name="path", methods=["GET"]),
        Mount(
            "/sub",
            name="mount",
            routes=[Route("/path", functools.partial(echo_paths, name="subpath"), methods=["GET"])],
        ),
    ]
    async with TestClient(pe_host.app(routes), base_url="https://www.example.org/", root_path="/root") as client:
        assert (await client.get("/path")).json() == {"name": "path", "path": "/root/path", "root_path": "/root"}
        assert (await client.get("/sub/path")).json() == {
            "name": "subpath",
            "path": "/root/sub/path",
            "root_path": "/root/sub",
        }


class NamedEndpoint:
    async def my_method(self, request: Request) -> Response:
        return PlainTextResponse("method")

    @classmethod
    async def my_classmethod(cls, request: Request) -> Response:
        return PlainTextResponse("classmethod")

    @staticmethod
    async def my_staticmethod(request: Request) -> Response:
        return PlainTextResponse("staticmethod")

    def __call__(self, request: Request) -> Response:
        return PlainTextResponse("object")


@pytest.mark.parametrize(
    ("endpoint", "expected_name"),
    [
        pytest.param(func_homepage, "func_homepage", id="function"),
        pytest.param(NamedEndpoint().my_method, "my_method", id="method"),
        pytest.param(NamedEndpoint.my_classmethod, "my_classmethod", id="classmethod"),
        pytest.param(NamedEndpoint.my_staticmethod, "my_staticmethod", id="staticmethod"),
        pytest.param(NamedEndpoint(), "NamedEndpoint", id="object"),
        pytest.param(lambda request: PlainTextResponse("lambda"), "<lambda>", id="lambda"),
    ],
)
async def test_route_name(pe_host: Host, endpoint: Any, expected_name: str) -> None:
    route = Route(path="/", endpoint=endpoint)
    assert route.name == expected_name

    async def links(request: Request) -> Response:
        return PlainTextResponse(url_or_error(request, expected_name))

    async with pe_host.client([route, Route("/links", links)]) as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/links")).text == "http://testserver/"


def test_duplicated_param_names() -> None:
    with pytest.raises(ValueError, match=r"Duplicated param name id at path /\{id\}/\{id\}"):
        Route("/{id}/{id}", user)
    with pytest.raises(ValueError, match=r"Duplicated param names id, name at path /\{id\}/\{name\}/\{id\}/\{name\}"):
        Route("/{id}/{name}/{id}/{name}", user)
