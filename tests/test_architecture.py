"""The shape of the code, as docs/ARCHITECTURE.md draws it: layers that import one way, no
import circles between modules, no module too long to read, no pointer to a file the
repository lacks.

The import graph is read from the source (``ast``), function-local imports included, so an
import hidden in a function to dodge a circle at start-up still counts as an edge.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = ("wizard", "exporters", "runners", "tui", "cli")
"""Lowest first: a module may import its own layer and the layers before it. ``cli`` may
skip ``tui`` (its headless verbs never import Textual)."""

MAX_LINES = 600
"""A product module longer than this is split by what its parts are about (~500 is the aim)."""


def product_modules() -> dict[str, Path]:
    """Every product module by dotted name (the exported project's templates are data)."""
    modules: dict[str, Path] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "templates" in path.relative_to(ROOT).parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The product modules ``name`` imports anywhere in its source."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            candidates = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


@pytest.fixture(scope="module")
def import_graph() -> dict[str, set[str]]:
    known = product_modules()
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def test_layers_import_one_way(import_graph: dict[str, set[str]]) -> None:
    upward = [
        f"{name} imports {target}"
        for name, targets in import_graph.items()
        for target in targets
        if LAYERS.index(target.split(".")[0]) > LAYERS.index(name.split(".")[0])
    ]
    assert upward == []


def test_no_import_circles(import_graph: dict[str, set[str]]) -> None:
    # A package's __init__ is imported on the way to any of its modules; an edge from a
    # module to its own package's __init__ is not a circle of the code's making.
    edges = {
        name: {t for t in targets if not name.startswith(f"{t}.")}
        for name, targets in import_graph.items()
    }
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as err:
        pytest.fail(f"import circle: {' -> '.join(err.args[1])}")


def test_no_module_too_long_to_read() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_see_what_they_claim_to(tmp_path: Path) -> None:
    """The graph reader finds function-local and relative imports (else the tests above
    would pass on anything)."""
    probe = tmp_path / "probe.py"
    probe.write_text("import wizard.plan\n\ndef f():\n    from .store import load_config\n")
    assert imported_modules("wizard.probe", probe, product_modules()) == {
        "wizard.plan",
        "wizard.store",
    }


def test_nothing_points_at_a_missing_design_file() -> None:
    """The founding brief is not part of the repository; its successor is."""
    assert (ROOT / "docs" / "ARCHITECTURE.md").is_file()
    pointing = [
        str(path.relative_to(ROOT))
        for layer in (*LAYERS, "tests", "bench", "scripts", "docs", "devtools")
        if (ROOT / layer).is_dir()
        for path in (ROOT / layer).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".md", ".toml", ".jinja", ".txt", ".tcss", ".yml"}
        and path != Path(__file__).resolve()
        and re.search(r"(?<![/\w])DESIGN\.md", path.read_text(encoding="utf-8", errors="replace"))
    ]
    for top in ("README.md", "pyproject.toml", "Makefile"):
        if "DESIGN.md" in (ROOT / top).read_text(encoding="utf-8"):
            pointing.append(top)
    assert pointing == []
