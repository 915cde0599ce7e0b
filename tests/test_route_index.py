"""The route index finds, in declaration order, every route that can match a path: never fewer than a scan."""

from __future__ import annotations

import random

import pytest

from portable_endpoints._index import RouteIndex, literal_prefix
from portable_endpoints.routing import CompiledPath

PATTERNS = [
    "/",
    "/a",
    "/a/",
    "/a/{x}",
    "/a/b",
    "/a/{x:int}",
    "/{y}",
    "/a/b/{z:path}",
    "/a{q}",
    "/b/{x}/c",
    "/b/c",
    "/f/{p:path}",
    "//{x}",
    "/a/b/c/{d}",
    "/u/{id:int}/x",
    "/a/b",  # a duplicate: both are candidates, in order
    "/c/{n:float}.{ext}",
    "/{lang}/docs/{page}",
]
PATHS = ["/", "/a", "/a/", "/a/1", "/a/b", "/a/b/", "/a/b/c", "/a/b/c/d", "/ax", "/b/1/c", "/b/c", "/f/x/y"]
PATHS += ["//1", "/u/3/x", "/zzz", "/a\n", "/a/b\n", "/a/1\n", "/a/b/c/d/e", "", "/u//x", "/c/1.5.json", "/en/docs/x"]


def scan(compiled: list[CompiledPath], path: str) -> list[int]:
    return [i for i, c in enumerate(compiled) if c.match(path) is not None]


def test_candidates_hold_every_match_in_declaration_order() -> None:
    compiled = [CompiledPath(pattern) for pattern in PATTERNS]
    index = RouteIndex([(c, i) for i, c in enumerate(compiled)])
    rng = random.Random(16)
    paths = PATHS + ["/" + "".join(rng.choice("ab/c1.\n") for _ in range(rng.randint(0, 9))) for _ in range(5000)]
    for path in paths:
        candidates = list(index.candidates(path))
        assert candidates == sorted(candidates), path
        assert [i for i in candidates if compiled[i].match(path) is not None] == scan(compiled, path), path


def test_a_large_table_narrows_to_the_routes_of_one_prefix() -> None:
    compiled = [CompiledPath(f"/r{i}/{{x:int}}") for i in range(1000)] + [CompiledPath("/{any}/{x:int}")]
    index = RouteIndex([(c, i) for i, c in enumerate(compiled)])
    assert list(index.candidates("/r500/7")) == [500, 1000]
    assert list(index.candidates("/nope/7")) == [1000]
    assert len(index) == 1001


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [("/a/b", None), ("/a/{x}", ["a"]), ("/a/b{x}/c", ["a"]), ("/{x}", []), ("/a//{x}", ["a", ""])],
)
def test_literal_prefix(pattern: str, prefix: list[str] | None) -> None:
    assert literal_prefix(CompiledPath(pattern)) == prefix
