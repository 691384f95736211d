"""The floors only look down: the import graph drawn from the code (scripts/import_graph.py)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "import_graph.py"
spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(graph)


def edges():
    return graph.imports(graph.project_modules())


def test_the_foundation_imports_no_other_app():
    outward = [(a, b) for a, b, _ in edges() if a.split(".")[0] == "core" != b.split(".")[0]]
    assert outward == []


def test_no_import_looks_up_a_floor():
    assert graph.upward(edges()) == []


def test_there_are_no_import_circles():
    assert graph.circles(edges()) == []


def test_the_checker_sees_an_upward_import():
    # A foundation module importing a feature, and a feature importing a later one, are caught.
    assert graph.upward([("core.services", "moderation.services", False)])
    assert graph.upward([("moderation.services", "reporting.summary", False)])
    assert not graph.upward([("reporting.summary", "moderation.models", False)])
    assert graph.circles([("a", "b", False), ("b", "a", False)])
