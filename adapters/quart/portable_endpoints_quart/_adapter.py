"""The ``quart`` adapter: a route table on a new app, on an existing one, or as a ``Blueprint``.

Everything is decided once per table (``_Plan``): each route's werkzeug rule, its view, the earlier
routes that may shadow it. Registering then installs the app wrapper and the converters before
any rule is added, and opens the HTTP rules to every method, which Quart's ``add_url_rule`` cannot
express. A new app gets the routes directly, with their Starlette names as endpoints, which spares
every request Quart's blueprint bookkeeping; a table added to an app that already has routes gets a
blueprint of its own, so its endpoint names cannot collide with the app's.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, cast

import quart
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.routing import RouteTable
from portable_endpoints_quart._asgi import blueprint_name, install, installed
from portable_endpoints_quart._connection import endpoint_name
from portable_endpoints_quart._paths import TRAILING_SLASH, Prefixes, install_converters, overlapping, werkzeug_rule
from portable_endpoints_quart._views import View, http_view, websocket_view

if TYPE_CHECKING:
    from flask.sansio.blueprints import BlueprintSetupState

_ids = itertools.count(1)
PlannedRule = tuple[str, str, Any]  # werkzeug rule, endpoint, view


class _Plan:
    """The Quart rules of one table, and what registering them needs."""

    def __init__(self, table: RouteTable) -> None:
        self.table = table
        self.kinds = sorted({kind for route in table for _, kind in route.compiled.param_kinds})
        self.prefixes = Prefixes()
        self.http: list[PlannedRule] = []
        self.websocket: list[PlannedRule] = []
        #: endpoints whose rule ends with the invisible parameter after a trailing slash
        self.trailing_slash: set[str] = set()
        http, websockets = table.http_routes, table.websocket_routes
        for route, group in zip(http, overlapping(http), strict=True):
            rule, trailing = werkzeug_rule(route)
            view: View = http_view(route, table, group, self.prefixes, trailing)
            self._add(self.http, rule, endpoint_name(table.native_name(route)), view, trailing)
        for ws_route, ws_group in zip(websockets, overlapping(websockets), strict=True):
            rule, trailing = werkzeug_rule(ws_route)
            ws_view = websocket_view(ws_route, table, ws_group, self.prefixes, trailing)
            self._add(self.websocket, rule, endpoint_name(table.native_name(ws_route)), ws_view, trailing)

    def _add(self, rules: list[PlannedRule], rule: str, endpoint: str, view: Any, trailing: bool) -> None:
        rules.append((rule, endpoint, view))
        if trailing:
            self.trailing_slash.add(endpoint)

    def prepare(self, app: quart.Quart, blueprint: str | None, url_prefix: str | None) -> None:
        install(app)
        installed(app).add(self.table, blueprint, url_prefix)
        # Before any rule: binding a rule looks its converters up.
        install_converters(app.url_map, self.kinds)
        self.prefixes.add(blueprint, url_prefix)

    def open_methods(self, app: quart.Quart, endpoint_prefix: str) -> None:
        # None is werkzeug's "every method": the core answers 405 and OPTIONS with Starlette's Allow.
        for _, endpoint, _ in self.http:
            for rule in app.url_map.iter_rules(endpoint_prefix + endpoint):
                rule.methods = None


def add_to_app(app: quart.Quart, table: RouteTable) -> None:
    """Add ``table``'s routes to ``app`` itself; endpoints are the routes' Starlette names."""
    plan = _Plan(table)
    plan.prepare(app, None, None)
    installed(app).placed.include(table)
    for rule, endpoint, view in plan.http:
        app.add_url_rule(rule, endpoint, view, methods=["GET"], provide_automatic_options=False, merge_slashes=False)
    for rule, endpoint, view in plan.websocket:
        app.add_websocket(rule, endpoint, view, merge_slashes=False)
    plan.open_methods(app, "")
    if plan.trailing_slash:

        @app.url_defaults
        def fill_trailing_slash(endpoint: str, values: dict[str, Any]) -> None:
            if endpoint in plan.trailing_slash:
                values.setdefault(TRAILING_SLASH, "")


def build_blueprint(table: RouteTable, name: str | None = None) -> quart.Blueprint:
    """``table`` as a blueprint, to register on any app or blueprint, as often as wanted."""
    plan = _Plan(table)
    blueprint = quart.Blueprint(name or f"portable_endpoints_{next(_ids)}", __name__)

    def registered(state: BlueprintSetupState) -> str:
        return f"{state.name_prefix}.{state.name}".lstrip(".")

    # Deferred functions run in the order recorded, when the blueprint is registered.
    blueprint.record(lambda state: plan.prepare(cast(quart.Quart, state.app), registered(state), state.url_prefix))
    for rule, endpoint, view in plan.http:
        blueprint.add_url_rule(
            rule, endpoint, view, methods=["GET"], provide_automatic_options=False, merge_slashes=False
        )
    for rule, endpoint, view in plan.websocket:
        blueprint.add_websocket(rule, endpoint, view, merge_slashes=False)
    blueprint.record(lambda state: plan.open_methods(cast(quart.Quart, state.app), registered(state) + "."))
    if plan.trailing_slash:

        @blueprint.url_defaults
        def fill_trailing_slash(endpoint: str, values: dict[str, Any]) -> None:
            if endpoint.rpartition(".")[2] in plan.trailing_slash:
                values.setdefault(TRAILING_SLASH, "")

    return blueprint


class QuartAdapter:
    name = "quart"
    #: ``create_app(exception_handlers=)`` keys that stay Quart's own: registered with
    #: ``app.register_error_handler``, Quart's handler signature (the error only)
    native_exception_types: tuple[type, ...] = (WerkzeugHTTPException,)

    def native_routes(self, table: RouteTable) -> quart.Blueprint:
        """A ``Blueprint`` to register yourself, as many times and under whatever prefix you like."""
        return build_blueprint(table)

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> quart.Quart:
        """A ``quart.Quart(import_name, **options)`` serving ``table``, and nothing else by default.

        ``import_name`` defaults to this package, and ``static_folder`` to None: Quart would
        otherwise serve ``/static/<path:filename>`` next to the portable routes. The routes'
        endpoints are their Starlette names (``url_for("user", ...)`` in Quart code).
        """
        if "middleware" in options:
            raise ConfigurationError(
                f"Quart has no middleware option of its own for {options['middleware']!r}: declare each one "
                "as Middleware(cls, *args, **kwargs) (portable_endpoints.middleware)"
            )
        own_handlers = options.pop("exception_handlers", {})
        options.setdefault("static_folder", None)
        app = quart.Quart(options.pop("import_name", __name__.partition(".")[0]), **options)
        for exception_class, handler in own_handlers.items():
            app.register_error_handler(exception_class, handler)
        add_to_app(app, table)
        installed(app).redirect_slashes = table.redirect_slashes
        return app

    def mount(self, app: quart.Quart | quart.Blueprint, table: RouteTable) -> None:
        """Add ``table`` as a blueprint named ``portable`` (``portable_2``...): no endpoint clashes."""
        if isinstance(app, quart.Blueprint):
            app.register_blueprint(build_blueprint(table))
            return
        install(app)
        app.register_blueprint(build_blueprint(table, blueprint_name(app)))
        installed(app).placed.include(table)

    def host_paths(self, table: RouteTable) -> list[str]:
        """Each route's werkzeug rule (``portable-endpoints routes`` shows these)."""
        return [werkzeug_rule(route)[0] for route in table]


ADAPTER = QuartAdapter()
