"""The report package stays split into focused modules with imports in one direction (no cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "benchmarks" / "report"


def _imports(path: Path) -> set[str]:
    """benchmarks.report.* modules a file imports anywhere (top level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("benchmarks.report.")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("benchmarks.report."):
                found.add(node.module)
            elif node.module == "benchmarks.report":
                found |= {f"benchmarks.report.{a.name}" for a in node.names}
    return {m.split(".")[2] for m in found}


def test_report_modules_import_without_cycles() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert len(graph) >= 5 and all(len(p.read_text().splitlines()) <= 400 for p in PACKAGE.glob("*.py"))
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in graph.get(node, ()):
            assert state.get(nxt) != "open", f"import cycle: {' → '.join([*path, nxt])}"
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
