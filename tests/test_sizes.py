"""No function over 80 lines and no class over 150 in the package: a longer one is split into named steps.

A definition's lines run from its first decorator to its last line, docstring and comments included.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "labeleval"
MAX_FUNCTION_LINES = 80
MAX_CLASS_LINES = 150


def definitions(path: Path) -> Iterator[tuple[str, int, int]]:
    """(qualified name, lines, limit) of every function and class in ``path``, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                lines = (child.end_lineno or child.lineno) - start + 1
                limit = MAX_CLASS_LINES if isinstance(child, ast.ClassDef) else MAX_FUNCTION_LINES
                yield f"{prefix}{child.name}", lines, limit
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def oversized() -> dict[str, int]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent).as_posix()
        for name, lines, limit in definitions(path):
            if lines > limit:
                found[f"{where}::{name}"] = lines
    return found


def test_no_function_or_class_is_too_long() -> None:
    over = oversized()
    assert not over, "split into named steps: " + ", ".join(f"{name} ({lines} lines)" for name, lines in over.items())


def test_the_walk_counts_decorators_and_nested_definitions(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 2))
    source = f"class A:\n    @staticmethod\n    def f():\n{body.replace('    ', '        ')}\n"
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    sizes = {name: lines for name, lines, _ in definitions(path)}
    assert sizes["A.f"] == MAX_FUNCTION_LINES  # decorator + def + body
    assert sizes["A"] == MAX_FUNCTION_LINES + 1
