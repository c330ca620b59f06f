"""No import points up a layer: every import of a workflows module (imports inside functions and under
TYPE_CHECKING included: they are dependencies all the same) goes to the importer's own layer or a lower one.

The table, lowest first, is the one docs/design.md states. A package in no layer fails the test: a new package
must be given its place.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "workflows"
FLOWS = "flows"  # the repository's Prefect flows, outside the package: above everything in it

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundations", frozenset({"calendar", "yamlsource", "clock", "links", "text"})),
    ("the language", frozenset({"definitions"})),
    ("the directory", frozenset({"directory"})),
    ("the partnership's config", frozenset({"config"})),
    ("the pure engine", frozenset({"engine"})),
    ("the store", frozenset({"store"})),
    ("the shell", frozenset({"operations"})),
    ("what people see and get", frozenset({"notify", "dashboard", "web", "catalogue", "reporting"})),
    ("entry points", frozenset({"orchestration", "localrun", "cli"})),
    ("the flows", frozenset({FLOWS})),
)

# Peers that share a layer but must not import one another (other packages may import their own layer's).
KEPT_APART = frozenset({"notify", "dashboard", "web", "catalogue", "reporting"})

# (importing module, imported module): why it may point up. Keep this short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("workflows.cli.prefect_commands", "flows.deployments"): (
        "`workflows serve` serves the repository's flows: it puts flows/ on the path when run and imports their "
        "deployments; nothing in the package imports flows otherwise"
    ),
}

LAYER_OF = {package: number for number, (_, packages) in enumerate(LAYERS, start=1) for package in packages}


@dataclass(frozen=True, slots=True)
class Import:
    path: Path
    line: int
    importer: str  # the importing module, e.g. workflows.operations.sweeper
    imported: str  # the imported module (or name in it), e.g. workflows.store.timers


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_package(module: str) -> str | None:
    """The package of the table a module belongs to: `store` for workflows.store.cases, `flows` for flows.x;
    None for the workflows package itself and for anything outside the project."""
    parts = module.split(".")
    if parts[0] == FLOWS:
        return FLOWS
    if parts[0] == PACKAGE and len(parts) > 1:
        return parts[1]
    return None


def imports_in(source: str, path: Path, importer: str) -> Iterator[Import]:
    """Every import in a module's source, wherever it stands (module level, function, class, if-block)."""
    package = importer.split(".") if path.name == "__init__.py" else importer.split(".")[:-1]
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, importer, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: counted from the importing module's package
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                # `from workflows import clock` imports the module workflows.clock.
                yield Import(path, node.lineno, importer, f"{base}.{alias.name}" if base == PACKAGE else base)


def imports_of(path: Path) -> Iterator[Import]:
    return imports_in(path.read_text(encoding="utf-8"), path, module_name(path))


def project_imports() -> list[Import]:
    return [found for path in sorted((SRC / PACKAGE).rglob("*.py")) for found in imports_of(path)]


def where(found: Import) -> str:
    return f"{found.path.relative_to(SRC.parent)}:{found.line}"


def layer_name(package: str) -> str:
    number = LAYER_OF[package]
    return f"layer {number} ({LAYERS[number - 1][0]})"


def violation(found: Import) -> str | None:
    source, target = top_package(found.importer), top_package(found.imported)
    if source is None or target is None or source == target:
        return None
    if (found.importer, found.imported) in EXCEPTIONS:
        return None
    if source not in LAYER_OF or target not in LAYER_OF:
        return None  # reported by test_every_package_has_a_layer
    if LAYER_OF[target] > LAYER_OF[source]:
        return (
            f"{where(found)}: {found.importer} ({layer_name(source)}) imports {found.imported} "
            f"({layer_name(target)}), a higher layer"
        )
    if source in KEPT_APART and target in KEPT_APART:
        return f"{where(found)}: {found.importer} imports {found.imported}: {source} and {target} are kept apart"
    return None


def test_no_import_points_up_a_layer():
    # One line per import statement (`from x import a, b` is one dependency, not two).
    violations = list(dict.fromkeys(message for found in project_imports() if (message := violation(found))))
    assert not violations, "imports pointing up a layer:\n" + "\n".join(violations)


def test_every_package_has_a_layer():
    root = SRC / PACKAGE
    packages = {path.name for path in root.iterdir() if (path / "__init__.py").is_file()}
    modules = {path.stem for path in root.glob("*.py") if path.stem != "__init__"}
    imported = {top_package(found.imported) for found in project_imports()} - {None}
    unplaced = sorted((packages | modules | imported) - set(LAYER_OF))
    assert not unplaced, f"packages in no layer of the table: {unplaced}"


def test_packages_do_not_import_each_other_in_a_cycle():
    """Same-layer imports are allowed, so a cycle could hide inside a layer: refuse any."""
    graph: dict[str, set[str]] = {}
    for found in project_imports():
        source, target = top_package(found.importer), top_package(found.imported)
        if source and target and source != target and (found.importer, found.imported) not in EXCEPTIONS:
            graph.setdefault(source, set()).add(target)

    def cycle_from(start: str, path: list[str]) -> list[str] | None:
        for following in sorted(graph.get(path[-1], ())):
            if following == start:
                return [*path, start]
            if following not in path:
                found = cycle_from(start, [*path, following])
                if found:
                    return found
        return None

    cycles = [" -> ".join(cycle) for start in sorted(graph) if (cycle := cycle_from(start, [start]))]
    assert not cycles, "package import cycles:\n" + "\n".join(cycles)


def test_the_check_sees_every_kind_of_import_and_names_where_it_points_up():
    """The checker itself, on a made-up module of the shell: imports in a function body, relative imports and
    `from workflows import x` are all found, and the upward one is reported with its file and line."""
    source = textwrap.dedent(
        """
        from workflows import clock
        from . import cases
        from ..store import timers


        def later():
            from workflows.notify.delivery import deliver
        """
    )
    path = SRC / PACKAGE / "operations" / "made_up.py"
    found = list(imports_in(source, path, "workflows.operations.made_up"))
    assert {(item.imported, item.line) for item in found} == {
        ("workflows.clock", 2),
        ("workflows.operations", 3),
        ("workflows.store", 4),
        ("workflows.notify.delivery", 8),
    }
    reported = [message for item in found if (message := violation(item))]
    assert reported == [
        "src/workflows/operations/made_up.py:8: workflows.operations.made_up (layer 7 (the shell)) imports "
        "workflows.notify.delivery (layer 8 (what people see and get)), a higher layer"
    ]
