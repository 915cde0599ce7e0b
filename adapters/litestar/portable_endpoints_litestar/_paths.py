"""Starlette paths on Litestar's router: a superset in Litestar's trie, the exact match in ours.

Litestar cannot express Starlette's matching rules. Its parsers accept more (``int`` takes ``-5``,
``float`` takes ``1e5`` and ``nan``), one segment holds at most one parameter, a ``path`` value
keeps its leading ``/`` and cannot be empty, ``//x//5//`` is normalised to ``/x/5``, and in its
trie a literal child beats a parameter child with no backtracking. So each portable path is
registered as Litestar path(s) that route a *superset* of its URLs, and the handler behind them
matches the original path with the core's regex, trying the table's routes in declaration order,
as Starlette does. Everything here runs once, when routes are registered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar
from urllib.parse import unquote

from portable_endpoints.routing import CompiledPath, PathParam, Route, RouteTable, WebSocketRoute
from portable_endpoints.types import Scope

RouteT = TypeVar("RouteT", Route, WebSocketRoute)

#: Convertors whose values Litestar's parser of the same name accepts (a superset of the regex).
SAME_KIND = frozenset({"str", "int", "float", "uuid"})


class Param(NamedTuple):
    """A parameter segment of a Litestar path, ``{name:kind}``."""

    name: str
    kind: str


Segment = str | Param


@dataclass
class LitestarPath:
    """One path registered in Litestar, and the portable routes Litestar may send there."""

    segments: list[Segment]
    #: routes whose own path was registered here, in declaration order
    http_members: list[Route] = field(default_factory=list)
    websocket_members: list[WebSocketRoute] = field(default_factory=list)
    #: routes that may match a URL Litestar routes here, in declaration order
    http_candidates: list[Route] = field(default_factory=list)
    websocket_candidates: list[WebSocketRoute] = field(default_factory=list)

    @property
    def path(self) -> str:
        parts = [seg if isinstance(seg, str) else "{" + f"{seg.name}:{seg.kind}" + "}" for seg in self.segments]
        return "/" + "/".join(parts)

    @property
    def is_plain(self) -> bool:
        return all(isinstance(seg, str) for seg in self.segments)

    def is_exact_for(self, route: Route | WebSocketRoute) -> bool:
        """Whether Litestar's view of this path is exactly ``route``'s, so reversing it is right."""
        params = [(seg.name, seg.kind) for seg in self.segments if isinstance(seg, Param)]
        fmt = "/" + "/".join(seg if isinstance(seg, str) else "{" + seg.name + "}" for seg in self.segments)
        return fmt == route.compiled.format and params == list(route.compiled.param_kinds)


def translate(path: CompiledPath) -> tuple[list[Segment], list[list[Segment]]]:
    """The Litestar segments routing a superset of ``path``'s URLs, and extra plain paths needed too."""
    names = itertools.count()
    out: list[Segment] = []
    for segment in path.segments:
        if not segment:
            continue  # Litestar drops empty segments before routing
        params = [part for part in segment if isinstance(part, PathParam)]
        if not params:
            out.append("".join(str(part) for part in segment))
            continue
        whole = len(segment) == 1
        if all(param.kind in SAME_KIND for param in params):
            out.append(Param(params[0].name, params[0].kind) if whole else Param(f"_pe{next(names)}", "str"))
            continue
        # A `path` (or a custom convertor, whose regex may span "/"): Litestar's `path` takes the rest,
        # but never an empty rest, so the bare prefix must route here as well.
        name = params[0].name if whole else f"_pe{next(names)}"
        return [*out, Param(name, "path")], [list(out)]
    return out, []


def _trie_key(segments: list[Segment]) -> tuple[str | None, ...]:
    # Every parameter at one position shares one trie node, whatever its kind.
    return tuple(seg if isinstance(seg, str) else None for seg in segments)


def _broaden(shapes: list[list[Segment]]) -> None:
    """Make literals parameters wherever a trie node would hold both, until none does (in place).

    Litestar prefers a literal child and never backtracks, so ``/t/{x}/c`` next to ``/t/b/{y}/d``
    would send ``/t/b/c`` down a dead end. Plain paths live outside the trie and are left alone.
    """
    names = itertools.count()
    while True:
        seen: dict[tuple[str | None, ...], set[bool]] = {}
        trie_shapes = [shape for shape in shapes if any(isinstance(seg, Param) for seg in shape)]
        for shape in trie_shapes:
            for i, seg in enumerate(shape):
                seen.setdefault(_trie_key(shape[:i]), set()).add(isinstance(seg, Param))
        changed = False
        for shape in trie_shapes:
            for i, seg in enumerate(shape):
                if isinstance(seg, str) and len(seen[_trie_key(shape[:i])]) == 2:
                    shape[i] = Param(f"_pel{next(names)}", "str")
                    changed = True
                    break
        if not changed:
            return


def _literal_head(route: Route | WebSocketRoute) -> list[str]:
    head = []
    for part in route.path.split("/"):
        if "{" in part:
            break
        if part:
            head.append(part)
    return head


def _may_route_to(target: LitestarPath, route: Route | WebSocketRoute, head: list[str]) -> bool:
    """Whether Litestar may send a URL that ``route`` (literal head ``head``) matches to ``target`` (conservative)."""
    if not route.compiled.convertors:
        # Litestar looks plain paths up first, by their normalised text.
        return target.is_plain and target.segments == head
    for i, literal in enumerate(head):
        if i >= len(target.segments):
            return False
        seg = target.segments[i]
        if isinstance(seg, Param):
            if seg.kind == "path":
                return True
        elif seg != literal:
            return False
    return True


class _Heads(Generic[RouteT]):
    """``routes`` by the first segment of their literal head, so a path's candidates are found
    without comparing it with every route (an app of N routes has about N paths)."""

    def __init__(self, routes: Sequence[RouteT]) -> None:
        self.routes: Sequence[RouteT] = routes
        self.heads = [_literal_head(route) for route in routes]
        self.by_first: dict[str | None, list[int]] = {}
        for index, head in enumerate(self.heads):
            self.by_first.setdefault(head[0] if head else None, []).append(index)

    def candidates(self, target: LitestarPath) -> list[RouteT]:
        """The routes ``_may_route_to(target, ...)``, in declaration order."""
        first = target.segments[0] if target.segments else None
        if isinstance(first, str):
            # A route whose head starts with another literal can never route here.
            pool: Iterable[int] = sorted(self.by_first.get(first, []) + self.by_first.get(None, []))
        else:
            pool = range(len(self.routes))
        return [self.routes[i] for i in pool if _may_route_to(target, self.routes[i], self.heads[i])]


def _merge(paths: list[LitestarPath]) -> list[Segment]:
    """The segments of one trie leaf several shapes share: untyped, so no Litestar parser rejects."""
    if len(paths) == 1:
        return paths[0].segments
    merged: list[Segment] = []
    for position in zip(*(p.segments for p in paths), strict=True):
        params = [seg for seg in position if isinstance(seg, Param)]
        if not params:
            merged.append(position[0])
        else:
            merged.append(Param(params[0].name, "path" if any(p.kind == "path" for p in params) else "str"))
    return merged


def plan(table: RouteTable) -> list[LitestarPath]:
    """The Litestar paths to register for ``table``, each with the routes that may answer there."""
    shapes: list[list[Segment]] = []
    owners: list[Route | WebSocketRoute | None] = []
    for route in table:
        segments, extras = translate(route.compiled)
        shapes.append(segments)
        owners.append(route)
        shapes.extend(extras)
        owners.extend(None for _ in extras)
    _broaden(shapes)
    groups: dict[tuple[str | None, ...], list[LitestarPath]] = {}
    for shape, owner in zip(shapes, owners, strict=True):
        single = LitestarPath(shape)
        if isinstance(owner, Route):
            single.http_members.append(owner)
        elif isinstance(owner, WebSocketRoute):
            single.websocket_members.append(owner)
        groups.setdefault(_trie_key(shape), []).append(single)
    paths = []
    http, websocket = _Heads(table.http_routes), _Heads(table.websocket_routes)
    for shared in groups.values():
        merged = LitestarPath(_merge(shared))
        for single in shared:
            merged.http_members += single.http_members
            merged.websocket_members += single.websocket_members
        merged.http_candidates = http.candidates(merged)
        merged.websocket_candidates = websocket.candidates(merged)
        paths.append(merged)
    return paths


def original_paths(scope: Scope) -> tuple[str, str]:
    """The request's path, and the path below ``root_path`` that Starlette would route on.

    Litestar replaces ``scope["path"]`` with its normalised route path; ``raw_path`` keeps the
    original (some clients put the query string in it too).
    """
    raw: bytes | None = scope.get("raw_path")
    root: str = scope.get("root_path", "")
    if raw is None:
        # Without raw_path, Litestar's normalised path (root_path already removed) is all there is.
        path: str = scope["path"]
        return root + path, path
    full = unquote(raw.split(b"?", 1)[0].decode("latin-1"))
    if root and full.startswith(root) and (len(full) == len(root) or full[len(root)] == "/"):
        return full, full[len(root) :]
    return full, full
