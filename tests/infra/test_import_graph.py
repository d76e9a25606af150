"""The domain's arrows point one way: no import cycle between domain packages, and no
import hidden inside a function to dodge one.

Every module under the domain roots is parsed with `ast` (nothing is imported, so a cycle
cannot hide behind import order). A node of the graph is a domain package such as
`marketplace.orders`; a module directly under a root (`marketplace/settings.py`,
`logistics/models.py`) is a node of its own. Imports under `if TYPE_CHECKING:` are
left out: they never run, and naming a type from a package one depends on the other way
is how two packages that refer to each other's rows stay one-directional at run time.
Migrations are left out too: they read historical models through `apps.get_model`.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_ROOTS = ("marketplace", "logistics", "collective_econ")

# Function-level imports in marketplace/ that stay, each with its reason. Keyed by
# (file, imported module); anything else hidden in a function fails the test below.
DEFERRED_IMPORTS: dict[tuple[str, str], str] = {
    ("marketplace/catalog/search.py", "jieba"): "jieba loads its dictionary on import "
    "(about 0.6 s); only a search that segments Chinese text pays for it",
    ("marketplace/catalog/tasks.py", "marketplace.catalog.services"): "the catalog services "
    "schedule these tasks, so a load-time import both ways would be circular",
    ("marketplace/embedded_db.py", "pgserver"): "the embedded server is optional: only "
    "used when DATABASE_URL is unset",
    ("marketplace/cli.py", "pytest"): "pytest is a dev dependency, needed only by `test`",
    ("marketplace/management/commands/export_schema.py", "graphql"): "the API layer is "
    "loaded only when the schema is exported",
    ("marketplace/management/commands/export_schema.py", "storefront_api.schema"): "the "
    "domain never imports the API at load time; this command is the API's own tool",
    ("marketplace/red_supermarket/apps.py", "marketplace.payments.notify"): "an AppConfig "
    "module is imported before the models are ready; ready() is where it may register",
    ("marketplace/red_supermarket/apps.py", "marketplace.red_supermarket.counter.services"): (
        "the counter's notification hook, registered with payments once the apps are ready"
    ),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _domain_modules() -> Iterator[Path]:
    for root in DOMAIN_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _node(module: str) -> str | None:
    """The domain package a module belongs to, or None outside the domain."""
    parts = module.split(".")
    if parts[0] not in DOMAIN_ROOTS:
        return None
    # A sub-package, or a loose module beside them (`logistics/tracking_models.py`), is a
    # node of its own; only the root package's __init__ is the root.
    return f"{parts[0]}.{parts[1]}" if len(parts) >= 2 else parts[0]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[ast.stmt, list[str], bool]]:
    """(statement, modules it may import, whether it sits inside a function). `from a
    import b` yields both `a` and `a.b`, since `b` may be a submodule."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.stmt, list[str], bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                yield from walk(ast.Module(body=child.orelse, type_ignores=[]), in_function)
                continue
            if isinstance(child, ast.Import):
                yield child, [alias.name for alias in child.names], in_function
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                names = [f"{module}.{alias.name}" for alias in child.names]
                yield child, [module, *names], in_function
            else:
                inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                yield from walk(child, inside)

    return walk(tree, False)


def _parsed() -> Iterator[tuple[Path, str, ast.AST]]:
    for path in _domain_modules():
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        yield path, package, ast.parse(path.read_text(), filename=str(path))


def _package_graph() -> dict[str, dict[str, str]]:
    """source package -> target package -> one place ("file:line") that imports it."""
    graph: dict[str, dict[str, str]] = {}
    for path, package, tree in _parsed():
        source = _node(_module_name(path))
        assert source is not None
        for statement, modules, _ in _imports(tree, package):
            for module in modules:
                target = _node(module)
                if target is not None and target != source:
                    where = f"{path.relative_to(ROOT)}:{statement.lineno}"
                    graph.setdefault(source, {}).setdefault(target, where)
    return graph


def _cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, {})):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(graph, set(component)) for component in components]


def _one_cycle(graph: dict[str, dict[str, str]], members: set[str]) -> list[str]:
    """A path from the component's first package back to itself, inside the component."""
    start = min(members)
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for target in sorted(graph.get(path[-1], {})):
            if target == start:
                return [*path, start]
            if target in members and target not in seen:
                seen.add(target)
                paths.append([*path, target])
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def _describe(graph: dict[str, dict[str, str]], cycle: list[str]) -> str:
    hops = [f"{a} -> {b} ({graph[a][b]})" for a, b in itertools.pairwise(cycle)]
    return "; ".join(hops)


@pytest.mark.smoke
def test_no_import_cycle_between_domain_packages():
    graph = _package_graph()
    assert [_describe(graph, cycle) for cycle in _cycles(graph)] == []


@pytest.mark.smoke
def test_orders_knows_neither_checkout_nor_payments():
    # Checkout places orders and payments pays them; orders only answers (lifecycle.py).
    assert {"marketplace.checkout", "marketplace.payments"} & set(
        _package_graph().get("marketplace.orders", {})
    ) == set()


@pytest.mark.smoke
def test_no_marketplace_import_hides_in_a_function():
    hidden = []
    for path, package, tree in _parsed():
        relative = str(path.relative_to(ROOT))
        if not relative.startswith("marketplace/"):
            continue
        for statement, modules, in_function in _imports(tree, package):
            if in_function and (relative, modules[0]) not in DEFERRED_IMPORTS:
                hidden.append(f"{relative}:{statement.lineno} {modules[0]}")
    assert hidden == []


@pytest.mark.smoke
def test_every_deferred_import_is_still_there():
    # A stale allow-list entry would let the next hidden import through unnoticed.
    found = set()
    for path, package, tree in _parsed():
        for _, modules, in_function in _imports(tree, package):
            if in_function:
                found.add((str(path.relative_to(ROOT)), modules[0]))
    assert set(DEFERRED_IMPORTS) - found == set()


def test_the_cycle_finder_names_a_cycle():
    graph = {"a": {"b": "a.py:1"}, "b": {"c": "b.py:2"}, "c": {"a": "c.py:3"}, "d": {"a": "d:4"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _describe(graph, ["a", "b", "c", "a"]) == (
        "a -> b (a.py:1); b -> c (b.py:2); c -> a (c.py:3)"
    )
    assert _cycles({"a": {"b": "x"}, "b": {}}) == []
