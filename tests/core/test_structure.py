"""The house rules a newcomer relies on, checked from the source (docs/architecture.md).

No import circles among the apps' modules (a function-local import hides a circle, it
does not remove it), no module past about 400 lines, apps reaching each other only
through selectors and services, and one function that makes tokens.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "api",
    "config",
    "core",
    "directories",
    "distributions",
    "respondent_ui",
    "surveys",
]
MAX_LINES = 450


def app_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported(path: Path, modules) -> set[str]:
    """Return the project modules a file imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names.append(node.module)
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def test_no_import_circles():
    modules = app_modules()
    graph = {name: imported(path, modules) - {name} for name, path in modules.items()}
    circles = []
    state = {}

    def visit(name, trail):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                circles.append(" -> ".join(trail[trail.index(target) :] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_no_module_past_about_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in app_modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_apps_use_each_others_front_doors_only():
    """surveys and directories know nothing of distributions; nobody imports another
    app's models, views, forms or tasks."""
    modules = app_modules()
    trespasses = []
    for name, path in modules.items():
        app = name.split(".")[0]
        for target in imported(path, modules):
            other = target.split(".")[0]
            if other == app or other in ("core", "config"):
                continue
            if (
                app in ("surveys", "directories")
                and other == "distributions"
                or other in ("surveys", "directories", "distributions")
                and not (
                    target.startswith(f"{other}.selectors")
                    or target.startswith(f"{other}.services")
                    or target
                    in (
                        "surveys.respondent",
                        "surveys.navigation",
                        "directories.navigation",
                    )
                )
            ):
                trespasses.append(f"{name} -> {target}")
    assert trespasses == []


def test_one_function_makes_tokens():
    makers = [
        str(path.relative_to(ROOT))
        for path in app_modules().values()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "token_urlsafe"
    ]
    assert makers == ["core/tokens.py"]
