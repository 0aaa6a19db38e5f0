"""DESIGN.md's rule: services and state never import Textual (they must stay UI-free and testable)."""

import ast
import os
import subprocess
import sys
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


def test_importing_core_and_services_loads_no_textual() -> None:
    """The AST check misses an import made through another module; a fresh interpreter does not.

    Imports every module of glmtui.core and glmtui.services, found by walking the packages, and names
    the first one after whose import Textual was loaded.
    """
    probe = """
import importlib, pkgutil, sys
import glmtui.core, glmtui.services
names = [
    info.name
    for package in (glmtui.core, glmtui.services)
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
]
culprit = ""
for name in names:
    importlib.import_module(name)
    if not culprit and "textual" in sys.modules:
        culprit = name
print(len(names))
print(culprit or "-")
"""
    path = os.pathsep.join(filter(None, [str(ROOT.parent), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, culprit = done.stdout.splitlines()[-2:]
    assert int(count) >= 20  # every module was found and imported, not an empty walk
    assert culprit == "-", f"importing {culprit} loaded textual"
