"""Django-only facts: Django's middleware, sessions, CSRF, error handlers and URLconfs around portable routes."""

from __future__ import annotations

from typing import Any

import pytest
from channels.routing import URLRouter
from django.http import HttpResponse
from django.urls import path, reverse
from pe_django_middleware import Stamp, native_view, not_found
from portable_endpoints_django import enforce_csrf
from portable_endpoints_django._app import PortableDjangoApp

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketRoute,
)
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.testing import TestClient, WebSocketRejected

pytestmark = pytest.mark.anyio

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
STAMP = "pe_django_middleware.Stamp"


class Counter(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        request.session["count"] = request.session.get("count", 0) + 1
        return JSONResponse({"count": request.session["count"]})


class Form(HTTPEndpoint):
    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("accepted")


class Missing(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise HTTPException(404, detail="no such thing", headers={"x-missing": "1"})


class Native(HTTPEndpoint):
    async def get(self, request: Request) -> HttpResponse:
        return HttpResponse(f"django {request.native.method} {getattr(request.native, 'stamped', False)}")


def django_app(routes: list[Any], **options: Any) -> PortableDjangoApp:
    app = pe.create_app(routes, framework="django", **options)
    assert isinstance(app, PortableDjangoApp)
    return app


async def test_request_session_is_djangos_with_its_middleware() -> None:
    async with TestClient(django_app([Route("/", Counter)], MIDDLEWARE=[SESSIONS])) as client:
        assert (await client.get("/")).json() == {"count": 1}
        assert "sessionid" in client.cookies
        assert (await client.get("/")).json() == {"count": 2}


async def test_request_session_without_the_middleware_is_a_clear_error() -> None:
    async with TestClient(django_app([Route("/", Counter)], MIDDLEWARE=[]), raise_app_exceptions=False) as client:
        response = await client.get("/")
    assert response.status_code == 500


async def test_portable_views_are_csrf_exempt_by_default() -> None:
    async with TestClient(django_app([Route("/", Form)], MIDDLEWARE=[CSRF])) as client:
        assert (await client.post("/", data={"a": "1"})).text == "accepted"


async def test_csrf_is_enforced_when_the_app_asks() -> None:
    urlpatterns = [path("native/", native_view)]
    app = django_app([Route("/", Form)], MIDDLEWARE=[CSRF], csrf_exempt=False, urlpatterns=urlpatterns)
    async with TestClient(app) as client:
        assert (await client.post("/", data={"a": "1"})).status_code == 403
        assert (await client.post("/native/")).status_code == 403  # Django's own views, as always


async def test_enforce_csrf_on_native_routes() -> None:
    patterns = enforce_csrf(pe.native_routes([Route("/", Form)], framework="django").urlpatterns)
    assert all(getattr(pattern.callback, "csrf_exempt", None) is False for pattern in patterns)
    async with TestClient(django_app([], MIDDLEWARE=[CSRF], urlpatterns=patterns)) as client:
        assert (await client.post("/", data={"a": "1"})).status_code == 403


async def test_http_exception_goes_through_djangos_error_handler() -> None:
    app = django_app([Route("/missing", Missing)], handler404=not_found)
    async with TestClient(app) as client:
        response = await client.get("/missing")
        assert response.status_code == 404
        assert response.text == "custom 404: no such thing"
        assert response.headers["x-missing"] == "1"
        # A path no route matches is Django's own 404, through the same handler.
        response = await client.get("/nowhere")
        assert (response.status_code, response.text.startswith("custom 404")) == (404, True)


async def test_djangos_middleware_wraps_portable_routes() -> None:
    Stamp.seen.clear()

    class Typed(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(str(request.path_params["n"] + 1))

    app = django_app([Route("/n/{n:int}", Typed), Route("/native", Native)], MIDDLEWARE=[STAMP])
    async with TestClient(app) as client:
        response = await client.get("/n/41")
        assert (response.text, response.headers["x-middleware"]) == ("42", "stamped")
        assert (await client.get("/native")).text == "django GET True"
    # process_view gets the converted params as the view's keyword arguments.
    assert Stamp.seen[0] == ("Typed", {"n": 41})


async def test_app_urlpatterns_and_url_for_reaching_djangos_reverse() -> None:
    class Links(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "portable": str(request.url_for("links")),
                    "native": str(request.url_for("native", slug="x")),
                    "reverse": reverse("links"),
                }
            )

    app = django_app(
        [Route("/links", Links, name="links")], urlpatterns=[path("n/<slug:slug>/", native_view, name="native")]
    )
    async with TestClient(app) as client:
        assert (await client.get("/links")).json() == {
            "portable": "http://testserver/links",
            "native": "http://testserver/n/x/",
            "reverse": "/links",
        }
        assert (await client.get("/n/abc/")).text == "native [('slug', 'abc')]"


async def test_several_apps_in_one_process_serve_their_own_routes() -> None:
    first = django_app([Route("/", Native)])
    second = django_app([Route("/", Form)])
    async with TestClient(first) as one, TestClient(second) as two:
        assert (await one.get("/")).text == "django GET False"
        assert (await two.post("/")).text == "accepted"
        assert (await two.get("/")).status_code == 405


async def test_mount_adds_routes_to_the_app_and_to_a_channels_router() -> None:
    app = django_app([Route("/", Native)])
    pe.mount(app, [Route("/form", Form)], prefix="/v1")
    async with TestClient(app) as client:
        assert (await client.post("/v1/form")).text == "accepted"
        assert (await client.get("/")).status_code == 200

    async def hello(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(str(websocket.url_for("hello")))
        await websocket.close()

    router = URLRouter([])
    pe.mount(router, [WebSocketRoute("/hello", hello, name="hello")], prefix="/ws")
    async with TestClient(router, lifespan=False) as client:
        async with client.websocket_connect("/ws/hello") as ws:
            assert await ws.receive_text() == "ws://testserver/ws/hello"
    with pytest.raises(ConfigurationError, match=r"urls\.py"):
        pe.mount(router, [Route("/", Form)])


async def test_native_routes_compose_under_include_and_nested_routers() -> None:
    from django.urls import include

    async def where(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"params": websocket.path_params, "url": str(websocket.url_for("where", room=2))})
        await websocket.close()

    class Where(HTTPEndpoint):
        async def get(self, request: Request) -> JSONResponse:
            return JSONResponse({"params": request.path_params, "url": str(request.url_for("where", id=5))})

    http = pe.native_routes([Route("/where/{id:int}", Where, name="where")], framework="django")
    ws = pe.native_routes([WebSocketRoute("/where/{room:int}", where, name="where")], framework="django")
    app = django_app([], urlpatterns=[path("org/<int:org>/", include(http.urlpatterns))])
    async with TestClient(app) as client:
        assert (await client.get("/org/3/where/4")).json() == {
            "params": {"org": 3, "id": 4},
            "url": "http://testserver/org/3/where/5",
        }
        assert (await client.get("/org/3/where/-4")).status_code == 404
    router = URLRouter([path("chat/", URLRouter(ws.websocket_urlpatterns))])
    async with TestClient(router, lifespan=False) as client:
        async with client.websocket_connect("/chat/where/1") as session:
            assert await session.receive_json() == {"params": {"room": 1}, "url": "ws://testserver/chat/where/2"}
        for doubled in ("ws://testserver//chat/where/1", "ws://testserver/chat//where/1"):
            with pytest.raises(WebSocketRejected):
                async with client.websocket_connect(doubled):
                    pass


async def test_stream_yields_the_body_django_has_already_read() -> None:
    class Chunks(HTTPEndpoint):
        async def post(self, request: Request) -> JSONResponse:
            return JSONResponse([chunk.decode() async for chunk in request.stream()])

    async with TestClient(django_app([Route("/", Chunks)])) as client:
        assert (await client.post("/", content=[b"one ", b"two"])).json() == ["one two", ""]


def test_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="Unknown option"):
        pe.create_app([], framework="django", debug=True)
    from django.conf import settings

    with pytest.raises(ConfigurationError, match="already configured"):
        pe.create_app([], framework="django", DEBUG=not settings.DEBUG)


def test_a_missing_companion_is_reported_naming_the_extra() -> None:
    from portable_endpoints_django.plugin import DjangoPlugin, plugin

    from portable_endpoints.exceptions import AdapterUnavailable

    assert plugin.pe_adapter_info().available
    broken = DjangoPlugin(
        name="django",
        distribution="portable-endpoints-django",
        framework="django",
        companions=("no-such-distribution-here",),
        adapter="portable_endpoints_django._adapter:ADAPTER",
        app_classes=[],
    )
    info = broken.pe_adapter_info()
    assert (info.available, info.problem) == (
        False,
        "no-such-distribution-here is not installed: pip install 'portable-endpoints[django]'",
    )
    with pytest.raises(AdapterUnavailable, match=r"portable-endpoints\[django\]"):
        broken.load()


def test_the_apps_indexed_urlconf_resolves_as_djangos_linear_resolver() -> None:
    from django.urls import Resolver404, resolve
    from portable_endpoints_django._app import URLConf

    routes = [
        *(Route(f"/r{i}/{{x:int}}", Native, name=f"r{i}") for i in range(50)),
        Route("/r7/{x:str}", Native, name="after"),
        Route("/files/{name}.{ext}", Native, name="file"),
    ]
    app = django_app(routes, urlpatterns=[path("native/<slug:slug>/", native_view, name="native")])
    # Django's resolve() and reverse() take any URLconf object (its stubs say a module name).
    indexed_urls: Any = app.http.urlconf
    linear: Any = URLConf(app.urlpatterns, {})
    assert indexed_urls.urlpatterns != app.urlpatterns  # one index resolver, then the native pattern
    for found in ("r0/3", "r49/12", "r7/abc", "files/a.txt", "native/x/"):
        indexed, expected = resolve("/" + found, indexed_urls), resolve("/" + found, linear)
        assert (indexed.func, indexed.args, indexed.kwargs, indexed.url_name, indexed.route) == (
            expected.func,
            expected.args,
            expected.kwargs,
            expected.url_name,
            expected.route,
        )
    for missing in ("/r50/1", "/r49/-1", "/files/a", "/nowhere"):
        with pytest.raises(Resolver404) as raised:
            resolve(missing, indexed_urls)
        assert len(raised.value.args[0]["tried"]) == len(app.urlpatterns)  # Django's 404 lists them all
    assert reverse("r49", kwargs={"x": 5}, urlconf=indexed_urls) == "/r49/5"
