"""The toolkit's native sides on the hosts other than Starlette: each host's idiomatic equivalent of a
feature of the ported toolkit (``bench.toolkit``), answering the same requests with the same status,
content type, content encoding and (decoded) body.

What each host has (what it lacks gets no row; ``MISSING`` says so for the report):

- FastAPI: Starlette's middleware, ``StaticFiles`` and ``Jinja2Templates`` as FastAPI re-exports them,
  a ``Depends`` dependency for authentication, sse-starlette's ``EventSourceResponse``.
- Litestar: ``CORSConfig``, ``CompressionConfig(backend="gzip")`` and the client-side
  ``CookieBackendConfig`` sessions; ``create_static_files_router`` (no conditional or range requests);
  ``TemplateConfig`` with ``JinjaTemplateEngine`` and ``Template``; an
  ``AbstractAuthenticationMiddleware`` and a guard; ``ServerSentEvent``.
- Quart: quart-cors and Quart's signed cookie session (Quart has no compression); the ``static``
  folder (``send_from_directory``); ``render_template``; a ``before_request`` check; an async
  generator as the streamed body for server-sent events.
- Django: ``GZipMiddleware`` and ``SessionMiddleware`` on signed cookies (no CORS middleware in
  Django); ``django.views.static.serve`` (``If-Modified-Since`` but no ranges); the Jinja2 template
  backend; a view decorator checking the header token (Django's ``AuthenticationMiddleware`` needs
  a database); ``StreamingHttpResponse`` over an async iterator.
- Falcon: ``App(cors_enable=True)`` (no compression, no sessions); ``add_static_route``; Jinja2
  rendered into ``resp.text`` (no URL reversing in Falcon: the URL is built from ``req.prefix``); a
  ``falcon.before`` hook; ``resp.sse`` with ``SSEvent``.
- Sanic: Sanic Extensions' CORS (no compression, no sessions); ``app.static``; Sanic Extensions'
  Jinja2 templates (``render``); a decorator; ``request.respond`` and ``send`` for server-sent events.

Every builder takes the ``Fixture`` of ``bench.toolkit_fixture`` (its files, its session cookies).
"""

# No ``from __future__ import annotations``: FastAPI, Litestar and Sanic Extensions read the handlers'
# annotations at run time, in the module's namespace, where names imported inside a builder are not.
import functools
import importlib
import itertools
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast

from bench.toolkit_fixture import (
    ITEMS,
    LARGE_TEXT,
    LITESTAR_SECRET,
    LITESTAR_SESSION_COOKIE,
    QUART_SESSION_COOKIE,
    SECRET_KEY,
    SSE_EVENTS,
    TOKEN,
    Fixture,
    open_stream,
)
from bench.toolkit_fixture import events as numbered_events
from portable_endpoints.types import ASGIApp

if TYPE_CHECKING:
    from quart import Quart

#: what a host lacks, per feature: the report's text (no row is emitted for it)
MISSING = {
    "quart": "no compression middleware (the middleware rows are CORS + sessions)",
    "litestar": "no conditional or range requests in its static files (no 304 or 206 rows)",
    "django": "no CORS middleware (the middleware rows are GZip + sessions); no range requests in "
    "`django.views.static.serve` (no 206 row)",
    "falcon": "no compression and no sessions (the middleware row is CORS alone); no URL reversing "
    "(its template row has no `url_for`: both sides build the URL from the request)",
    "sanic": "no compression and no sessions (the middleware row is CORS alone, Sanic Extensions')",
}
_SANIC_NAMES = itertools.count(1)
EVENT_STREAM = "text/event-stream; charset=utf-8"


# --------------------------------------------------------------------------------------------
# FastAPI: Starlette's toolkit through FastAPI's re-exports, Depends, sse-starlette.
# --------------------------------------------------------------------------------------------


def fastapi_middleware(fixture: Fixture) -> ASGIApp:
    from fastapi import FastAPI, Request
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.middleware.gzip import GZipMiddleware
    from fastapi.responses import PlainTextResponse
    from starlette.middleware.sessions import SessionMiddleware

    app = FastAPI()
    # add_middleware wraps: the last added is the outermost, so CORS ends up first as on the other side.
    app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)
    app.add_middleware(GZipMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=["*"])

    @app.get("/plain", response_class=PlainTextResponse)
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {request.session['user']}!")

    @app.get("/large", response_class=PlainTextResponse)
    async def large() -> PlainTextResponse:
        return PlainTextResponse(LARGE_TEXT)

    return cast(ASGIApp, app)


def fastapi_static(fixture: Fixture) -> ASGIApp:
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    app = FastAPI()
    app.mount("/static", StaticFiles(directory=fixture.static), name="static")
    return cast(ASGIApp, app)


def fastapi_templates(fixture: Fixture) -> ASGIApp:
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, PlainTextResponse
    from fastapi.templating import Jinja2Templates

    app = FastAPI()
    templates = Jinja2Templates(directory=fixture.templates)

    @app.get("/page", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "items.html", {"title": "Items", "items": ITEMS})

    @app.get("/items/{item_id}", name="item", response_class=PlainTextResponse)
    async def item(item_id: int) -> PlainTextResponse:
        return PlainTextResponse(str(item_id))

    return cast(ASGIApp, app)


def fastapi_auth(fixture: Fixture) -> ASGIApp:
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header, HTTPException
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    async def current_user(authorization: Annotated[str | None, Header()] = None) -> str:
        if authorization != f"Bearer {TOKEN}":
            raise HTTPException(status_code=403)
        return "ada"

    @app.get("/private", response_class=PlainTextResponse)
    async def private(user: Annotated[str, Depends(current_user)]) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, {user}")

    return cast(ASGIApp, app)


def fastapi_sse(fixture: Fixture) -> ASGIApp:
    from fastapi import FastAPI
    from sse_starlette.sse import EventSourceResponse

    app = FastAPI()

    @app.get("/events")
    async def events() -> EventSourceResponse:
        return EventSourceResponse(numbered_events(SSE_EVENTS), ping=0)

    @app.get("/stream")
    async def stream() -> EventSourceResponse:
        return EventSourceResponse(open_stream(), ping=0)

    return cast(ASGIApp, app)


# --------------------------------------------------------------------------------------------
# Litestar: its configs, its static files router, its templates, its auth middleware, its SSE.
# --------------------------------------------------------------------------------------------


def litestar_middleware(fixture: Fixture) -> ASGIApp:
    from litestar import Litestar, Request, get
    from litestar.config.compression import CompressionConfig
    from litestar.config.cors import CORSConfig
    from litestar.enums import MediaType
    from litestar.middleware.session.client_side import CookieBackendConfig

    @get("/plain", media_type=MediaType.TEXT)
    async def plain(request: Request[Any, Any, Any]) -> str:
        return f"Hello, {request.session['user']}!"

    @get("/large", media_type=MediaType.TEXT)
    async def large() -> str:
        return LARGE_TEXT

    sessions = CookieBackendConfig(secret=LITESTAR_SECRET, key=LITESTAR_SESSION_COOKIE)
    return cast(
        ASGIApp,
        Litestar(
            route_handlers=[plain, large],
            cors_config=CORSConfig(allow_origins=["*"]),
            compression_config=CompressionConfig(backend="gzip"),
            middleware=[sessions.middleware],
        ),
    )


def litestar_static(fixture: Fixture) -> ASGIApp:
    from litestar import Litestar
    from litestar.static_files import create_static_files_router

    return cast(
        ASGIApp, Litestar(route_handlers=[create_static_files_router(path="/static", directories=[fixture.static])])
    )


def litestar_templates(fixture: Fixture) -> ASGIApp:
    from litestar import Litestar, get

    try:
        from litestar.plugins.jinja import JinjaTemplateEngine
    except ImportError:  # Litestar < 2.22 (deprecated there since)
        from litestar.contrib.jinja import JinjaTemplateEngine
    from litestar.enums import MediaType
    from litestar.response import Template
    from litestar.template.config import TemplateConfig

    @get("/page")
    async def page() -> Template:
        return Template(template_name="items_litestar.html", context={"title": "Items", "items": ITEMS})

    try:  # Litestar >= 2.22 deprecates the inferred style of a path parameter
        from litestar.params import FromPath

        item_id_type: Any = FromPath[int]
    except ImportError:
        item_id_type = int

    @get("/items/{item_id:int}", name="item", media_type=MediaType.TEXT)
    async def item(item_id: item_id_type) -> str:
        return str(item_id)

    config = TemplateConfig(directory=fixture.templates, engine=JinjaTemplateEngine)
    return cast(ASGIApp, Litestar(route_handlers=[page, item], template_config=config))


def litestar_auth(fixture: Fixture) -> ASGIApp:
    from litestar import Litestar, Request, get
    from litestar.connection import ASGIConnection
    from litestar.enums import MediaType
    from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
    from litestar.handlers.base import BaseRouteHandler
    from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

    class TokenMiddleware(AbstractAuthenticationMiddleware):
        async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
            if connection.headers.get("authorization") != f"Bearer {TOKEN}":
                raise NotAuthorizedException()
            return AuthenticationResult(user="ada", auth=["authenticated"])

    def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if "authenticated" not in connection.auth:
            raise PermissionDeniedException()

    @get("/private", guards=[authenticated], media_type=MediaType.TEXT)
    async def private(request: Request[str, list[str], Any]) -> str:
        return f"Hello, {request.user}"

    return cast(ASGIApp, Litestar(route_handlers=[private], middleware=[TokenMiddleware]))


def litestar_sse(fixture: Fixture) -> ASGIApp:
    from litestar import Litestar, get
    from litestar.response import ServerSentEvent

    @get("/events")
    async def events() -> ServerSentEvent:
        return ServerSentEvent(numbered_events(SSE_EVENTS))

    @get("/stream")
    async def stream() -> ServerSentEvent:
        return ServerSentEvent(open_stream())

    return cast(ASGIApp, Litestar(route_handlers=[events, stream]))


# --------------------------------------------------------------------------------------------
# Quart: quart-cors and its cookie session, its static folder, render_template, before_request.
# --------------------------------------------------------------------------------------------


def _quart(fixture: Fixture, **options: Any) -> "Quart":
    from quart import Quart

    return Quart("bench_toolkit", **options)


def quart_middleware(fixture: Fixture) -> ASGIApp:
    from quart import Response, session
    from quart_cors import cors

    app = _quart(fixture)
    app.secret_key = SECRET_KEY
    app.config["SESSION_COOKIE_NAME"] = QUART_SESSION_COOKIE

    @app.get("/plain")
    async def plain() -> Response:
        return Response(f"Hello, {session['user']}!", mimetype="text/plain")

    return cast(ASGIApp, cors(app, allow_origin="*"))


def quart_static(fixture: Fixture) -> ASGIApp:
    # Quart's static route: send_from_directory on the static folder, conditional and range requests included.
    return cast(ASGIApp, _quart(fixture, static_folder=str(fixture.static), static_url_path="/static"))


def quart_templates(fixture: Fixture) -> ASGIApp:
    from quart import Response, render_template

    app = _quart(fixture, template_folder=str(fixture.templates))

    @app.get("/page")
    async def page() -> str:
        return await render_template("items_quart.html", title="Items", items=ITEMS)

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> Response:
        return Response(str(item_id), mimetype="text/plain")

    return cast(ASGIApp, app)


def quart_auth(fixture: Fixture) -> ASGIApp:
    from quart import Response, abort, g, request

    app = _quart(fixture)

    @app.before_request
    async def authenticate() -> None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            abort(403)
        g.user = "ada"

    @app.get("/private")
    async def private() -> Response:
        return Response(f"Hello, {g.user}", mimetype="text/plain")

    return cast(ASGIApp, app)


def quart_sse(fixture: Fixture) -> ASGIApp:
    from quart import Response

    app = _quart(fixture)

    async def encoded(events: AsyncIterator[dict[str, str]]) -> AsyncIterator[bytes]:
        async for event in events:
            yield _event_bytes(event)

    def streamed(events: AsyncIterator[dict[str, str]]) -> Response:
        response = Response(encoded(events), mimetype="text/event-stream")
        response.timeout = None  # an open stream has no end: Quart's default would close it after 60 s
        return response

    @app.get("/events")
    async def events() -> Response:
        return streamed(numbered_events(SSE_EVENTS))

    @app.get("/stream")
    async def stream() -> Response:
        return streamed(open_stream())

    return cast(ASGIApp, app)


def _event_bytes(event: dict[str, str], sep: str = "\r\n") -> bytes:
    """One event on the wire, written by hand as a host without an SSE type does it."""
    lines = [f"id: {event['id']}"] if "id" in event else []
    lines.append(f"data: {event['data']}")
    return (sep.join(lines) + sep + sep).encode()


# --------------------------------------------------------------------------------------------
# Django: its middleware, django.views.static.serve, the Jinja2 backend, a decorator, streaming.
# --------------------------------------------------------------------------------------------

DJANGO_COMMON = "django.middleware.common.CommonMiddleware"


def configure_django() -> None:
    """The bench's Django settings (``bench.django_native``), the same on both sides."""
    from bench.django_native import configure

    configure()


def django_handler(urlpatterns: list[Any], middleware: list[str]) -> ASGIApp:
    """Django's ASGI handler with ``middleware`` (settings are process-wide, so each app's own list
    is loaded under ``override_settings``) routing on ``urlpatterns`` (``request.urlconf``, as the
    portable side routes on its own URLconf)."""
    configure_django()
    from django.core.handlers.asgi import ASGIHandler
    from django.test.utils import override_settings

    class URLConf:
        pass

    urlconf = URLConf()
    urlconf.urlpatterns = urlpatterns  # type: ignore[attr-defined]

    class Handler(ASGIHandler):
        def __init__(self) -> None:
            with override_settings(MIDDLEWARE=middleware):
                super().__init__()

        async def get_response_async(self, request: Any) -> Any:
            request.urlconf = urlconf
            return await super().get_response_async(request)

    return cast(ASGIApp, Handler())


def _text_response(text: str) -> Any:
    from django.http import HttpResponse

    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def django_middleware(fixture: Fixture) -> ASGIApp:
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    async def plain(request: HttpRequest) -> HttpResponse:
        user = await request.session.aget("user")
        return _text_response(f"Hello, {user}!")  # type: ignore[no-any-return]

    async def large(request: HttpRequest) -> HttpResponse:
        return _text_response(LARGE_TEXT)  # type: ignore[no-any-return]

    middleware = [
        "django.middleware.gzip.GZipMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        DJANGO_COMMON,
    ]
    return django_handler([path("plain", plain), path("large", large)], middleware)


def django_static(fixture: Fixture) -> ASGIApp:
    from django.urls import re_path
    from django.views.static import serve

    return django_handler(
        [re_path(r"^static/(?P<path>.*)$", serve, {"document_root": fixture.static})], [DJANGO_COMMON]
    )


def django_templates(fixture: Fixture) -> ASGIApp:
    from django.http import HttpRequest, HttpResponse
    from django.template.backends.jinja2 import Jinja2
    from django.urls import path, reverse

    engine = Jinja2({"DIRS": [str(fixture.templates)], "APP_DIRS": False, "NAME": "jinja2", "OPTIONS": {}})

    async def page(request: HttpRequest) -> HttpResponse:
        def url_for(name: str, **kwargs: Any) -> str:
            return request.build_absolute_uri(reverse(name, kwargs=kwargs, urlconf=request.urlconf))

        context = {"title": "Items", "items": ITEMS, "url_for": url_for}
        # Looked up per request, as django.shortcuts.render does (and every side's render here).
        template = engine.get_template("items.html")
        return HttpResponse(template.render(context, request), content_type="text/html; charset=utf-8")

    async def item(request: HttpRequest, item_id: int) -> HttpResponse:
        return _text_response(str(item_id))  # type: ignore[no-any-return]

    return django_handler([path("page", page), path("items/<int:item_id>", item, name="item")], [DJANGO_COMMON])


def django_auth(fixture: Fixture) -> ASGIApp:
    from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
    from django.urls import path

    def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return HttpResponseForbidden()
            request.user = "ada"  # type: ignore[assignment]
            return await view(request, *args, **kwargs)

        return wrapper

    @token_required
    async def private(request: HttpRequest) -> HttpResponse:
        return _text_response(f"Hello, {request.user}")  # type: ignore[no-any-return]

    return django_handler([path("private", private)], [DJANGO_COMMON])


def django_sse(fixture: Fixture) -> ASGIApp:
    from django.http import HttpRequest, StreamingHttpResponse
    from django.urls import path

    async def encoded(events: AsyncIterator[dict[str, str]]) -> AsyncIterator[bytes]:
        async for event in events:
            yield _event_bytes(event)

    async def events(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(encoded(numbered_events(SSE_EVENTS)), content_type=EVENT_STREAM)

    async def stream(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(encoded(open_stream()), content_type=EVENT_STREAM)

    return django_handler([path("events", events), path("stream", stream)], [DJANGO_COMMON])


# --------------------------------------------------------------------------------------------
# Falcon: cors_enable, add_static_route, Jinja2 into resp.text, a hook, resp.sse.
# --------------------------------------------------------------------------------------------


def falcon_middleware(fixture: Fixture) -> ASGIApp:
    import falcon
    import falcon.asgi

    class Plain:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "Hello, ada!"

    app = falcon.asgi.App(cors_enable=True)
    app.add_route("/plain", Plain())
    return cast(ASGIApp, app)


def falcon_static(fixture: Fixture) -> ASGIApp:
    import falcon.asgi

    app = falcon.asgi.App()
    app.add_static_route("/static", str(fixture.static))
    return cast(ASGIApp, app)


def falcon_templates(fixture: Fixture) -> ASGIApp:
    import falcon
    import falcon.asgi
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(fixture.templates), autoescape=True)

    class Page:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = "text/html; charset=utf-8"
            # Looked up per request (Jinja2's cache, checked against the file), as every side's render here.
            template = environment.get_template("items_falcon.html")
            resp.text = template.render(title="Items", items=ITEMS, prefix=req.prefix)

    class Item:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, item_id: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = str(item_id)

    app = falcon.asgi.App()
    app.add_route("/page", Page())
    app.add_route("/items/{item_id:int}", Item())
    return cast(ASGIApp, app)


def falcon_auth(fixture: Fixture) -> ASGIApp:
    import falcon
    import falcon.asgi

    async def authenticate(req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any, params: Any) -> None:
        if req.get_header("Authorization") != f"Bearer {TOKEN}":
            raise falcon.HTTPForbidden()
        req.context.user = "ada"

    class Private:
        @falcon.before(authenticate)
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"Hello, {req.context.user}"

    app = falcon.asgi.App()
    app.add_route("/private", Private())
    return cast(ASGIApp, app)


def falcon_sse(fixture: Fixture) -> ASGIApp:
    import falcon
    import falcon.asgi

    async def emitted(events: AsyncIterator[dict[str, str]]) -> AsyncIterator[falcon.asgi.SSEvent]:
        async for event in events:
            yield falcon.asgi.SSEvent(data=event["data"].encode(), event_id=event.get("id"))

    class Events:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = EVENT_STREAM  # Falcon's default has no charset; the other side's has
            resp.sse = emitted(numbered_events(SSE_EVENTS))

    class Stream:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = EVENT_STREAM
            resp.sse = emitted(open_stream())

    app = falcon.asgi.App()
    app.add_route("/events", Events())
    app.add_route("/stream", Stream())
    return cast(ASGIApp, app)


# --------------------------------------------------------------------------------------------
# Sanic: Sanic Extensions' CORS and templates, app.static, a decorator, request.respond.
# --------------------------------------------------------------------------------------------


def _sanic(**config: Any) -> Any:
    # Imported by name: Sanic may be absent where mypy checks the bench (its adapter is optional here).
    sanic: Any = importlib.import_module("sanic")
    app = sanic.Sanic(f"bench_toolkit_{next(_SANIC_NAMES)}")  # Sanic refuses a name twice per process
    app.config.TOUCHUP = False  # as bench.apps.sanic_app: both apps must start in one process
    app.config.update(config)
    return app


def sanic_middleware(fixture: Fixture) -> ASGIApp:
    response: Any = importlib.import_module("sanic.response")
    app = _sanic(AUTO_EXTEND=True, CORS_ORIGINS="*")

    async def plain(request: Any) -> Any:
        return response.text("Hello, ada!")

    app.add_route(plain, "/plain", methods=["GET"])
    return cast(ASGIApp, app)


def sanic_static(fixture: Fixture) -> ASGIApp:
    app = _sanic()
    app.static("/static", str(fixture.static), use_content_range=True, name="static")
    return cast(ASGIApp, app)


def sanic_templates(fixture: Fixture) -> ASGIApp:
    response: Any = importlib.import_module("sanic.response")
    sanic_ext: Any = importlib.import_module("sanic_ext")

    app = _sanic(AUTO_EXTEND=True, TEMPLATING_PATH_TO_TEMPLATES=str(fixture.templates))

    async def page(request: Any) -> Any:
        return await sanic_ext.render("items_sanic.html", app=request.app, context={"title": "Items", "items": ITEMS})

    async def item(request: Any, item_id: int) -> Any:
        return response.text(str(item_id))

    app.add_route(page, "/page", methods=["GET"])
    app.add_route(item, "/items/<item_id:int>", methods=["GET"], name="item")
    return cast(ASGIApp, app)


def sanic_auth(fixture: Fixture) -> ASGIApp:
    response: Any = importlib.import_module("sanic.response")
    exceptions: Any = importlib.import_module("sanic.exceptions")
    app = _sanic()

    def token_required(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        async def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                raise exceptions.Forbidden()
            request.ctx.user = "ada"
            return await handler(request, *args, **kwargs)

        return wrapper

    @token_required
    async def private(request: Any) -> Any:
        return response.text(f"Hello, {request.ctx.user}")

    app.add_route(private, "/private", methods=["GET"])
    return cast(ASGIApp, app)


def sanic_sse(fixture: Fixture) -> ASGIApp:

    app = _sanic()

    async def streamed(request: Any, events: AsyncIterator[dict[str, str]]) -> None:
        sent = await request.respond(content_type=EVENT_STREAM)
        async for event in events:
            await sent.send(_event_bytes(event))
        await sent.eof()

    async def events(request: Any) -> None:
        await streamed(request, numbered_events(SSE_EVENTS))

    async def stream(request: Any) -> None:
        await streamed(request, open_stream())

    app.add_route(events, "/events", methods=["GET"])
    app.add_route(stream, "/stream", methods=["GET"])
    return cast(ASGIApp, app)


#: host -> feature -> native builder
NATIVE: dict[str, dict[str, Callable[[Fixture], ASGIApp]]] = {
    "fastapi": {
        "middleware": fastapi_middleware,
        "static": fastapi_static,
        "templates": fastapi_templates,
        "auth": fastapi_auth,
        "sse": fastapi_sse,
    },
    "litestar": {
        "middleware": litestar_middleware,
        "static": litestar_static,
        "templates": litestar_templates,
        "auth": litestar_auth,
        "sse": litestar_sse,
    },
    "quart": {
        "middleware": quart_middleware,
        "static": quart_static,
        "templates": quart_templates,
        "auth": quart_auth,
        "sse": quart_sse,
    },
    "django": {
        "middleware": django_middleware,
        "static": django_static,
        "templates": django_templates,
        "auth": django_auth,
        "sse": django_sse,
    },
    "falcon": {
        "middleware": falcon_middleware,
        "static": falcon_static,
        "templates": falcon_templates,
        "auth": falcon_auth,
        "sse": falcon_sse,
    },
    "sanic": {
        "middleware": sanic_middleware,
        "static": sanic_static,
        "templates": sanic_templates,
        "auth": sanic_auth,
        "sse": sanic_sse,
    },
}
