"""The core's modules import downward only: no cycle, counting imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import portable_endpoints

PACKAGE = Path(portable_endpoints.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _runtime_imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Every package module ``tree`` imports when it runs: at module level or in any function."""
    found: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if _is_type_checking_block(node):
            continue  # never executed: typing only
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(paths)
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(), str(path))
        graph[name] = _runtime_imports(tree, name, path.name == "__init__.py", known)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], dict.fromkeys(graph, 0)
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for child in sorted(graph[node]):
            if state[child] == 1:
                cycles.append([*stack[stack.index(child) :], child])
            elif state[child] == 0:
                visit(child)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node)
    return cycles


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ re-exporting its submodules is the front door, not a layer: importing
    # "portable_endpoints.x" runs "portable_endpoints/__init__" first by Python's rules.
    inits = {name for name in graph if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()}
    return {name: {dep for dep in deps if dep not in inits} for name, deps in graph.items()}


def test_the_core_has_no_import_cycle() -> None:
    graph = _without_package_inits(import_graph())
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_imports_inside_functions_count() -> None:
    tree = ast.parse("def f():\n    from portable_endpoints import routing\n")
    known = {"portable_endpoints.routing", "portable_endpoints.requests"}
    assert _runtime_imports(tree, "portable_endpoints.requests", False, known) == {"portable_endpoints.routing"}


def test_an_endpoint_imports_no_router_and_no_host() -> None:
    graph = import_graph()
    assert not {"portable_endpoints.routing", "portable_endpoints._asgi.app"} & graph["portable_endpoints.endpoints"]


def test_dispatch_sits_below_endpoints_and_routing() -> None:
    graph = import_graph()
    assert "portable_endpoints._dispatch" in graph["portable_endpoints.endpoints"]
    assert "portable_endpoints._dispatch" in graph["portable_endpoints.routing"]
    assert not {"portable_endpoints.endpoints", "portable_endpoints.routing"} & graph["portable_endpoints._dispatch"]
