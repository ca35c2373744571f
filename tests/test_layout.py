"""The packages users install stand alone: they never import the tests or the scripts, and
the scripts are entry points that import no other script."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmark", "tasks", "studies")
DEV_ONLY = ("tests", "scripts")


def imported_modules(source: Path) -> list[str]:
    """Every module named by an ``import`` or absolute ``from ... import`` in ``source``."""
    names = []
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_imported_modules_sees_both_import_forms(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import tests.fixtures\ndef f():\n    from scripts.style_clips import camera_clip\n")
    assert imported_modules(source) == ["tests.fixtures", "scripts.style_clips"]


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_do_not_import_tests_or_scripts(package: str) -> None:
    offending = [
        f"{path.relative_to(ROOT)}: import {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in DEV_ONLY
    ]
    assert offending == []


def test_scripts_edit_no_import_path_and_import_no_script() -> None:
    """``scripts/`` holds maintenance entry points only: none changes ``sys.path`` or imports
    another script (research code is the importable ``studies`` package)."""
    offending = []
    for path in sorted((ROOT / "scripts").glob("*.py")):
        text = path.read_text()
        if "sys.path" in text:
            offending.append(f"{path.relative_to(ROOT)}: edits sys.path")
        siblings = {p.stem for p in (ROOT / "scripts").glob("*.py")}
        offending += [f"{path.relative_to(ROOT)}: imports {name}" for name in imported_modules(path)
                      if name.split(".")[0] == "scripts" or name in siblings]
    assert offending == []
