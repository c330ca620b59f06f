"""What `pip install .` gets: every module our code imports is a declared runtime dependency (so `workflows up`
works from a plain install), and the wheel carries the files read at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
OURS = {"workflows", "flows"}


def imported_modules(folders: list[Path]) -> dict[str, Path]:
    """Top-level module of every absolute import in the given source trees, with one file importing it."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], path)
    return found


def declared_runtime_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(text).name) for text in project["dependencies"]}


def test_every_third_party_module_imported_at_run_time_is_a_declared_dependency():
    declared = declared_runtime_dependencies()
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(imported_modules([REPO / "src" / "workflows", REPO / "flows"]).items()):
        if module in OURS or module in sys.stdlib_module_names or module == "__future__":
            continue
        providers = {canonicalize_name(name) for name in distributions.get(module, [])}
        if not providers & declared:
            missing.append(f"{module} (imported by {where.relative_to(REPO)}; from {sorted(providers) or '?'})")
    assert missing == [], "add to [project] dependencies: " + "; ".join(missing)


def test_the_wheel_carries_templates_migrations_and_type_information(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("workflows-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = sorted(p.name for p in (REPO / "src/workflows/store/migrations/versions").glob("*.py"))
    assert {f"workflows/store/migrations/versions/{name}" for name in migrations} <= names
    templates = sorted(p.name for p in (REPO / "src/workflows/web/templates").glob("*.html"))
    assert {f"workflows/web/templates/{name}" for name in templates} <= names
    assert "workflows/py.typed" in names
    assert "workflows/localrun/mailsink.py" in names
