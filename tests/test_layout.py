"""The layering is explicit: no openimr module is imported inside a function (hidden imports
hide cycles), except by the command line, which loads each command only when it is called."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "openimr"


def _function_level_imports(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openimr"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.module}")
            if isinstance(node, ast.Import):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("openimr")
                ]
    return found


def test_no_function_level_imports_of_openimr_outside_the_cli():
    hidden = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        if "cli" not in path.relative_to(SRC).parts
        for hit in _function_level_imports(path)
    ]
    assert hidden == []
