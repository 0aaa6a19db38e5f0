"""DESIGN.md's rule: services and state never import Textual (they must stay UI-free and testable)."""

import ast
from pathlib import Path

import glmtui

ROOT = Path(glmtui.__file__).parent
UI_FREE = [
    *sorted((ROOT / "core").glob("*.py")),
    *sorted((ROOT / "services").rglob("*.py")),
    ROOT / "config.py",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_textual_below_the_line() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "textual")
        for p in UI_FREE
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(UI_FREE) >= 7
