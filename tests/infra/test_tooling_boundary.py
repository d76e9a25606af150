"""Tooling imports the domain, never the other way round (see `tooling/__init__.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("marketplace", "storefront_api", "logistics", "collective_econ", "admin")
# The thin commands that run the tooling are its only importers in the product tree.
RUNNERS = {
    Path("marketplace/management/commands/bench.py"),
    Path("marketplace/management/commands/demo.py"),
    Path("marketplace/management/commands/load_demo_data.py"),
}


def _imported_modules(tree: ast.AST) -> set[str]:
    # Walks the whole tree, so an import hidden inside a function counts too.
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.smoke
def test_no_product_module_imports_tooling():
    offenders = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in RUNNERS:
                continue
            modules = _imported_modules(ast.parse(path.read_text(), filename=str(path)))
            if any(name == "tooling" or name.startswith("tooling.") for name in modules):
                offenders.append(str(relative))
    assert offenders == []


@pytest.mark.smoke
def test_the_runners_exist():
    # A renamed command would otherwise leave a stale exemption behind.
    assert all((ROOT / runner).is_file() for runner in RUNNERS)
