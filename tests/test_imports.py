"""The modules of keikaku import one another without a cycle, counting the imports made
inside functions too: a function-level import may defer a heavy module (WeasyPrint, the
Word writer) so that a no-op rebuild stays fast, never dodge a cycle. Imports under
``if TYPE_CHECKING:`` are for annotations only and are not counted."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "keikaku"


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _module_name(path: Path, package: Path) -> str:
    """keikaku/kpi_sheet/cells.py → 「kpi_sheet.cells」; a package's __init__ is the package."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolved(
    node: ast.ImportFrom | ast.Import, here: str, is_package: bool, modules: set[str]
) -> list[str]:
    """The package's modules an import statement in module ``here`` imports."""
    if isinstance(node, ast.Import):
        bases = [
            a.name.removeprefix("keikaku.") for a in node.names if a.name.startswith("keikaku.")
        ]
        return [b for b in bases if b in modules]
    if node.level == 0:
        if not node.module or node.module.split(".")[0] != "keikaku":
            return []
        base = node.module.removeprefix("keikaku").lstrip(".")
    else:
        # The package a relative import starts from: the module's own for an __init__.
        parts = here.split(".") if here else []
        package = parts if is_package else parts[:-1]
        up = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        base = ".".join([*up, *([node.module] if node.module else [])])
    found = []
    for alias in node.names:
        name = f"{base}.{alias.name}" if base else alias.name
        if name in modules:  # from . import files / from .kpi_sheet import cells
            found.append(name)
        elif base in modules:  # from .files import shown_path
            found.append(base)
    return found


def _imported(tree: ast.AST, here: str, is_package: bool, modules: set[str]) -> dict[str, int]:
    """The package's modules ``tree`` imports, each with the line of its first import."""
    found: dict[str, int] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in _resolved(node, here, is_package, modules):
                found[name] = min(found.get(name, node.lineno), node.lineno)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """Each module of the package (「kpi_sheet.cells」 in a sub-package) and the package's
    modules it imports, with the line of the first import."""
    paths = {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    modules = set(paths) - {""}
    return {
        name: {
            m: line
            for m, line in _imported(
                ast.parse(path.read_text(encoding="utf-8")),
                name,
                path.name == "__init__.py",
                modules,
            ).items()
            if m != name
        }
        for name, path in paths.items()
        if name
    }


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every cycle's modules (Tarjan's strongly connected components of more than one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _explain(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    inside = set(component)
    return ", ".join(
        f"keikaku/{m.replace('.', '/')}.py:{line} imports {n}"
        for m in component
        for n, line in sorted(graph[m].items())
        if n in inside
    )


def test_the_package_has_no_import_cycle_even_through_imports_inside_functions():
    graph = import_graph()
    assert len(graph) > 30  # the package was found
    found = cycles(graph)
    assert not found, "; ".join(_explain(graph, c) for c in found)


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(
        "def f():\n    from .c import y\n    return y\nx = 1\n", encoding="utf-8"
    )
    (tmp_path / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import z\n"
        "def g():\n    from keikaku.a import w\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path)
    assert graph == {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 5}}
    assert cycles(graph) == [["a", "b", "c"]]
    (tmp_path / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import z\n",
        encoding="utf-8",
    )
    assert cycles(import_graph(tmp_path)) == []


def test_imports_inside_a_sub_package_are_resolved(tmp_path):
    sub = tmp_path / "sheet"
    sub.mkdir()
    (tmp_path / "files.py").write_text("", encoding="utf-8")
    (sub / "__init__.py").write_text(
        "from . import rows\nfrom .cells import read\nfrom .. import files\n", encoding="utf-8"
    )
    (sub / "cells.py").write_text("from ..files import x\n", encoding="utf-8")
    (sub / "rows.py").write_text(
        "def f():\n    from keikaku.sheet import cells\n    from .cells import read\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path)
    assert graph["sheet"] == {"sheet.rows": 1, "sheet.cells": 2, "files": 3}
    assert graph["sheet.cells"] == {"files": 1}
    assert graph["sheet.rows"] == {"sheet.cells": 2}
    assert cycles(graph) == []
    (sub / "cells.py").write_text("def g():\n    from .rows import f\n", encoding="utf-8")
    assert cycles(import_graph(tmp_path)) == [["sheet.cells", "sheet.rows"]]


def test_every_sub_package_is_in_the_wheel():
    """pyproject.toml lists the packages the wheel holds: a sub-package left out of the
    list installs without it (the build then fails on import)."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    listed = set(project["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(PACKAGE.parent).parts)
        for init in PACKAGE.rglob("__init__.py")
    }
    assert found == listed
