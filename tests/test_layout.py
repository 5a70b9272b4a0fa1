"""The layout's rules, checked on the source: each package imports only what sits below it.

    app/core                  imports no other package of the app (settings aside)
    app/auth, native, legacy  siblings: never import each other; know no web framework
    app/unified               the only domain package that knows both sources
    app/container             the composition root: imported only by the API and entry layers
    app/graphql, rest, cli    the only places that know Strawberry, FastAPI, Typer (with
                              main and the ASGI request-id middleware)
    app/observability         probes, metrics endpoint, request metrics, logs, tracing:
                              beside the APIs (knows FastAPI/Starlette and the container);
                              the packages below count through app/core/metrics instead
    app/devtools              dev-only tools; nothing in the product imports them

and no module imports itself back through others at import time (no cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

DOMAIN = {"auth", "native", "legacy"}
FRAMEWORKS = {"strawberry", "fastapi", "starlette", "typer", "cross_web"}
FRAMEWORK_HOMES = {
    "graphql", "rest", "cli", "main", "devtools", "request_id", "request_limits", "observability"
}  # fmt: skip
CONTAINER_USERS = {"graphql", "rest", "cli", "main", "devtools", "observability"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, *, runtime_only: bool = False) -> Iterator[str]:
    """Every module ``path`` imports; with ``runtime_only``, only those its import runs
    (not under ``TYPE_CHECKING``, not inside a function)."""

    def walk(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and _is_type_checking(node):
                if not runtime_only:
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if not runtime_only or isinstance(node, ast.ClassDef):
                    yield from walk(node.body)
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        if isinstance(child, ast.ExceptHandler):
                            yield from walk(child.body)
                        else:
                            yield from walk([child])

    yield from walk(ast.parse(path.read_text(encoding="utf-8")).body)


SOURCES = sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)


def package_of(module: str) -> str:
    """The top-level package of ``app.x.y`` (``x``), or the root module's name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def app_imports(path: Path) -> set[str]:
    return {package_of(m) for m in imports_of(path) if m.startswith("app.")}


def test_sources_are_found() -> None:
    assert len(SOURCES) > 40


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_layers(path: Path) -> None:
    module = module_name(path)
    home = package_of(module)
    used = app_imports(path) - {home}
    third_party = {m.split(".")[0] for m in imports_of(path)}
    if home == "core":
        assert used <= {"settings"}, f"{module} (core) imports {used - {'settings'}}"
    if home in DOMAIN:
        assert not used & (DOMAIN - {home}), f"{module} imports a sibling: {used & DOMAIN}"
    if home in DOMAIN | {"core", "unified"}:
        upward = used & {
            "unified", "graphql", "rest", "cli", "devtools", "container", "main", "observability"
        }  # fmt: skip
        assert not upward, f"{module} imports upward: {upward}"
    if home not in FRAMEWORK_HOMES:
        assert not third_party & FRAMEWORKS, f"{module} knows {third_party & FRAMEWORKS}"
    if "container" in used:
        assert home in CONTAINER_USERS, f"{module} imports the composition root"
    if home not in {"cli", "devtools"}:
        assert not used & {"devtools", "cli"}, f"{module} imports dev tooling"


def test_only_unified_knows_both_sources() -> None:
    """Below the API layers, only ``app.unified`` imports both native and legacy."""
    both = {
        module_name(path)
        for path in SOURCES
        if package_of(module_name(path)) in DOMAIN | {"core", "unified"}
        and {"native", "legacy"} <= app_imports(path)
    }
    assert both, "the unified package should join the sources"
    assert {package_of(m) for m in both} == {"unified"}, both


def test_no_import_cycle() -> None:
    graph = {
        module_name(path): {m for m in imports_of(path, runtime_only=True) if m.startswith("app.")}
        for path in SOURCES
    }
    known = set(graph)
    edges = {m: {t for t in targets if t in known and t != m} for m, targets in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
