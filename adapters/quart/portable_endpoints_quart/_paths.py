"""Starlette's path matching on werkzeug: rules that match exactly the URLs Starlette's regexes match.

Werkzeug's own converters differ from Starlette's (``float`` rejects ``1``, ``path`` rejects an
empty tail, ``uuid`` differs), so each portable convertor is registered as a werkzeug converter
with the core's regex and conversion. Two werkzeug habits are turned off per rule: merging
``//`` (``merge_slashes=False``) and redirecting ``/items`` to ``/items/`` (a rule ending in ``/``
gets an invisible empty parameter, so there is no static ``""`` step to redirect to). Werkzeug
also prefers static segments where Starlette takes the first declared match; ``shadowing`` lists,
per route, the earlier routes that may match the same URLs, for the view to try first
(``first_match``); that check runs only in routes an earlier one may shadow. Werkzeug also strips
leading slashes before matching, which the views undo with one string comparison.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

from werkzeug.routing import BaseConverter, Map

from portable_endpoints.convertors import CONVERTOR_TYPES, Convertor
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.routing import AppRoutes, PathPart, Route, RouteMatch, RouteTable, WebSocketRoute, first_match
from portable_endpoints.types import Scope

#: The view argument of the invisible parameter after a trailing slash; the view drops it.
TRAILING_SLASH = "pe_trailing_slash"
#: Convertors whose regex never matches a "/": werkzeug may match them one segment at a time.
_SEGMENT_KINDS = frozenset({"str", "int", "float", "uuid"})
R = TypeVar("R", Route, WebSocketRoute)


def converter_name(kind: str) -> str:
    return f"pe_{kind}"


def _converter_class(kind: str, convertor: Convertor[Any]) -> type[BaseConverter]:
    namespace = {
        "regex": convertor.regex,
        # Werkzeug guesses from a "/" in the regex, which ".*" does not contain.
        "part_isolating": kind in _SEGMENT_KINDS,
        "to_python": staticmethod(convertor.convert),
        # Starlette's url_path_for does not percent-quote; werkzeug's default would.
        "to_url": staticmethod(convertor.to_string),
    }
    return type(f"Portable{kind.title()}Converter", (BaseConverter,), namespace)


class _EmptyConverter(BaseConverter):
    """Matches the empty string after a rule's trailing slash."""

    regex = ""
    part_isolating = True

    def to_url(self, value: Any) -> str:
        return ""


def install_converters(url_map: Map, kinds: Sequence[str]) -> None:
    """Register the converters ``kinds`` need on ``url_map``; rules added later can use them."""
    for kind in kinds:
        name = converter_name(kind)
        if name not in url_map.converters:
            url_map.converters[name] = _converter_class(kind, CONVERTOR_TYPES[kind])
    url_map.converters.setdefault("pe_empty", _EmptyConverter)


def werkzeug_rule(route: Route | WebSocketRoute) -> tuple[str, bool]:
    """The werkzeug rule string for ``route``, and whether it carries the trailing-slash parameter."""
    rule = route.compiled.template(
        lambda param: f"<{converter_name(param.kind)}:{param.name}>", lambda text: _static(text, route.path)
    )
    if rule.endswith("/") and rule != "/":
        return f"{rule}<pe_empty:{TRAILING_SLASH}>", True
    return rule, False


def _static(text: str, path: str) -> str:
    if "<" in text or ">" in text:
        raise ConfigurationError(f"Route path {path!r}: Quart's router cannot express a literal '<' or '>'")
    return text


def _segment_text(segment: tuple[PathPart, ...]) -> str:
    return "".join(part if isinstance(part, str) else "{" + part.name + "}" for part in segment)


def _segment_pattern(segment: tuple[PathPart, ...]) -> re.Pattern[str] | None:
    """The regex of one path segment, or None when it is plain text."""
    if all(isinstance(part, str) for part in segment):
        return None
    return re.compile(
        "".join(re.escape(part) if isinstance(part, str) else f"(?:{part.convertor.regex})" for part in segment)
    )


def _may_overlap(first: Route | WebSocketRoute, second: Route | WebSocketRoute) -> bool:
    """Whether some URL may match both routes; True whenever that cannot be ruled out cheaply."""
    kinds = {**dict(first.compiled.param_kinds), **dict(second.compiled.param_kinds)}
    if any(kind not in _SEGMENT_KINDS for kind in kinds.values()):
        return True  # a parameter spanning segments: compare no further
    ours, theirs = first.compiled.segments, second.compiled.segments
    if len(ours) != len(theirs):
        return False
    for mine, other in zip(ours, theirs, strict=True):
        mine_pattern, other_pattern = _segment_pattern(mine), _segment_pattern(other)
        mine_text, other_text = _segment_text(mine), _segment_text(other)
        if mine_pattern is None and other_pattern is None and mine_text != other_text:
            return False
        if mine_pattern is None and other_pattern is not None and not other_pattern.fullmatch(mine_text):
            return False
        if other_pattern is None and mine_pattern is not None and not mine_pattern.fullmatch(other_text):
            return False
    return True


def _first_literal(route: Route | WebSocketRoute) -> str | None:
    """The route's first path segment when it is plain text and no parameter spans segments, else None.

    Two routes whose first segments are different plain text never overlap (``_may_overlap``), so
    ``overlapping`` compares a route only with the routes of the same first segment or None.
    """
    if any(kind not in _SEGMENT_KINDS for _, kind in route.compiled.param_kinds):
        return None
    segments = route.compiled.segments
    first = segments[1] if len(segments) > 1 else ()
    if not first:
        return ""
    if len(first) == 1 and isinstance(first[0], str):
        return first[0]
    return None


def overlapping(routes: Sequence[R]) -> list[list[R]]:
    """For each route, every route (itself included, in declaration order) that may match its URLs,
    or an empty list when no other may: Starlette's router would choose among those.

    Grouped by first segment, so a table of many routes is not compared pair by pair.
    """
    keys = [_first_literal(route) for route in routes]
    by_first: dict[str | None, list[tuple[int, R]]] = {}
    for index, (key, route) in enumerate(zip(keys, routes, strict=True)):
        by_first.setdefault(key, []).append((index, route))
    everything = list(enumerate(routes))
    groups = []
    for key, route in zip(keys, routes, strict=True):
        others: Iterable[tuple[int, R]] = (
            everything
            if key is None
            else heapq.merge(by_first.get(key, []), by_first.get(None, []), key=lambda pair: pair[0])
        )
        group = [other for _, other in others if other is route or _may_overlap(other, route)]
        groups.append(group if len(group) > 1 else [])
    return groups


class AcrossTables(Generic[R]):
    """The routes of an app's portable tables (``create_app`` and each ``pe.mount``) that may match
    the URLs of one route, in the order Starlette's router tries them, and the table of each.

    Computed on the first request after a table was added (tables are only ever added), so a
    request pays for no comparison with routes that can never match its URL.
    """

    __slots__ = ("_route", "_tables", "routes", "table_of")

    def __init__(self, route: R) -> None:
        self._route: R = route
        self._tables = -1
        #: the routes Starlette's router would choose among, or empty when only ``route`` may match
        self.routes: list[R] = []
        self.table_of: dict[int, RouteTable] = {}

    def current(self, app_routes: AppRoutes) -> list[R]:
        tables = app_routes.tables
        if len(tables) != self._tables:
            self._refresh(tables)
        return self.routes

    def _refresh(self, tables: Sequence[RouteTable]) -> None:
        route = self._route
        websocket = isinstance(route, WebSocketRoute)
        routes: list[R] = []
        table_of: dict[int, RouteTable] = {}
        for table in tables:
            for other in table:
                if isinstance(other, WebSocketRoute) is websocket and (other is route or _may_overlap(other, route)):
                    routes.append(cast(R, other))
                    table_of[id(other)] = table
        self.routes, self.table_of = (routes, table_of) if len(routes) > 1 else ([], {})
        self._tables = len(tables)


def leading_double_slash(scope: Scope) -> bool:
    """Whether the path below the root path starts with ``//`` (werkzeug matches it as ``/``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    start = len(root) if root and path.startswith(root) else 0
    return path.startswith("//", start)


class Prefixes:
    """The URL prefix of each registration of one route table, by blueprint (None: the app itself)."""

    def __init__(self) -> None:
        self.by_blueprint: dict[str | None, str | None] = {}

    def add(self, blueprint: str | None, url_prefix: str | None) -> None:
        prefix = (url_prefix or "").rstrip("/")
        # A prefix with werkzeug variables cannot be stripped as text: keep werkzeug's order there.
        self.by_blueprint[blueprint] = None if "<" in prefix else prefix


def table_path(native: Any, prefixes: Prefixes) -> str | None:
    """The request's path as the table's routes see it (below the root path and the blueprint's
    prefix), or None when the prefix cannot be stripped as text."""
    prefix = prefixes.by_blueprint.get(native.blueprint)
    if prefix is None:
        return None
    path: str = native.path  # below the root path, as the table's paths are
    if prefix:
        if not path.startswith(prefix):
            return None
        path = path[len(prefix) :]
    return path


def table_match(routes: Sequence[R], path: str, method: str | None) -> RouteMatch[R] | None:
    """Starlette's choice among ``routes`` (declaration order): full match, else the first partial."""
    return first_match(routes, path, method)
