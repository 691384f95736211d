"""The project's import graph, drawn from the code's own imports (CONTRIBUTING.md, "Floors").

    .venv/bin/python scripts/import_graph.py          # tables: app -> app, floor -> floor
    .venv/bin/python scripts/import_graph.py --check  # exit 1 on an upward import or a circle
    .venv/bin/python scripts/import_graph.py --root DIR  # another checkout (e.g. an older one)

Every module has a floor; an import may only look down (to a lower floor, or within its own
floor to an app no higher in FEATURE_ORDER). tests/test_floors.py runs the check.
"""

import ast
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(
    sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else Path(__file__).parent.parent
).resolve()
APPS = ("core", "accounts", "moderation", "audits", "reporting", "flows", "config", "demo")
FOUNDATION, FEATURE, FLOWS, WEB, WIRING, DEMO = range(6)
FLOOR_NAMES = ("foundation", "features", "flows", "pages and API", "wiring", "demo and bench")
# Within the feature floor an app may import only apps before it in this order.
FEATURE_ORDER = ("accounts", "moderation", "audits", "reporting")
# Modules of a feature app that serve HTTP or the command line: the pages-and-API floor.
WEB_PARTS = ("views", "api", "urls", "forms", "templatetags", "management", "middleware")
# A Celery task module and the service that queues it may import each other.
ALLOWED_CIRCLES = [{"reporting.services", "reporting.tasks"}]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int:
    app, _, rest = module.partition(".")
    if app == "core":
        return FOUNDATION
    if app == "config" or rest == "apps":
        return WIRING  # settings, URLs, and each app's AppConfig connecting its signals
    if app == "demo":
        return DEMO
    first = rest.split(".")[0]
    if any(first == part or first.endswith(f"_{part}") for part in WEB_PARTS):
        return WEB
    return FLOWS if app == "flows" else FEATURE


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).is_dir() else ():
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def imports(modules: dict[str, Path]) -> list[tuple[str, str, bool]]:
    """(importer, imported module, inside a function) for every import of a project module."""
    found = []
    for me, path in modules.items():
        tree = ast.parse(path.read_text())
        nested = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for sub in ast.walk(node)
            if sub is not node
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                for i in range(len(parts), 0, -1):
                    target = ".".join(parts[:i])
                    if target in modules:
                        if target != me:
                            found.append((me, target, id(node) in nested))
                        break
    return found


def circles(edges: list[tuple[str, str, bool]]) -> list[set[str]]:
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for a, b, _ in edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: set[str] = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return [c for c in found if c not in ALLOWED_CIRCLES]


def upward(edges: list[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """Imports that look up: to a higher floor, or to a later feature app on the same floor."""
    bad = []
    for a, b, _ in edges:
        fa, fb = floor(a), floor(b)
        app_a, app_b = a.split(".")[0], b.split(".")[0]
        if fb > fa or (
            fa == fb == FEATURE
            and app_a != app_b
            and FEATURE_ORDER.index(app_b) > FEATURE_ORDER.index(app_a)
        ):
            bad.append((a, b))
    return bad


def main() -> int:
    edges = imports(project_modules())
    app = {a: a.split(".")[0] for edge in edges for a in edge[:2]}
    apps = Counter((app[a], app[b]) for a, b, _ in edges if app[a] != app[b])
    print("Imports between apps (from -> to: import statements' names)")
    for (a, b), n in sorted(apps.items(), key=lambda item: (APPS.index(item[0][0]), item[0][1])):
        print(f"  {a} -> {b}: {n}")
    floors = Counter((floor(a), floor(b)) for a, b, _ in edges if floor(a) != floor(b))
    print("Imports between floors")
    # Floor numbers, not module names like a and b above: names of their own (one type a name).
    for (from_floor, to_floor), n in sorted(floors.items()):
        arrow = "UP" if to_floor > from_floor else "down"
        print(f"  {FLOOR_NAMES[from_floor]} -> {FLOOR_NAMES[to_floor]}: {n} ({arrow})")
    nested = [(a, b) for a, b, inside in edges if inside]
    print(f"Imports inside functions: {len(nested)}")
    for a, b in nested:
        print(f"  {a} -> {b}")
    bad, loops = upward(edges), circles(edges)
    print(f"Upward imports: {len(bad)}")
    for a, b in bad:
        print(f"  {a} -> {b}")
    allowed = ", ".join(" <-> ".join(sorted(pair)) for pair in ALLOWED_CIRCLES)
    print(f"Circles (besides {allowed}): {len(loops)}")
    for loop in loops:
        print("  " + ", ".join(sorted(loop)))
    return 1 if "--check" in sys.argv and (bad or loops) else 0


if __name__ == "__main__":
    sys.exit(main())
