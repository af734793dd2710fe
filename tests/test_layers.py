"""The house has floors (docs/architecture.md, "Layers"): a module imports only from its own
floor or the ones below, and no modules import each other in a circle. Every module of
runtime/ is on a floor by its place, so a new file lands on one without a list to keep."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "runtime"

FOUNDATION, MECHANISMS, DOMAIN_CORE, WEB_KIT, DOMAIN_WEB, ASSEMBLY = range(6)
FLOORS = ("foundation", "mechanisms", "domain core", "web kit", "domain web", "assembly")

FOUNDATION_MODULES = {
    "settings", "clock", "logs", "metrics", "storage", "lru", "mail", "blocking",
}  # fmt: skip
MECHANISM_MODULES = {"definitions", "state", "outbox", "domain", "refusals"}
MECHANISM_PACKAGES = {
    "jobs",
    "statuses",
    "notifications",
    "audit",
}  # notifications: its page is a domain
WEB_KIT_PACKAGE = "web"
ASSEMBLY_MODULES = {"app", "cli", "asgi", "domains"}
DOMAIN_WEB_FILES = {"controllers", "routes", "home", "plugin", "cli"}


def floor(module: str) -> int:
    """The floor of a module of runtime/ by its dotted name (``runtime.forms.service``)."""
    parts = module.split(".")[1:]
    if not parts:
        return FOUNDATION
    top = parts[0]
    leaf = parts[-1] if len(parts) > 1 else "__init__"
    if len(parts) > 1 and (leaf in DOMAIN_WEB_FILES or leaf.endswith("_routes")):
        return DOMAIN_WEB  # the pages and commands of a folder, whatever else it holds
    if top == "db" or top in FOUNDATION_MODULES:
        return FOUNDATION
    if top in MECHANISM_MODULES or top in MECHANISM_PACKAGES:
        return MECHANISMS
    if top == WEB_KIT_PACKAGE:
        return WEB_KIT
    if top in ASSEMBLY_MODULES:
        return ASSEMBLY
    if top == "authoring" and len(parts) > 1 and parts[1].startswith("preview"):
        return ASSEMBLY  # the consultant's preview is an application of its own
    if top == "demo":
        return DOMAIN_CORE  # seeds the domains through their services
    return DOMAIN_CORE


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """The runtime modules a file imports at module level (the ones inside functions are
    for a command or a lazy import; they are left to the reviewer)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # names for annotations only
        for child in [node]:
            if isinstance(child, ast.Import):
                found |= {a.name for a in child.names if a.name.startswith("runtime")}
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if not target.startswith("runtime"):
                    continue
                for alias in child.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if _is_module(candidate) else target)
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def sources() -> list[Path]:
    return sorted(p for p in RUNTIME.rglob("*.py") if "migrations" not in p.parts)


def test_no_module_imports_from_a_floor_above_its_own() -> None:
    upward = []
    for path in sources():
        name = module_name(path)
        for target in imports(path):
            if floor(target) > floor(name):
                upward.append(
                    f"{name} ({FLOORS[floor(name)]}) imports {target} ({FLOORS[floor(target)]})"
                )
    assert upward == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = {module_name(p): imports(p) for p in sources()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target == node or target not in graph:
                continue
            if state.get(target) == 1:
                circles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []


def test_the_mechanisms_know_no_domain() -> None:
    """The shared mechanisms take what the domains bring from runtime/domains.py at start-up;
    not one of them names a domain, not even inside a function."""
    domains = {p.parent.name for p in RUNTIME.glob("*/plugin.py")} - MECHANISM_PACKAGES
    named = []
    for path in sources():
        name = module_name(path)
        if floor(name) > MECHANISMS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                head = module.removeprefix("runtime.").split(".")[0]
                if (node.level or module.startswith("runtime.")) and head in domains:
                    named.append(f"{name}: {module}")
    assert named == []


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("runtime.settings", "foundation"),
        ("runtime.db.session", "foundation"),
        ("runtime.jobs.spec", "mechanisms"),
        ("runtime.notifications", "mechanisms"),
        ("runtime.access.notification_routes", "domain web"),
        ("runtime.web.guards", "web kit"),
        ("runtime.refusals", "mechanisms"),
        ("runtime.forms.service", "domain core"),
        ("runtime.transfers.models", "domain core"),
        ("runtime.transfers.routes", "domain web"),
        ("runtime.transfers.plugin", "domain web"),
        ("runtime.app", "assembly"),
    ],
)
def test_a_new_file_lands_on_the_floor_its_place_says(module: str, expected: str) -> None:
    assert FLOORS[floor(module)] == expected
