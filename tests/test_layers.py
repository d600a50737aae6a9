"""The package's floors: every module imports only from its own floor or the floors below, never in a cycle.

Every ``import`` in every module counts — at the top, inside a function, or under ``TYPE_CHECKING`` — so a
dependency cannot hide in a function body. A function-local import is allowed only for an optional third-party
dependency (:data:`OPTIONAL`), never for a labeleval module. docs/architecture.md draws the same map.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

PACKAGE = ROOT / "labeleval"

#: Each module's floor, by its longest matching prefix; a module may import from its own floor or lower ones.
FLOORS: dict[str, int] = {
    "labeleval.errors": 0,
    "labeleval.fmt": 0,
    "labeleval.safety": 0,
    "labeleval.options": 1,
    "labeleval.limits": 1,
    "labeleval.tuning": 1,
    "labeleval.executor": 1,
    "labeleval.samples": 1,
    "labeleval.metrics": 2,
    "labeleval.project": 2,
    "labeleval.io": 3,
    "labeleval.inference": 3,
    "labeleval.scoring": 4,
    "labeleval.analyses": 5,
    "labeleval.present": 6,
    "labeleval.report": 7,
    "labeleval.api": 8,
    "labeleval.cli": 9,
    "labeleval.ui": 9,
    "labeleval": 10,  # the package's __init__: the lazy table of public names
}

#: Third-party modules a module may import inside a function: optional at run time (dask, vl-convert, streamlit,
#: the charts' altair), or slow to import and needed by one path only (scipy.stats: about 0.5 s).
OPTIONAL = frozenset(
    {"altair", "scipy.stats", "dask", "distributed", "vl_convert", "streamlit", "playwright", "fsspec", "openpyxl"}
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def floor(module: str) -> int:
    best = max((prefix for prefix in FLOORS if module == prefix or module.startswith(prefix + ".")), key=len)
    return FLOORS[best]


def _target(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> Iterator[str]:
    """The labeleval modules an import statement reaches (a name imported from a package may be a module)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    for alias in node.names:
        candidate = f"{source}.{alias.name}"
        yield candidate if candidate in MODULES else source


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> Iterator[tuple[str, int, bool]]:
    """(imported labeleval module, line, inside a function) for every import statement of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            local.update(id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for name in _target(module, node, path.name == "__init__.py"):
            if name.split(".")[0] != "labeleval":
                continue
            owner = _owner(name)
            if owner is not None and owner != module:
                yield owner, node.lineno, id(node) in local


def _local_third_party(module: str) -> Iterator[tuple[str, int]]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                yield from ((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                yield from ((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)


def test_every_module_has_a_floor() -> None:
    assert MODULES, "no modules found"
    for module in MODULES:
        assert floor(module) >= 0


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down(module: str) -> None:
    """A module imports from its own floor or below; a labeleval import never hides inside a function."""
    problems = []
    for target, line, inside_function in imports(module):
        where = f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}"
        if floor(target) > floor(module):
            problems.append(f"{where}: {module} (floor {floor(module)}) imports {target} (floor {floor(target)})")
        if inside_function:
            problems.append(f"{where}: {module} imports {target} inside a function")
    for name, line in _local_third_party(module):
        if not any(name == o or name.startswith(o + ".") for o in OPTIONAL) and name.split(".")[0] != "labeleval":
            problems.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: local import of {name}")
    assert not problems, "\n".join(problems)


def _packages_run(module: str) -> set[str]:
    """The packages whose ``__init__`` an import statement of ``module`` runs: ``from labeleval.scoring import run``
    runs ``labeleval/scoring/__init__.py`` before it reaches ``run``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        source = node.module if isinstance(node, ast.ImportFrom) and not node.level else None
        if source in MODULES and MODULES[str(source)].name == "__init__.py" and source != module:
            found.add(str(source))
    return found


def test_no_cycles() -> None:
    graph = {module: {target for target, _, _ in imports(module)} | _packages_run(module) for module in MODULES}
    # the package __init__ is the public table; its TYPE_CHECKING imports point everywhere by design
    graph["labeleval"] = set()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_local_and_upward_imports(tmp_path: Path) -> None:
    """The walk itself: a function-local upward import is found (so the test above can fail)."""
    source = "def f():\n    from labeleval.api import evaluate\n    return evaluate\n"
    tree = ast.parse(source)
    found = [n for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) for n in ast.walk(fn)]
    names = [n.module for n in found if isinstance(n, ast.ImportFrom)]
    assert names == ["labeleval.api"]
    assert floor("labeleval.api") > floor("labeleval.scoring.run")
    assert floor("labeleval.present.render") > floor("labeleval.analyses.plan")
