"""The house's rules (docs/ARCHITECTURE.md), checked on the source: small modules, no private
names imported across modules, no import cycles, doors → services → models and core,
templates that name routes instead of spelling their paths, and ruff's lint."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
MAX_LINES = 500
DOMAINS = ("legal", "accounts", "disclosures", "cases", "reception", "dialogues", "reporting", "integration", "site")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported from, names imported, line) for every import at any level of `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return found


def _top_level_imports(path: Path) -> set[str]:
    """The app modules `path` imports when it is itself imported (not inside functions)."""
    deps = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                deps.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            deps.update(a.name for a in node.names if a.name.startswith("app"))
    return deps


def _kind(module: str) -> str:
    """door, service, model, core or top (main, cli, config, demo, routers)."""
    parts = module.split(".")
    if len(parts) < 2:
        return "top"
    if parts[1] == "models":
        return "model"
    if parts[1] == "core":
        return "core"
    if parts[1] in DOMAINS:
        leaf = parts[-1]
        return "door" if leaf.startswith(("web_", "api")) or leaf == "api" else "service"
    return "top"


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_no_private_name_is_imported_from_another_module():
    """`_` (gettext) is the one underscore name meant for everyone."""
    found = []
    for module, path in MODULES.items():
        for source, names, line in _imports(path):
            if source.startswith("app") and source != module:
                found += [f"{path.relative_to(ROOT)}:{line} imports {n} from {source}"
                          for n in names if n.startswith("_") and n != "_" and not n.startswith("__")]
    assert found == []


def test_the_app_modules_import_each_other_without_cycles():
    graph = {m: {d for d in _top_level_imports(p) if d in MODULES and d != m} for m, p in MODULES.items()}
    # A package's __init__ imported for a submodule is not an edge of the cycle.
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(" → ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert cycles == []


@pytest.mark.parametrize("kind,forbidden", [
    ("service", {"door", "top"}),  # services never reach up to a door or the app
    ("model", {"door", "service", "top"}),
    ("core", {"door", "service", "top"}),
])
def test_imports_go_down_the_house(kind, forbidden):
    found = defaultdict(list)
    for module, path in MODULES.items():
        if _kind(module) != kind:
            continue
        for dep in _top_level_imports(path):
            if dep in MODULES and _kind(dep) in forbidden and dep != "app.config":
                found[str(path.relative_to(ROOT))].append(dep)
    assert dict(found) == {}


PATH_ATTRIBUTE = re.compile(r'\b(?:href|action|src|formaction|data-hx-(?:get|post|put|patch|delete))="(/[^"]*)"')
# Addresses that are not routes of the app: the OpenAPI document FastAPI serves itself.
NOT_ROUTES = {"/openapi.json"}


def test_templates_name_routes_instead_of_spelling_paths():
    spelled = [f"{t.relative_to(ROOT)}: {m.group(1)}"
               for t in sorted((ROOT / "templates").rglob("*.html"))
               for m in PATH_ATTRIBUTE.finditer(t.read_text(encoding="utf-8")) if m.group(1) not in NOT_ROUTES]
    assert spelled == [], "use url_for('route_name', ...) or static_url('file'):\n" + "\n".join(spelled)


def test_the_app_passes_mypy():
    """Types of app/ (configuration in pyproject.toml: pydantic's plugin, stubs for what has them)."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_passes_ruff():
    """pycodestyle, pyflakes, import order and naming, as configured in pyproject.toml."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
