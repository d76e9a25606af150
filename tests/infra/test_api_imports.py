"""The GraphQL layer's packages import one another one way, and nothing hides an import.

`storefront_api.order` shows `User` and `Address` from `account`, `checkout` answers
`checkoutComplete` with an `Order`, `shops` shows a shop's products from `catalog`. If a
package below imported one above, the loop would only load because some import sat inside
a function; such imports hide the real shape of the code and fail late, on first call.
These tests read the source (no import needed) and name the offending line or loop.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

API_ROOT = Path(__file__).resolve().parents[2] / "storefront_api"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(API_ROOT.rglob("*.py"))]


def _package_of(path: Path) -> str:
    # storefront_api/order/types.py -> "order"; storefront_api/schema.py -> "schema"
    return path.relative_to(API_ROOT).with_suffix("").parts[0]


def _imported_api_packages(tree: ast.Module) -> set[str]:
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "storefront_api" and len(parts) > 1:
                targets.add(parts[1])
    return targets


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree in _modules():
        package = _package_of(path)
        graph[package] |= _imported_api_packages(tree) - {package}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop in `graph` as [a, b, ..., a], or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            loop = visit(target)
            if loop:
                return loop
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        loop = visit(start)
        if loop:
            return loop
    return None


def test_api_packages_import_one_way() -> None:
    loop = find_cycle(package_graph())
    assert loop is None, "storefront_api packages import in a loop: " + " -> ".join(loop or [])


def test_no_api_module_hides_an_import_inside_a_function() -> None:
    hidden = []
    for path, tree in _modules():
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    hidden.append(f"{path.relative_to(API_ROOT.parent)}:{node.lineno}")
    assert hidden == [], "imports inside functions: " + ", ".join(sorted(set(hidden)))


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_the_loop_finder_finds_loops(graph: dict[str, set[str]], expected: list[str]) -> None:
    # The two tests above pass on an empty answer; this one shows the finder can say no.
    assert find_cycle(graph) == expected
