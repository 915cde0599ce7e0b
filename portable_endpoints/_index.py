"""A route index: the routes that can match a path, in declaration order, without scanning them all.

Built once per route table (at mount time). ``candidates(path)`` returns a short list, in the
order the routes were declared, that contains every route whose pattern could match ``path``;
the caller still matches each candidate with its ``CompiledPath`` and applies the usual rules
(first declared full match wins, method fall-through), so the index changes cost, never results.

How: a route without parameters can match one path only, so those sit in a dict keyed by that
path. A route with parameters can match only paths that begin with its leading literal segments
(``/api/users/{id}`` -> ``api``, ``users``), so it sits at that node of a tree of literal
segments. Each node keeps, merged in declaration order, its own routes and every ancestor's; a
lookup walks the path's segments down the tree as far as it goes and takes that node's list.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # only duck-typed at run time, so routing may build indexes itself
    from portable_endpoints.routing import CompiledPath

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("candidates", "children", "own")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        self.own: list[tuple[int, T]] = []
        self.candidates: list[T] = []


def literal_prefix(compiled: CompiledPath) -> list[str] | None:
    """The leading whole-literal segments of a path with parameters; None for a path without any."""
    if not compiled.convertors:
        return None
    # The text before the first parameter, up to its last "/": the segments that are whole text.
    return compiled.head.split("/")[1:-1]


class RouteIndex(Generic[T]):
    """The candidates for a path among ``entries`` (``(compiled path, item)`` in declaration order)."""

    __slots__ = ("_all", "_root", "_static", "static")

    def __init__(self, entries: Sequence[tuple[CompiledPath, T]]) -> None:
        self._all: list[T] = [item for _, item in entries]
        root: _Node[T] = _Node()
        static: dict[str, list[tuple[int, T]]] = {}
        for order, (compiled, item) in enumerate(entries):
            prefix = literal_prefix(compiled)
            if prefix is None:
                static.setdefault(compiled.path, []).append((order, item))
                continue
            node = root
            for segment in prefix:
                node = node.children.setdefault(segment, _Node())
            node.own.append((order, item))
        self._root = root
        _merge_down(root, [], [])
        self._static: dict[str, list[T]] = {}
        for path, own in static.items():
            deepest = self._walk(path)
            merged = heapq.merge(deepest, own, key=_order) if deepest else own
            self._static[path] = [item for _, item in merged]
        #: the candidates of each path a parameterless route matches, read-only: a caller may look
        #: a path up here first and call ``tree_candidates`` only when it is not there
        self.static: dict[str, list[T]] = self._static

    def _walk(self, path: str) -> list[tuple[int, T]]:
        node = self._root
        for segment in path.split("/")[1:]:
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        return node.own

    def candidates(self, path: str) -> Sequence[T]:
        """Every item whose path could match ``path``, in declaration order (a superset of the matches)."""
        found = self._static.get(path)
        if found is not None:
            return found
        return self.tree_candidates(path)

    def tree_candidates(self, path: str) -> Sequence[T]:
        """``candidates(path)`` for a path that is not a key of ``static``."""
        node = self._root
        children = node.children
        start = 1
        while children:
            end = path.find("/", start)
            child = children.get(path[start:] if end < 0 else path[start:end])
            if child is None:
                break
            node = child
            if end < 0:
                break
            children = child.children
            start = end + 1
        return node.candidates

    def __len__(self) -> int:
        return len(self._all)


def _order(pair: tuple[int, object]) -> int:
    return pair[0]


def _merge_down(node: _Node[T], inherited: list[tuple[int, T]], inherited_candidates: list[T]) -> None:
    """Each node's ``own`` becomes its routes and every ancestor's, in declaration order (with
    their orders, for the static paths' merge), and ``candidates`` the same routes alone."""
    own = node.own
    if not own:  # commonly one side only, already in order: nothing to merge, the list is shared
        node.own, node.candidates = inherited, inherited_candidates
    elif not inherited:
        node.candidates = [item for _, item in own]
    else:
        node.own = list(heapq.merge(inherited, own, key=_order))
        node.candidates = [item for _, item in node.own]
    for child in node.children.values():
        _merge_down(child, node.own, node.candidates)
