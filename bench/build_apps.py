"""The apps of the build section: N routes ``/r{i}/{id:int}`` answering GET and POST, portable and native.

Built on every host three ways, each against the host's own idiom doing the same:

- ``create_app``: ``pe.create_app(routes, framework=host)`` against a native app constructed with
  the same routes (for the ``asgi`` host: Starlette's ``HTTPEndpoint`` on a Starlette app, as in the
  other sections);
- ``mount``: ``pe.mount(app, routes)`` onto an existing, empty native app against registering the
  native routes on one (the empty app is made outside the timing);
- the cold start of a fresh interpreter: the imports, a 10-route app, its lifespan startup and
  its first request.

Every route answers ``GET /r{i}/{id}`` with ``item <id>`` and ``POST`` with ``posted <id>`` as
text. This module imports nothing but the standard library at its top, so that a cold start of
the native side never loads the portable package (each framework is imported inside).
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: the hosts of the build section, in the report's order
BUILD_HOSTS = ("starlette", "quart", "litestar", "fastapi", "django", "falcon", "sanic", "asgi")

#: What each side imports to build an app on a host, for the import rows: the portable package and
#: the adapter module ``create_app`` loads (which imports the framework), against the framework
#: modules the native app of the bench imports.
PORTABLE_IMPORTS: dict[str, tuple[str, ...]] = {
    **{host: ("portable_endpoints", f"portable_endpoints_{host}._adapter") for host in BUILD_HOSTS},
    "asgi": ("portable_endpoints", "portable_endpoints._asgi.plugin"),
}
_STARLETTE = ("starlette.applications", "starlette.requests", "starlette.responses", "starlette.routing")
NATIVE_IMPORTS: dict[str, tuple[str, ...]] = {
    "starlette": _STARLETTE,
    "quart": ("quart",),
    "litestar": ("litestar",),
    "fastapi": ("fastapi", "fastapi.responses"),
    "django": ("django.core.asgi", "django.http", "django.urls", "channels.routing"),
    "falcon": ("falcon.asgi",),
    "sanic": ("sanic", "sanic.response"),
    "asgi": (*_STARLETTE, "starlette.endpoints"),
}


def import_side(host: str, side: str) -> None:
    """Import what ``side`` needs to build an app on ``host``."""
    for module in (PORTABLE_IMPORTS if side == "portable" else NATIVE_IMPORTS)[host]:
        importlib.import_module(module)


#: Django's settings of both sides (settings are process-wide): the adapter's minimal ones, and
#: this module's ``urlpatterns`` as the project's URLconf (what the native app serves, and where
#: ``pe.mount`` adds routes on a project's ``ProtocolTypeRouter``).
DJANGO_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["*"],
    "ROOT_URLCONF": "bench.build_apps",
    "MIDDLEWARE": [],
    "INSTALLED_APPS": [],
    "DATABASES": {},
    "USE_TZ": True,
    "SECRET_KEY": "bench-only",
}
#: the Django project's URLconf (``ROOT_URLCONF``): filled by the native Django app
urlpatterns: list[Any] = []


def path_of(index: int) -> str:
    return f"/r{index}/{{id:int}}"


# --------------------------------------------------------------------------------------------
# The portable side.
# --------------------------------------------------------------------------------------------


def portable_routes(n: int) -> list[Any]:
    from portable_endpoints.endpoints import HTTPEndpoint
    from portable_endpoints.requests import Request
    from portable_endpoints.responses import PlainTextResponse
    from portable_endpoints.routing import Route

    class Item(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"item {request.path_params['id']}")

        async def post(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"posted {request.path_params['id']}")

    return [Route(path_of(i), Item, name=f"r{i}") for i in range(n)]


def configure_django() -> None:
    """Django's settings for both sides, before either builds, as a project's are (the adapter's
    ``create_app`` takes a project's settings as they are); once per process."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(**DJANGO_SETTINGS)
        django.setup(set_prefix=False)


def portable_create(host: str, n: int) -> Any:
    import portable_endpoints as pe

    if host == "django":
        configure_django()
    return pe.create_app(portable_routes(n), framework=host)


def portable_mount_target(host: str) -> Any:
    """The existing app ``pe.mount`` adds to: the host's own empty app (the ``asgi`` host's is the
    portable one, it has no other)."""
    if host == "asgi":
        import portable_endpoints as pe

        return pe.create_app([], framework="asgi")
    if host == "django":
        configure_django()
    return NATIVE[host].empty()


def portable_mount(app: Any, n: int) -> None:
    import portable_endpoints as pe

    pe.mount(app, portable_routes(n))


# --------------------------------------------------------------------------------------------
# The native side: each host's idiom for a route with GET and POST.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NativeHost:
    """How a host builds its own app: ``empty()`` an app without routes, ``register(app, n)`` the N
    routes on it, ``create(n)`` an app with them (the host's usual way: its constructor, or an
    empty app and its registration calls)."""

    description: str
    empty: Callable[[], Any]
    register: Callable[[Any, int], None]
    create: Callable[[int], Any]


def _starlette_item() -> Any:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    async def item(request: Request) -> PlainTextResponse:
        verb = "item" if request.method == "GET" else "posted"
        return PlainTextResponse(f"{verb} {request.path_params['id']}")

    return item


def _starlette_empty() -> Any:
    from starlette.applications import Starlette

    return Starlette()


def _starlette_register(app: Any, n: int) -> None:
    item = _starlette_item()
    for i in range(n):
        app.add_route(path_of(i), item, methods=["GET", "POST"], name=f"r{i}")


def _starlette_create(n: int) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    item = _starlette_item()
    return Starlette(routes=[Route(path_of(i), item, methods=["GET", "POST"], name=f"r{i}") for i in range(n)])


def _starlette_endpoint() -> Any:
    from starlette.endpoints import HTTPEndpoint
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    class SItem(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"item {request.path_params['id']}")

        async def post(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"posted {request.path_params['id']}")

    return SItem


def _starlette_endpoints_register(app: Any, n: int) -> None:
    endpoint = _starlette_endpoint()
    for i in range(n):
        app.add_route(path_of(i), endpoint, name=f"r{i}")


def _starlette_endpoints_create(n: int) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    endpoint = _starlette_endpoint()
    return Starlette(routes=[Route(path_of(i), endpoint, name=f"r{i}") for i in range(n)])


_NAMES = itertools.count(1)


def _quart_empty() -> Any:
    from quart import Quart

    return Quart(f"bench_build_{next(_NAMES)}")


def _quart_register(app: Any, n: int) -> None:
    from quart import request

    async def item(id: int) -> str:
        return f"{'item' if request.method == 'GET' else 'posted'} {id}"

    for i in range(n):
        app.add_url_rule(f"/r{i}/<int:id>", f"r{i}", item, methods=["GET", "POST"])


def _quart_create(n: int) -> Any:
    app = _quart_empty()
    _quart_register(app, n)
    return app


def _litestar_handlers(n: int) -> list[Any]:
    from litestar import MediaType, get, post

    def pair(i: int) -> list[Any]:
        async def item(id: int) -> str:
            return f"item {id}"

        async def posted(id: int) -> str:
            return f"posted {id}"

        return [
            get(path_of(i), media_type=MediaType.TEXT, name=f"r{i}")(item),
            post(path_of(i), media_type=MediaType.TEXT, status_code=200, name=f"r{i}-post")(posted),
        ]

    return [handler for i in range(n) for handler in pair(i)]


def _litestar_empty() -> Any:
    from litestar import Litestar

    return Litestar()


def _litestar_register(app: Any, n: int) -> None:
    for handler in _litestar_handlers(n):
        app.register(handler)


def _litestar_create(n: int) -> Any:
    from litestar import Litestar

    return Litestar(route_handlers=_litestar_handlers(n))


def _fastapi_empty() -> Any:
    from fastapi import FastAPI

    return FastAPI()


def _fastapi_register(app: Any, n: int) -> None:
    from fastapi.responses import PlainTextResponse

    async def item(id: int) -> str:
        return f"item {id}"

    async def posted(id: int) -> str:
        return f"posted {id}"

    for i in range(n):
        path = f"/r{i}/{{id}}"
        app.add_api_route(path, item, methods=["GET"], name=f"r{i}", response_class=PlainTextResponse)
        app.add_api_route(path, posted, methods=["POST"], name=f"r{i}-post", response_class=PlainTextResponse)


def _fastapi_create(n: int) -> Any:
    app = _fastapi_empty()
    _fastapi_register(app, n)
    return app


def _django_patterns(n: int) -> list[Any]:
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    async def item(request: HttpRequest, id: int) -> HttpResponse:
        verb = "item" if request.method == "GET" else "posted"
        return HttpResponse(f"{verb} {id}", content_type="text/plain; charset=utf-8")

    return [path(f"r{i}/<int:id>", item, name=f"r{i}") for i in range(n)]


def _django_empty() -> Any:
    """A project's ``asgi.py`` application: Django's handler in a Channels ``ProtocolTypeRouter``
    (what ``pe.mount`` takes), serving ``ROOT_URLCONF``, emptied."""
    from channels.routing import ProtocolTypeRouter
    from django.core.asgi import get_asgi_application
    from django.urls import clear_url_caches

    urlpatterns.clear()
    clear_url_caches()
    return ProtocolTypeRouter({"http": get_asgi_application()})


def _django_register(app: Any, n: int) -> None:
    from django.urls import clear_url_caches

    urlpatterns.extend(_django_patterns(n))
    clear_url_caches()


def _django_create(n: int) -> Any:
    app = _django_empty()
    _django_register(app, n)
    return app


class _FalconItem:
    async def on_get(self, req: Any, resp: Any, id: int) -> None:
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = f"item {id}"

    async def on_post(self, req: Any, resp: Any, id: int) -> None:
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = f"posted {id}"


def _falcon_empty() -> Any:
    import falcon.asgi

    return falcon.asgi.App()


def _falcon_register(app: Any, n: int) -> None:
    resource = _FalconItem()
    for i in range(n):
        app.add_route(path_of(i), resource)


def _falcon_create(n: int) -> Any:
    app = _falcon_empty()
    _falcon_register(app, n)
    return app


def _sanic_empty() -> Any:
    sanic: Any = importlib.import_module("sanic")
    app = sanic.Sanic(f"bench_build_{next(_NAMES)}", configure_logging=False)  # a name once per process
    app.config.TOUCHUP = False  # as in bench.apps.sanic_app
    return app


def _sanic_register(app: Any, n: int) -> None:
    text: Any = importlib.import_module("sanic.response").text

    async def item(request: Any, id: int) -> Any:
        return text(f"{'item' if request.method == 'GET' else 'posted'} {id}")

    for i in range(n):
        app.add_route(item, f"/r{i}/<id:int>", methods=["GET", "POST"], name=f"r{i}")


def _sanic_create(n: int) -> Any:
    app = _sanic_empty()
    _sanic_register(app, n)
    return app


NATIVE: dict[str, NativeHost] = {
    "starlette": NativeHost("Starlette function endpoints", _starlette_empty, _starlette_register, _starlette_create),
    "quart": NativeHost("Quart add_url_rule", _quart_empty, _quart_register, _quart_create),
    "litestar": NativeHost("Litestar @get/@post handlers", _litestar_empty, _litestar_register, _litestar_create),
    "fastapi": NativeHost("FastAPI add_api_route GET + POST", _fastapi_empty, _fastapi_register, _fastapi_create),
    "django": NativeHost(
        "Django path() async views, Channels ProtocolTypeRouter", _django_empty, _django_register, _django_create
    ),
    "falcon": NativeHost("Falcon add_route resources", _falcon_empty, _falcon_register, _falcon_create),
    "sanic": NativeHost("Sanic add_route handlers", _sanic_empty, _sanic_register, _sanic_create),
    "asgi": NativeHost(
        "Starlette HTTPEndpoint on Starlette",
        _starlette_empty,
        _starlette_endpoints_register,
        _starlette_endpoints_create,
    ),
}


def native_create(host: str, n: int) -> Any:
    if host == "django":
        configure_django()
    return NATIVE[host].create(n)


def native_mount_target(host: str) -> Any:
    if host == "django":
        configure_django()
    return NATIVE[host].empty()


def native_register(host: str, app: Any, n: int) -> None:
    NATIVE[host].register(app, n)
